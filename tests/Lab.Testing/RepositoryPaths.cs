using System.Reflection;

namespace Lab.Testing;

/// <summary>Where the repository and the built <c>lab</c> command are, seen from a test's output folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The lab command built in the same configuration as the tests (the test projects reference it so it is built first).</summary>
    public static string LabCli
    {
        get
        {
            var configuration = typeof(RepositoryPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var path = Path.Combine(Root, "apps", "Lab.Cli", "bin", configuration, "net10.0", "lab.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"The lab command is not built at {path}.", path);
        }
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
