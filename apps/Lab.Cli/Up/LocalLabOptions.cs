using Lab.Contracts;

namespace Lab.Cli.Up;

public sealed record LocalLabOptions(int Port, string DataDirectory, string? TokenFile, bool Verbose)
{
    /// <summary>Where Lab keeps its data when not told (see <see cref="LabDataFolder.Default"/>).</summary>
    public static string DefaultDataDirectory() => LabDataFolder.Default();
}
