using System.Globalization;

namespace Lab.Worker;

/// <summary>
/// Which process trains a run folder now. A worker killed outright (kill -9, out of memory) leaves its training process
/// running; when the run is placed again, the new placement ends that leftover first if it is on the same machine, so
/// two processes never train the same run into the same folder. (A leftover on a machine that went away went with it.)
/// </summary>
public static class RunFolderLock
{
    private const string FileName = "process";

    /// <summary>Kills the process that last trained in <paramref name="folder"/> if it still runs on this machine.</summary>
    public static void EndLeftover(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return;
        }
        var parts = File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }
        if (!TrainsIn(pid, folder))
        {
            return; // gone, or the number now belongs to an unrelated process
        }
        try
        {
            using var leftover = System.Diagnostics.Process.GetProcessById(pid);
            leftover.Kill(entireProcessTree: true);
            leftover.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It ended meanwhile.
        }
    }

    public static void Claim(string folder, int pid) =>
        File.WriteAllText(Path.Combine(folder, FileName), $"{Environment.MachineName}\n{pid.ToString(CultureInfo.InvariantCulture)}\n");

    /// <summary>Whether process <paramref name="pid"/> is a training process writing into <paramref name="folder"/> (its command line says so).</summary>
    private static bool TrainsIn(int pid, string folder)
    {
        try
        {
            var arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return arguments.Contains("train") && arguments.Contains(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
