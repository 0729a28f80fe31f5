using System.Reflection;

namespace Lab.Testing;

/// <summary>Where the repository and the built programs (<c>lab</c>, the services) are, seen from a test's output folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The lab command built in the same configuration as the tests (the test projects reference it so it is built first).</summary>
    public static string LabCli => Program("apps", "Lab.Cli", "lab");

    /// <summary>The worker's program (<c>Lab.Worker.dll</c>), built in the same configuration as the tests.</summary>
    public static string Worker => Program("services", "Lab.Worker");

    /// <summary>The built assembly of <c>{folder}/{project}</c> in the tests' own configuration, e.g. <c>services/Lab.Api/bin/Debug/net10.0/Lab.Api.dll</c>.</summary>
    public static string Program(string folder, string project, string? assembly = null)
    {
        var configuration = typeof(RepositoryPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var path = Path.Combine(Root, folder, project, "bin", configuration, "net10.0", (assembly ?? project) + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built at {path}.", path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lab.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("Lab.sln was not found above " + AppContext.BaseDirectory);
    }
}
