// Validates every object of the given multi-document YAML files against the Kubernetes API schemas of
// kubernetes-models, offline, and prints one JSON document: for each file, its objects (as JSON, for the
// tests' own checks) and the problems found. The schemas do not reject unknown fields; the tests check
// what matters beyond them.
import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";

const results = [];
for (const file of process.argv.slice(2)) {
  const objects = [];
  const errors = [];
  for (const document of parseAllDocuments(await readFile(file, "utf8"))) {
    if (document.errors.length > 0) {
      errors.push(`YAML: ${document.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const object = document.toJS();
    if (object === null || object === undefined) {
      continue;
    }
    objects.push(object);
    const name = `${object.kind}/${object.metadata?.name}`;
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
      errors.push(`${name}: no apiVersion or kind`);
      continue;
    }
    const model = await modelOf(object.apiVersion, object.kind);
    if (model === undefined) {
      errors.push(`${name}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new model(withUnfoldedBase64(object)).validate();
    } catch (error) {
      errors.push(`${name}: ${error.message}`);
    }
  }
  results.push({ file, objects, errors });
}
process.stdout.write(JSON.stringify(results));

async function modelOf(apiVersion, kind) {
  try {
    const models = await import(`kubernetes-models/${apiVersion}`);
    return typeof models[kind] === "function" ? models[kind] : undefined;
  } catch {
    return undefined;
  }
}

// kustomize folds long base64 values over several lines; the schema's "byte" format wants them whole.
function withUnfoldedBase64(object) {
  if ((object.kind !== "Secret" && object.kind !== "ConfigMap") || object.apiVersion !== "v1") {
    return object;
  }
  const field = object.kind === "Secret" ? "data" : "binaryData";
  if (object[field] === null || typeof object[field] !== "object") {
    return object;
  }
  const unfolded = Object.fromEntries(
    Object.entries(object[field]).map(([key, value]) => [key, typeof value === "string" ? value.replace(/\s+/g, "") : value]));
  return { ...object, [field]: unfolded };
}
