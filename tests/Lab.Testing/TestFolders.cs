namespace Lab.Testing;

/// <summary>Throwaway folders under /tmp/lab-tests that the unprivileged PostgreSQL account can enter.</summary>
public static class TestFolders
{
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), "lab-tests");

    private static readonly Lazy<bool> SweptOnce = new(SweepLeftovers);

    public static string Create(string purpose)
    {
        _ = SweptOnce.Value;
        var folder = Path.Combine(Root, $"{Short(purpose)}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..^16]);
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
            File.SetUnixFileMode(Root, open);
            File.SetUnixFileMode(folder, open);
        }
        return folder;
    }

    /// <summary>
    /// Removes folders left by test processes that are gone (a test host may be killed before it can
    /// clean up). A folder's name carries the id of the process that made it.
    /// </summary>
    private static bool SweepLeftovers()
    {
        if (!Directory.Exists(Root))
        {
            return true;
        }
        foreach (var folder in Directory.GetDirectories(Root))
        {
            var parts = Path.GetFileName(folder).Split('-');
            if (parts.Length >= 2 && int.TryParse(parts[1], out var pid) && !IsAlive(pid) &&
                !File.Exists(Path.Combine(folder, "postgres", "data", "postmaster.pid")))
            {
                TryDelete(folder);
            }
        }
        return true;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>A purpose made safe and short enough for folder and database names.</summary>
    public static string Short(string purpose) =>
        new string([.. purpose.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(20)]);

    public static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
