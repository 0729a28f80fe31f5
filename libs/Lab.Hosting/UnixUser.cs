using System.Runtime.InteropServices;

namespace Lab.Hosting;

/// <summary>
/// PostgreSQL refuses to run as root. When Lab runs as root, the server runs as an unprivileged account
/// (<c>postgres</c> when it exists, else <c>nobody</c>) that owns the server's folder.
/// </summary>
internal static partial class UnixUser
{
    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    public static bool IsRoot => !OperatingSystem.IsWindows() && GetEffectiveUserId() == 0;

    /// <summary>The account the server runs as, or null to run as the current user.</summary>
    public static string? ServerAccount()
    {
        if (!IsRoot)
        {
            return null;
        }
        var accounts = File.Exists("/etc/passwd")
            ? File.ReadLines("/etc/passwd").Select(line => line.Split(':')[0]).ToHashSet()
            : [];
        return accounts.Contains("postgres") ? "postgres" : "nobody";
    }

    /// <summary>The command line that runs <paramref name="program"/> as <paramref name="account"/> (or as is).</summary>
    public static (string FileName, List<string> Arguments) As(string? account, string program, IEnumerable<string> arguments)
    {
        if (account is null)
        {
            return (program, arguments.ToList());
        }
        return ("runuser", ["-u", account, "--", program, .. arguments]);
    }

    /// <summary>
    /// The command line that becomes <paramref name="program"/> running as <paramref name="account"/> (or as is):
    /// <c>setpriv</c> changes the user and then executes the program in its own place, so no process stands between
    /// whoever started it and the program, and a signal sent to the one started reaches the program itself.
    /// </summary>
    public static (string FileName, List<string> Arguments) ExecAs(string? account, string program, IEnumerable<string> arguments)
    {
        if (account is null)
        {
            return (program, arguments.ToList());
        }
        return ("setpriv", [$"--reuid={account}", $"--regid={account}", "--init-groups", "--", program, .. arguments]);
    }

    /// <summary>Fails early, with the reason, when the server account cannot reach a folder.</summary>
    public static void EnsureReachable(string? account, string folder)
    {
        if (account is null || OperatingSystem.IsWindows())
        {
            return;
        }
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(folder)); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            var mode = File.GetUnixFileMode(dir);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                throw new InvalidOperationException(
                    $"PostgreSQL runs as the user '{account}' because Lab runs as root, and that user cannot enter {dir}. " +
                    $"Choose a data folder outside it (--data-dir), for example under /var/lib/lab or /tmp.");
            }
        }
    }
}
