using System.Text.RegularExpressions;

namespace Lab.Deploy.Tests.Model;

/// <summary>
/// The constants of Lab.Contracts' LabServices (resource names shared by every way of running Lab), and which
/// services a project's code calls through service discovery.
/// </summary>
public static partial class LabServiceNames
{
    private static readonly Lazy<Dictionary<string, string>> Constants = new(() =>
        StringConstant().Matches(Repository.ReadText("libs", "Lab.Contracts", "LabServices.cs"))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value));

    /// <summary>The database's name: <c>ConnectionStrings__{Database}</c>.</summary>
    public static string Database => Constants.Value["Database"];

    /// <summary>The services' names: <c>services__{name}__http__0</c>.</summary>
    public static IEnumerable<string> Services => Constants.Value.Where(c => c.Key != "Database").Select(c => c.Value);

    public static string Of(string constant) => Constants.Value[constant];

    /// <summary>
    /// The services a project's code sends requests to: HTTP clients on <c>LabServices.DiscoveryUri(LabServices.X)</c>,
    /// and the proxy clusters of a gateway.json next to the project.
    /// </summary>
    public static IEnumerable<string> CalledBy(Project project)
    {
        var clients = DiscoveryClient().Matches(string.Join('\n', project.Closure.Select(p => p.Source))).Select(m => Of(m.Groups[1].Value));
        var routes = Path.Combine(project.Directory, "gateway.json");
        var clusters = File.Exists(routes)
            ? System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(routes))!.At("ReverseProxy.Clusters")!.AsObject().Select(c => c.Key)
            : [];
        return clients.Concat(clusters).Distinct();
    }

    [GeneratedRegex(@"public\s+const\s+string\s+(\w+)\s*=\s*""([^""]+)""\s*;")]
    private static partial Regex StringConstant();

    [GeneratedRegex(@"DiscoveryUri\(\s*LabServices\.(\w+)\s*\)")]
    private static partial Regex DiscoveryClient();
}
