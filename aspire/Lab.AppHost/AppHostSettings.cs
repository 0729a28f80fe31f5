using Lab.Contracts;

namespace Lab.AppHost;

/// <summary>How Lab's PostgreSQL is provided under Aspire (<c>Lab:Postgres</c>).</summary>
public enum PostgresMode
{
    /// <summary>External when <c>ConnectionStrings:lab</c> is given, else a container when a container runtime answers, else local.</summary>
    Automatic,

    /// <summary>Aspire's PostgreSQL container, its data in a volume.</summary>
    Container,

    /// <summary>The machine's own server programs, run as an executable resource, the data in the AppHost's data folder.</summary>
    Local,

    /// <summary>The database that <c>ConnectionStrings:lab</c> names.</summary>
    External,
}

/// <summary>
/// The AppHost's own settings, from its configuration (command line, environment as <c>Lab__GatewayPort</c>, user secrets):
/// <c>Lab:Postgres</c>, <c>Lab:GatewayPort</c> and <c>Lab:DataDir</c>.
/// </summary>
public sealed record AppHostSettings(PostgresMode Postgres, int GatewayPort, string DataDir)
{
    public const int DefaultGatewayPort = 8080;

    /// <summary>The data folder's name when <c>Lab:DataDir</c> is not set: beside <c>lab up</c>'s, never shared with it.</summary>
    public const string DefaultDataFolderName = "lab-aspire";

    public static AppHostSettings From(IConfiguration configuration)
    {
        var mode = configuration["Lab:Postgres"] is { Length: > 0 } named
            ? Enum.TryParse<PostgresMode>(named, ignoreCase: true, out var parsed) && parsed != PostgresMode.Automatic
                ? parsed
                : throw new InvalidOperationException($"Lab:Postgres is '{named}'; it must be container, local or external (or unset to choose automatically).")
            : PostgresMode.Automatic;
        var port = configuration.GetValue<int?>("Lab:GatewayPort") ?? DefaultGatewayPort;
        var dataDir = configuration["Lab:DataDir"] is { Length: > 0 } configured ? configured : LabDataFolder.UsualPlace(DefaultDataFolderName);
        return new AppHostSettings(mode, port, Path.GetFullPath(dataDir));
    }
}
