using System.Text;
using System.Text.Json.Nodes;

namespace Lab.Deploy.Tests.Model;

/// <summary>One kustomization as rendered: its objects and what the API schemas said about them.</summary>
public sealed record Render(string Name, IReadOnlyList<JsonObject> Objects, IReadOnlyList<string> SchemaErrors)
{
    public static readonly string[] WorkloadKinds = ["Deployment", "StatefulSet", "DaemonSet"];

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => o.Str("kind") == kind);

    public JsonObject? Find(string kind, string name) => OfKind(kind).FirstOrDefault(o => o.Str("metadata.name") == name);

    public IReadOnlyList<Workload> Workloads =>
        [.. Objects.Where(o => WorkloadKinds.Contains(o.Str("kind"))).Select(o => new Workload(o.Str("kind")!, o.Str("metadata.name")!, o))];

    public Workload Workload(string name) =>
        Workloads.SingleOrDefault(w => w.Name == name) ?? throw new InvalidOperationException($"{Name} has no workload {name}.");

    /// <summary>Containers running one of Lab's own images (a project's ContainerRepository), with that project.</summary>
    public IEnumerable<(Container Container, Project Project)> LabContainers =>
        from workload in Workloads
        from container in workload.Containers
        let project = Projects.ForImage(container.Image)
        where project is not null
        select (container, project);

    public IEnumerable<Workload> Selected(IReadOnlyDictionary<string, string> selector) =>
        Workloads.Where(w => Labels.Match(selector, w.PodLabels));

    /// <summary>A Secret's value, decoded (kustomize folds long base64 values over lines; whitespace is ignored).</summary>
    public string? SecretValue(string secret, string key) =>
        Find("Secret", secret)?["data"]?[key]?.GetValue<string>() is { } encoded
            ? Encoding.UTF8.GetString(Convert.FromBase64String(encoded))
            : null;

    /// <summary>
    /// The variables a container gets: from ConfigMaps and Secrets it imports whole (their keys, when they are in
    /// this render) and from its own <c>env</c> list. <see cref="EnvVar.Value"/> is known for literals and ConfigMap data.
    /// </summary>
    public IReadOnlyList<EnvVar> EnvironmentOf(Container container)
    {
        var variables = new List<EnvVar>();
        foreach (var source in container.Spec.Array("envFrom"))
        {
            var prefix = source.Str("prefix") ?? "";
            if (source.Str("configMapRef.name") is { } configMap)
            {
                foreach (var (key, value) in Find("ConfigMap", configMap)?.Obj("data") ?? new JsonObject())
                {
                    variables.Add(new EnvVar(prefix + key, value?.GetValue<string>(), $"ConfigMap {configMap}"));
                }
            }
            if (source.Str("secretRef.name") is { } secret)
            {
                foreach (var (key, _) in Find("Secret", secret)?.Obj("data") ?? new JsonObject())
                {
                    variables.Add(new EnvVar(prefix + key, null, $"Secret {secret}"));
                }
            }
        }
        foreach (var variable in container.Spec.Array("env"))
        {
            var name = variable.Str("name")!;
            variables.Add(variable["valueFrom"] is JsonObject from
                ? new EnvVar(name, null, from.ToJsonString())
                : new EnvVar(name, variable.Str("value") ?? "", "value"));
        }
        return variables;
    }

    /// <summary>The variable's value as the container sees it (the last definition wins, as in Kubernetes).</summary>
    public string? ValueOf(Container container, string variable) =>
        EnvironmentOf(container).LastOrDefault(v => v.Name == variable)?.Value;
}

public sealed record EnvVar(string Name, string? Value, string Source);

/// <summary>A Deployment, StatefulSet or DaemonSet and its pod template.</summary>
public sealed record Workload(string Kind, string Name, JsonObject Object)
{
    public JsonObject Spec => Object.Obj("spec")!;

    public JsonObject PodSpec => Object.Obj("spec.template.spec")!;

    public IReadOnlyDictionary<string, string> PodLabels => Labels.Of(Object["spec"]?["template"]?["metadata"]?["labels"]);

    public IReadOnlyDictionary<string, string> Selector => Labels.Of(Object["spec"]?["selector"]?["matchLabels"]);

    public IReadOnlyList<Container> Containers =>
        [.. PodSpec.Array("initContainers").Concat(PodSpec.Array("containers")).Select(c => new Container(this, c))];

    public Container ContainerNamed(string name) => Containers.Single(c => c.Name == name);

    public JsonObject? Volume(string name) => PodSpec.Array("volumes").FirstOrDefault(v => v.Str("name") == name);

    public override string ToString() => $"{Kind}/{Name}";
}

public sealed record Container(Workload Pod, JsonObject Spec)
{
    public string Name => Spec.Str("name")!;

    public string Image => Spec.Str("image")!;

    public IReadOnlyList<(string? Name, int Number)> Ports =>
        [.. Spec.Array("ports").Select(p => (p.Str("name"), p["containerPort"]!.GetValue<int>()))];

    /// <summary>The number a port reference (a name or a number, as probes, Services and policies give it) points at.</summary>
    public int? Resolve(JsonNode? port) => port?.GetValueKind() switch
    {
        System.Text.Json.JsonValueKind.Number => Ports.Any(p => p.Number == port.GetValue<int>()) ? port.GetValue<int>() : null,
        System.Text.Json.JsonValueKind.String => Ports.Where(p => p.Name == port.GetValue<string>()).Select(p => (int?)p.Number).FirstOrDefault(),
        _ => null,
    };

    public IEnumerable<JsonObject> Mounts => Spec.Array("volumeMounts");

    public override string ToString() => $"{Pod}/{Name}";
}
