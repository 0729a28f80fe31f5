namespace Lab.Contracts;

/// <summary>
/// The one folder Lab keeps its state in on a machine (PostgreSQL's data, the first member's token, the
/// silos' cluster certificate, checkpoints), so that <c>lab up</c>, separately started services and the
/// worker agree on it without being told.
/// </summary>
public static class LabDataFolder
{
    public const string Variable = "LAB_DATA_DIR";

    /// <summary>
    /// <c>LAB_DATA_DIR</c>, else /var/lib/lab for root (PostgreSQL runs as an unprivileged user, who cannot enter
    /// root's home), else the user's data folder (<c>XDG_DATA_HOME</c> or ~/.local/share) plus <c>lab</c>.
    /// </summary>
    public static string Default()
    {
        var configured = Environment.GetEnvironmentVariable(Variable);
        return string.IsNullOrWhiteSpace(configured) ? UsualPlace("lab") : configured;
    }

    /// <summary>
    /// Where a data folder named <paramref name="name"/> goes when nobody chose one: under /var/lib for root, else in
    /// the user's data folder (the Aspire AppHost keeps its own, <c>lab-aspire</c>, beside <c>lab up</c>'s).
    /// </summary>
    public static string UsualPlace(string name)
    {
        if (Environment.UserName == "root")
        {
            return Path.Combine("/var/lib", name);
        }
        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        return Path.Combine(string.IsNullOrWhiteSpace(dataHome)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : dataHome, name);
    }
}
