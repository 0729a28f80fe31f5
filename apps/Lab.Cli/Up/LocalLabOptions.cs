namespace Lab.Cli.Up;

public sealed record LocalLabOptions(int Port, string DataDirectory, string? TokenFile, bool Verbose)
{
    public const string DataDirectoryVariable = "LAB_DATA_DIR";

    /// <summary>
    /// Where Lab keeps its data when not told: <c>LAB_DATA_DIR</c>, else /var/lib/lab for root (PostgreSQL runs
    /// as an unprivileged user, who cannot enter root's home), else the user's data folder.
    /// </summary>
    public static string DefaultDataDirectory()
    {
        var configured = Environment.GetEnvironmentVariable(DataDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        if (Environment.UserName == "root")
        {
            return "/var/lib/lab";
        }
        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        return Path.Combine(string.IsNullOrWhiteSpace(dataHome)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : dataHome, "lab");
    }
}
