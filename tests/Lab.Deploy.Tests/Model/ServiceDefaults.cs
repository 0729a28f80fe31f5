using System.Text.RegularExpressions;

namespace Lab.Deploy.Tests.Model;

/// <summary>What libs/Lab.ServiceDefaults maps for every service that calls <c>MapDefaultEndpoints</c>.</summary>
public static partial class ServiceDefaults
{
    private static readonly Lazy<string> Source = new(() =>
        Repository.ReadText("libs", "Lab.ServiceDefaults", "ServiceDefaultsExtensions.cs"));

    /// <summary><c>/health</c>: every health check.</summary>
    public static string HealthPath => Constant("HealthPath");

    /// <summary><c>/alive</c>: the process only.</summary>
    public static string AlivePath => Constant("AlivePath");

    /// <summary>The project's own code maps the default endpoints (its XxxService.Build calls MapDefaultEndpoints).</summary>
    public static bool AreMappedBy(Project project) =>
        project.Source.Contains(".MapDefaultEndpoints()", StringComparison.Ordinal);

    private static string Constant(string name) =>
        PathConstant().Matches(Source.Value).FirstOrDefault(m => m.Groups[1].Value == name)?.Groups[2].Value
            ?? throw new InvalidOperationException($"ServiceDefaultsExtensions.cs no longer declares {name}.");

    [GeneratedRegex(@"const\s+string\s+(\w+)\s*=\s*""(/[^""]*)""")]
    private static partial Regex PathConstant();
}
