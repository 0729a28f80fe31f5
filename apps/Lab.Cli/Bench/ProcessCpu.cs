using System.Globalization;

namespace Lab.Cli.Bench;

/// <summary>
/// Processor time of a process and its children, read from <c>/proc</c> (Linux): the process's own, its children's that
/// run now, and what its ended children used (as the kernel adds it to their parent). Null elsewhere.
/// </summary>
public static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ, 100 on every Linux architecture .NET runs on

    /// <summary>The processor time of process <paramref name="pid"/> and its children, or null when it cannot be read.</summary>
    public static TimeSpan? TreeOf(int pid)
    {
        if (!OperatingSystem.IsLinux() || Read(pid) is not { } root)
        {
            return null;
        }
        var ticks = root.Own + root.EndedChildren;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var child) && Read(child) is { } stat && stat.Parent == pid)
            {
                ticks += stat.Own;
            }
        }
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>The parent of process <paramref name="pid"/>, or null when it cannot be read.</summary>
    public static int? ParentOf(int pid) => OperatingSystem.IsLinux() ? Read(pid)?.Parent : null;

    private static (int Parent, long Own, long EndedChildren)? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name, in parentheses, may hold spaces: the fields are counted from the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
            return ((int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
