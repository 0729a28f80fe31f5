namespace Lab.Hosting;

/// <summary>Where Lab keeps its state on this machine when not told otherwise.</summary>
public static class LabDataFolder
{
    /// <summary>
    /// <c>/var/lib/{name}</c> for root (PostgreSQL runs as an unprivileged account, which cannot enter root's home), else
    /// <c>{name}</c> in the user's data folder (<c>XDG_DATA_HOME</c>, else <c>~/.local/share</c>).
    /// </summary>
    public static string Default(string name)
    {
        if (UnixUser.IsRoot)
        {
            return Path.Combine("/var/lib", name);
        }
        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        return Path.Combine(string.IsNullOrWhiteSpace(dataHome)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : dataHome, name);
    }
}
