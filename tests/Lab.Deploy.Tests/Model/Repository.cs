namespace Lab.Deploy.Tests.Model;

/// <summary>
/// The repository seen from the test's output folder. (Lab.Testing has the same finder, but referencing it
/// would build the hosting and contracts libraries for tests that only read files.)
/// </summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string ReadText(params string[] parts) => File.ReadAllText(PathOf(parts));

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
