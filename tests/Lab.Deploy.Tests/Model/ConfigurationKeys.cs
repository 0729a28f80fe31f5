using System.Text.RegularExpressions;

namespace Lab.Deploy.Tests.Model;

/// <summary>
/// The configuration a project's code reads, collected from its sources and those of every project it references:
/// options classes (a <c>const string Section</c> and their settable properties), keys written out in the code
/// (<c>"Lab:Bootstrap:Token"</c>, <c>configuration["..."]</c>, <c>GetValue&lt;T&gt;("...")</c>), whole sections
/// (<c>GetSection("...")</c>), plus the conventions the hosting libraries read: connection strings, Aspire's
/// service endpoints, OpenTelemetry's variables, ASP.NET Core's and the runtime's. An environment variable
/// (<c>Worker__CheckpointRoot</c>) is read when its key (<c>Worker:CheckpointRoot</c>) is, ignoring case as
/// .NET's configuration does.
/// </summary>
public sealed partial class ConfigurationKeys
{
    /// <summary>What the OpenTelemetry SDK and its OTLP exporter read.</summary>
    public static readonly string[] OpenTelemetryVariables =
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TIMEOUT",
        "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
    ];

    /// <summary>What ASP.NET Core's host reads from ASPNETCORE_* variables.</summary>
    public static readonly string[] AspNetCoreVariables =
    [
        "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "ASPNETCORE_FORWARDEDHEADERS_ENABLED",
    ];

    private readonly HashSet<string> _keys = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _sections = new(StringComparer.OrdinalIgnoreCase) { "Logging" };
    private readonly HashSet<string> _databases = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _discoveredServices = new(StringComparer.OrdinalIgnoreCase);
    private readonly bool _isWeb;
    private readonly bool _usesOpenTelemetry;

    private ConfigurationKeys(Project project)
    {
        var closure = project.Closure;
        var source = string.Join('\n', closure.Select(p => p.Source));
        _isWeb = project.IsWeb;
        _usesOpenTelemetry = closure.Any(p => p.PackageReferences.Any(r => r.StartsWith("OpenTelemetry", StringComparison.Ordinal)));

        foreach (var type in TypeDeclaration().Split(source))
        {
            if (OptionsSection().Match(type) is { Success: true } section)
            {
                foreach (Match property in SettableProperty().Matches(type))
                {
                    _keys.Add($"{section.Groups[1].Value}:{property.Groups[1].Value}");
                }
            }
        }
        foreach (var pattern in new[] { LiteralKey(), IndexerKey(), GetValueKey() })
        {
            foreach (Match key in pattern.Matches(source))
            {
                _keys.Add(key.Groups[1].Value);
            }
        }
        foreach (Match section in GetSectionKey().Matches(source))
        {
            _sections.Add(section.Groups[1].Value);
        }
        foreach (Match read in ConnectionStringRead().Matches(source))
        {
            _databases.Add(read.Groups["literal"].Success ? read.Groups["literal"].Value : LabServiceNames.Of(read.Groups["constant"].Value));
        }
        if (source.Contains("AddServiceDiscovery(", StringComparison.Ordinal))
        {
            _discoveredServices.UnionWith(LabServiceNames.Services);
        }
    }

    public static ConfigurationKeys Of(Project project) => new(project);

    public bool Reads(string variable)
    {
        var key = variable.Replace("__", ":", StringComparison.Ordinal);
        return _keys.Contains(key)
            || _sections.Any(section => key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase))
            || (key.Split(':') is ["ConnectionStrings", var database] && _databases.Contains(database))
            || (ServiceEndpoint().Match(key) is { Success: true } endpoint && _discoveredServices.Contains(endpoint.Groups[1].Value))
            || (_usesOpenTelemetry && OpenTelemetryVariables.Contains(variable))
            || (_isWeb && AspNetCoreVariables.Contains(variable))
            || variable.StartsWith("DOTNET_", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\b(?:class|record|struct)\s+\w+")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"const\s+string\s+Section\s*=\s*""([^""]+)""")]
    private static partial Regex OptionsSection();

    [GeneratedRegex(@"public\s+[\w<>?,\[\]. ]+?\s+(\w+)\s*\{\s*get;\s*(?:set|init);")]
    private static partial Regex SettableProperty();

    [GeneratedRegex(@"""([A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z0-9_]+)+)""")]
    private static partial Regex LiteralKey();

    [GeneratedRegex(@"[Cc]onfiguration\[\s*""([^""]+)""\s*\]")]
    private static partial Regex IndexerKey();

    [GeneratedRegex(@"GetValue<[^>]+>\(\s*""([^""]+)""")]
    private static partial Regex GetValueKey();

    [GeneratedRegex(@"GetSection\(\s*""([^""]+)""\s*\)")]
    private static partial Regex GetSectionKey();

    [GeneratedRegex(@"GetConnectionString\(\s*(?:""(?<literal>[^""]+)""|LabServices\.(?<constant>\w+))\s*\)")]
    private static partial Regex ConnectionStringRead();

    [GeneratedRegex(@"^services:([^:]+):https?:\d+$", RegexOptions.IgnoreCase)]
    private static partial Regex ServiceEndpoint();
}
