using System.Text.Json;
using Lab.Testing;

namespace Lab.Training.Tests;

/// <summary>
/// The API validates run configurations with the engine's own rules but never trains: it must not carry TorchSharp and
/// libtorch (about 478 MB) into its build, publish output or container image.
/// </summary>
public sealed class ApiDependencyTests
{
    [Fact]
    public void The_api_build_has_the_run_configuration_rules_but_not_torch()
    {
        var api = RepositoryPaths.Program("services", "Lab.Api");
        // deps.json lists every assembly and native library the API loads or publishes, transitive ones included.
        var depsFile = Path.ChangeExtension(api, ".deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllText(depsFile));
        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name.Split('/')[0]).ToList();

        Assert.Contains("Lab.Training.Configuration", libraries);
        Assert.DoesNotContain(libraries, l => l.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase) || l.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("Lab.Training", libraries);
    }
}
