using System.Globalization;

namespace Lab.Training;

/// <summary>
/// How much memory this machine offers a training process: its physical memory, or the memory limit of the process'
/// control group when that is lower (a container, a systemd slice). Version 2 (<c>memory.max</c>) and version 1
/// (<c>memory.limit_in_bytes</c>) hierarchies are read, each limit from the process' own group up to the root, because a
/// parent's limit binds its children too.
/// </summary>
public static class MachineMemory
{
    /// <summary>cgroup v1 writes "no limit" as the largest page-aligned 64-bit number; anything this large means none.</summary>
    private const long NoLimit = long.MaxValue / 2;

    /// <summary>The memory this process may use in bytes; where there is no /proc (not Linux), what the .NET runtime sees.</summary>
    public static long Total() => Total("/proc", "/sys/fs/cgroup") ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>The same read from other roots (for tests), <paramref name="proc"/> as /proc and <paramref name="cgroup"/> as /sys/fs/cgroup; null when neither says.</summary>
    public static long? Total(string proc, string cgroup)
    {
        long? total = ReadMemTotal(Path.Combine(proc, "meminfo"));
        foreach (var limit in CgroupLimits(Path.Combine(proc, "self", "cgroup"), cgroup))
        {
            total = total is { } known ? Math.Min(known, limit) : limit;
        }
        return total;
    }

    private static long? ReadMemTotal(string meminfo)
    {
        var line = ReadLines(meminfo).FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is [_, var kib, "kB"] && long.TryParse(kib, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value * 1024 : null;
    }

    /// <summary>Every memory limit that applies to the process: its group's and its ancestors', in both hierarchies.</summary>
    private static IEnumerable<long> CgroupLimits(string membership, string root)
    {
        foreach (var line in ReadLines(membership))
        {
            // "0::/path" is the unified (v2) hierarchy; "4:memory:/path" the v1 memory controller.
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }
            var (folder, file) = parts[1] switch
            {
                "" => (root, "memory.max"),
                var controllers when controllers.Split(',').Contains("memory") => (Path.Combine(root, "memory"), "memory.limit_in_bytes"),
                _ => (null, null),
            };
            if (folder is null || file is null)
            {
                continue;
            }
            // Inside a container the group's path may not exist under the mounted root (which is the group itself): the
            // root's own file then holds the limit.
            var group = parts[2].Trim('/');
            for (var path = group; ; path = Path.GetDirectoryName(path) ?? "")
            {
                if (ReadLimit(Path.Combine(folder, path, file)) is { } limit)
                {
                    yield return limit;
                }
                if (path.Length == 0)
                {
                    break;
                }
            }
        }
    }

    private static long? ReadLimit(string file)
    {
        var text = ReadLines(file).FirstOrDefault()?.Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value < NoLimit ? value : null;
    }

    private static IEnumerable<string> ReadLines(string file)
    {
        try
        {
            return File.Exists(file) ? File.ReadAllLines(file) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
