using System.Security.Cryptography;
using Lab.Contracts;
using Npgsql;

namespace Lab.Hosting;

/// <summary>
/// A PostgreSQL server of Lab's own, run from the machine's server programs in a data folder Lab owns.
/// The folder is created on first start and reused afterwards; the server listens only on 127.0.0.1,
/// on a free port, with a password generated at creation and kept in the data folder.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private readonly PostgresBinaries _binaries;
    private readonly string? _account;
    private readonly string _serverFolder;
    private bool _stopped;

    private EmbeddedPostgres(PostgresBinaries binaries, string? account, string serverFolder, int port, string password)
    {
        _binaries = binaries;
        _account = account;
        _serverFolder = serverFolder;
        Port = port;
        Password = password;
    }

    public const string SuperUser = "lab";

    public int Port { get; }
    public string Password { get; }
    private string ClusterFolder => Path.Combine(_serverFolder, "data");
    private string LogFile => Path.Combine(_serverFolder, "postgres.log");

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = SuperUser,
        Password = Password,
    }.ConnectionString;

    /// <summary>The connection string of Lab's own database.</summary>
    public string ConnectionString => ConnectionStringFor(LabServices.Database);

    /// <summary>
    /// Starts (creating on first use) the server whose files live under <paramref name="dataFolder"/>/postgres,
    /// and makes sure Lab's database exists. Progress goes to <paramref name="progress"/>, a line per step.
    /// </summary>
    public static async Task<EmbeddedPostgres> StartAsync(string dataFolder, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var binaries = PostgresBinaries.Find() ?? throw new PostgresNotFoundException(PostgresBinaries.NotFoundAdvice);
        var account = UnixUser.ServerAccount();
        var serverFolder = Path.Combine(Path.GetFullPath(dataFolder), "postgres");
        UnixUser.EnsureReachable(account, serverFolder);
        Directory.CreateDirectory(serverFolder);
        await GiveToAccountAsync(account, serverFolder, cancellationToken);

        var password = await InitialiseIfNewAsync(binaries, account, serverFolder, progress, cancellationToken);
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var server = new EmbeddedPostgres(binaries, account, serverFolder, FreePort.Next(), password);
            try
            {
                await server.StopLeftoverAsync(progress, cancellationToken);
                progress?.Report($"Starting PostgreSQL on 127.0.0.1:{server.Port}");
                await server.PgCtlAsync(["start", "-D", server.ClusterFolder, "-l", server.LogFile, "-w", "-t", "60",
                    "-o", $"-p {server.Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"], "Starting PostgreSQL", cancellationToken);
                await server.CreateDatabaseAsync(LabServices.Database, progress, cancellationToken);
                return server;
            }
            catch (InvalidOperationException) when (attempt < attempts)
            {
                // Another process may have taken the port between choosing and binding it: try another.
                progress?.Report("PostgreSQL did not start; trying another port");
            }
        }
    }

    /// <summary>Creates a database if it does not exist yet (tests use one database per fixture).</summary>
    public async Task CreateDatabaseAsync(string database, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return;
        }
        progress?.Report($"Creating database {database}");
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        NpgsqlConnection.ClearAllPools();
        await PgCtlAsync(["stop", "-D", ClusterFolder, "-m", "fast", "-w", "-t", "60"], "Stopping PostgreSQL", CancellationToken.None);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static async Task<string> InitialiseIfNewAsync(PostgresBinaries binaries, string? account, string serverFolder, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var clusterFolder = Path.Combine(serverFolder, "data");
        var secretFile = Path.Combine(Path.GetDirectoryName(serverFolder)!, "postgres.secret");
        if (File.Exists(Path.Combine(clusterFolder, "PG_VERSION")) && File.Exists(secretFile))
        {
            return (await File.ReadAllTextAsync(secretFile, cancellationToken)).Trim();
        }

        progress?.Report($"Creating a PostgreSQL data folder in {clusterFolder} (first start only)");
        if (Directory.Exists(clusterFolder))
        {
            Directory.Delete(clusterFolder, recursive: true); // a half-made folder from an interrupted first start
        }
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var passwordFile = Path.Combine(serverFolder, "initdb.pw");
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken);
        try
        {
            await GiveToAccountAsync(account, passwordFile, cancellationToken);
            var (file, arguments) = UnixUser.As(account, binaries.InitDb,
                ["-D", clusterFolder, "-U", SuperUser, "--pwfile", passwordFile, "-A", "scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"]);
            var result = await ProcessRunner.RunAsync(file, arguments, cancellationToken);
            if (!result.Succeeded)
            {
                if (Directory.Exists(clusterFolder))
                {
                    Directory.Delete(clusterFolder, recursive: true);
                }
                throw new InvalidOperationException($"initdb failed (exit code {result.ExitCode}): {result.Output}");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
        // Written last: a data folder without its secret is treated as unfinished and made again.
        var temporary = secretFile + ".tmp";
        await File.WriteAllTextAsync(temporary, password, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temporary, secretFile, overwrite: true);
        return password;
    }

    /// <summary>A server left running by a process that was killed holds the data folder: stop it first.</summary>
    private async Task StopLeftoverAsync(IProgress<string>? progress, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(ClusterFolder, "postmaster.pid")))
        {
            return;
        }
        var (file, arguments) = UnixUser.As(_account, _binaries.PgCtl, ["status", "-D", ClusterFolder]);
        var status = await ProcessRunner.RunAsync(file, arguments, cancellationToken);
        if (status.ExitCode == 0)
        {
            progress?.Report("Stopping a PostgreSQL server left running by an earlier start");
            await PgCtlAsync(["stop", "-D", ClusterFolder, "-m", "fast", "-w", "-t", "60"], "Stopping the earlier PostgreSQL", cancellationToken);
        }
    }

    private async Task PgCtlAsync(IEnumerable<string> arguments, string what, CancellationToken cancellationToken)
    {
        var (file, list) = UnixUser.As(_account, _binaries.PgCtl, arguments);
        var result = await ProcessRunner.RunAsync(file, list, cancellationToken);
        if (!result.Succeeded)
        {
            var log = File.Exists(LogFile) ? string.Join(Environment.NewLine, File.ReadLines(LogFile).TakeLast(15)) : "";
            throw new InvalidOperationException($"{what} failed (exit code {result.ExitCode}): {result.Output}{Environment.NewLine}{log}");
        }
    }

    private static async Task GiveToAccountAsync(string? account, string path, CancellationToken cancellationToken)
    {
        if (account is not null)
        {
            await ProcessRunner.RunCheckedAsync("chown", ["-R", $"{account}:", path], $"Giving {path} to {account}", cancellationToken);
        }
    }
}

public sealed class PostgresNotFoundException(string message) : Exception(message);
