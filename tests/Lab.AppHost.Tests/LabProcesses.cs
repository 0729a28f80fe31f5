using System.Text;

namespace Lab.AppHost.Tests;

/// <summary>
/// The processes of this machine that belong to one lab data folder: their command line or environment names it
/// (PostgreSQL's <c>-D</c>, <c>LAB_DATA_DIR</c> and <c>Worker__CheckpointRoot</c> of the services, a training run's <c>--out</c>).
/// </summary>
internal static class LabProcesses
{
    public sealed record Found(int Pid, string CommandLine)
    {
        public string Program => Path.GetFileName(CommandLine.Split(' ')[0]);

        public override string ToString() => $"{Pid}: {CommandLine}";
    }

    public static IReadOnlyList<Found> Using(string folder)
    {
        var found = new List<Found>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            var commandLine = Read(Path.Combine(dir, "cmdline"));
            if (commandLine.Contains(folder, StringComparison.Ordinal) || Read(Path.Combine(dir, "environ")).Contains(folder, StringComparison.Ordinal))
            {
                found.Add(new Found(pid, commandLine));
            }
        }
        return found;
    }

    /// <summary>Waits a little for the processes of <paramref name="folder"/> to end; returns those still there.</summary>
    public static async Task<IReadOnlyList<Found>> WaitUntilGoneAsync(string folder, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = Using(folder);
            if (left.Count == 0 || DateTime.UtcNow > deadline)
            {
                return left;
            }
            await Task.Delay(250);
        }
    }

    private static string Read(string path)
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes(path)).Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ""; // gone meanwhile, or not ours to read
        }
    }
}
