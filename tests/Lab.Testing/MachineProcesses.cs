using System.Text;

namespace Lab.Testing;

/// <summary>The processes of this machine as <c>/proc</c> shows them: what a lab left running, and what a run runs as.</summary>
public static class MachineProcesses
{
    public sealed record Found(int Pid, string CommandLine)
    {
        public string Program => Path.GetFileName(CommandLine.Split(' ')[0]);

        public override string ToString() => $"{Pid}: {CommandLine}";
    }

    /// <summary>
    /// The processes that belong to one folder: their command line or environment names it (PostgreSQL's <c>-D</c>,
    /// <c>LAB_DATA_DIR</c> and <c>Worker__CheckpointRoot</c> of the services, a training run's <c>--out</c>).
    /// </summary>
    public static IReadOnlyList<Found> Using(string folder) =>
        Matching((pid, commandLine) => commandLine.Contains(folder, StringComparison.Ordinal)
            || Read($"/proc/{pid}/environ").Contains(folder, StringComparison.Ordinal));

    /// <summary>Waits a little for the processes of <paramref name="folder"/> to end; returns those still there.</summary>
    public static async Task<IReadOnlyList<Found>> WaitUntilGoneAsync(string folder, TimeSpan timeout)
    {
        try
        {
            await Polling.UntilAsync(() => Task.FromResult(Using(folder).Count == 0), $"the processes of {folder} ended", timeout);
        }
        catch (TimeoutException)
        {
            // Those left are the answer.
        }
        return Using(folder);
    }

    /// <summary>The process that trains <paramref name="run"/> itself (not a wrapper around it): its command line names the run's folder.</summary>
    public static int TrainingProcessOf(Guid run)
    {
        var found = Matching((_, commandLine) => commandLine.Contains(" train ", StringComparison.Ordinal)
            && commandLine.Contains(run.ToString("D"), StringComparison.Ordinal)
            && !commandLine.Contains("setpriv", StringComparison.Ordinal) && !commandLine.Contains("prlimit", StringComparison.Ordinal));
        return found.Count > 0 ? found[0].Pid : throw new InvalidOperationException($"No training process of run {run} is running.");
    }

    /// <summary>The real user id a process runs as.</summary>
    public static long UserOf(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1],
            System.Globalization.CultureInfo.InvariantCulture);

    private static List<Found> Matching(Func<int, string, bool> match)
    {
        var found = new List<Found>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            var commandLine = Read(Path.Combine(dir, "cmdline"));
            if (commandLine.Length > 0 && match(pid, commandLine))
            {
                found.Add(new Found(pid, commandLine));
            }
        }
        return found;
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
