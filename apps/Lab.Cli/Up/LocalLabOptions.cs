using Lab.Contracts;

namespace Lab.Cli.Up;

public sealed record LocalLabOptions(int Port, string DataDirectory, string? TokenFile, bool Verbose)
{
    /// <summary>
    /// Worker nodes that offer this machine's devices to the pool, all in this process and sharing one checkpoint folder:
    /// one for <c>lab up</c>; more let one machine show what a pool of several nodes does (sharing, preemption, resuming
    /// on another node). The first is named as <c>Worker:NodeName</c> says (the machine's name when unset), the others
    /// after it with <c>-2</c>, <c>-3</c>...
    /// </summary>
    public int Workers { get; init; } = 1;

    /// <summary>Settings on top of the ones <c>lab up</c> gives every service (for example the pool's timing).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Where Lab keeps its data when not told (see <see cref="LabDataFolder.Default"/>).</summary>
    public static string DefaultDataDirectory() => LabDataFolder.Default();
}
