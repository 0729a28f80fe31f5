using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lab.Deploy.Tests.Model;

/// <summary>
/// The Kubernetes API schemas, offline: <c>validator/validate.mjs</c> with npm's kubernetes-models and yaml, at the
/// versions its package.json pins, installed by npm next to the script in the test's output folder the first time
/// (and again only when the pinned versions change).
/// </summary>
public static class SchemaValidator
{
    private static readonly Lazy<string> Folder = new(Install);

    /// <summary>Parses and validates each multi-document YAML file; one result per file, in order.</summary>
    public static IReadOnlyList<ValidatedFile> Validate(IReadOnlyList<string> yamlFiles)
    {
        var output = Tool.Run("node", [Path.Combine(Folder.Value, "validate.mjs"), .. yamlFiles], Folder.Value, TimeSpan.FromMinutes(2));
        var results = JsonNode.Parse(output)!.AsArray();
        return [.. results.Select(result => new ValidatedFile(
            [.. result!["objects"]!.AsArray().Select(o => o!.AsObject())],
            [.. result["errors"]!.AsArray().Select(e => e!.GetValue<string>())]))];
    }

    private static string Install()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "validator");
        if (!IsInstalled(folder))
        {
            Tool.Run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], folder, TimeSpan.FromMinutes(5));
        }
        return IsInstalled(folder)
            ? folder
            : throw new InvalidOperationException($"npm ci in {folder} did not install the versions package.json asks for.");
    }

    /// <summary>Every dependency package.json names is in node_modules at exactly that version.</summary>
    private static bool IsInstalled(string folder)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "package.json")));
        foreach (var dependency in manifest.RootElement.GetProperty("dependencies").EnumerateObject())
        {
            var installed = Path.Combine(folder, "node_modules", dependency.Name, "package.json");
            if (!File.Exists(installed))
            {
                return false;
            }
            using var package = JsonDocument.Parse(File.ReadAllText(installed));
            if (package.RootElement.GetProperty("version").GetString() != dependency.Value.GetString())
            {
                return false;
            }
        }
        return true;
    }
}

public sealed record ValidatedFile(IReadOnlyList<JsonObject> Objects, IReadOnlyList<string> Errors);
