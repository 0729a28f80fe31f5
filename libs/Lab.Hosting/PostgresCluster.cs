using System.Security.Cryptography;
using Npgsql;

namespace Lab.Hosting;

/// <summary>
/// Lab's own PostgreSQL cluster in <c>{lab data folder}/postgres</c>: made by <c>initdb</c> on first use, with a password
/// generated then and kept beside it (<c>postgres.secret</c>), owned by the account the server runs as (see
/// <see cref="UnixUser"/>). <see cref="EmbeddedPostgres"/> runs it with <c>pg_ctl</c> (<c>lab up</c>, the tests); the Aspire
/// AppHost runs <see cref="ServerCommand"/> as a resource of its own.
/// </summary>
public sealed class PostgresCluster
{
    public const string SuperUser = "lab";

    private PostgresCluster(PostgresBinaries binaries, string? account, string serverFolder, string password)
    {
        Binaries = binaries;
        Account = account;
        ServerFolder = serverFolder;
        Password = password;
    }

    public PostgresBinaries Binaries { get; }

    /// <summary>The account the server runs as, or null for the current user.</summary>
    public string? Account { get; }

    /// <summary>The folder that holds the cluster and its log; the server account owns it.</summary>
    public string ServerFolder { get; }

    public string Password { get; }

    public string ClusterFolder => Path.Combine(ServerFolder, "data");
    public string LogFile => Path.Combine(ServerFolder, "postgres.log");

    /// <summary>
    /// Finds the server programs, makes the cluster under <paramref name="dataFolder"/> if it is new (or half-made), and
    /// gives its folder to the server account. Throws <see cref="PostgresNotFoundException"/> without the programs.
    /// </summary>
    public static async Task<PostgresCluster> PrepareAsync(string dataFolder, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var binaries = PostgresBinaries.Find() ?? throw new PostgresNotFoundException(PostgresBinaries.NotFoundAdvice);
        var account = UnixUser.ServerAccount();
        var serverFolder = Path.Combine(Path.GetFullPath(dataFolder), "postgres");
        Directory.CreateDirectory(dataFolder);
        UnixUser.EnsureReachable(account, serverFolder);
        Directory.CreateDirectory(serverFolder);
        await GiveToAccountAsync(account, serverFolder, cancellationToken);
        var password = await InitialiseIfNewAsync(binaries, account, serverFolder, progress, cancellationToken);
        return new PostgresCluster(binaries, account, serverFolder, password);
    }

    public string ConnectionString(int port, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Database = database,
        Username = SuperUser,
        Password = Password,
    }.ConnectionString;

    /// <summary>
    /// The server in the foreground as the server account, for a supervisor that keeps it running and stops it with
    /// SIGTERM (Aspire's orchestrator: SIGTERM, then SIGKILL a few seconds later). PostgreSQL's own answer to SIGTERM
    /// waits for every client to disconnect, which a supervisor stopping the clients at the same moment does not wait
    /// for; so a small shell stands in front and turns SIGTERM (and SIGINT) into SIGINT, PostgreSQL's fast shutdown: the
    /// clients are disconnected, a checkpoint is written, and the server exits within a fraction of a second. It
    /// listens on 127.0.0.1 only, on the port in the <c>PGPORT</c> environment variable, and logs to standard error.
    /// </summary>
    public (string FileName, IReadOnlyList<string> Arguments) ServerCommand() =>
        UnixUser.ExecAs(Account, "sh",
            ["-c", FastShutdownOnTerm, "postgres", Binaries.Postgres,
             "-D", ClusterFolder, "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="]);

    /// <summary>Runs its arguments as a child; SIGTERM or SIGINT become SIGINT to it; exits with the child's status once it is gone.</summary>
    private const string FastShutdownOnTerm =
        """trap 'kill -INT $server 2>/dev/null' INT TERM; "$@" & server=$!; wait $server; status=$?; """ +
        """while kill -0 $server 2>/dev/null; do wait $server; status=$?; done; exit $status""";

    /// <summary>A server left running by a process that was killed holds the cluster: stop it first.</summary>
    public async Task StopLeftoverAsync(IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path.Combine(ClusterFolder, "postmaster.pid")))
        {
            return;
        }
        var (file, arguments) = UnixUser.As(Account, Binaries.PgCtl, ["status", "-D", ClusterFolder]);
        var status = await ProcessRunner.RunAsync(file, arguments, cancellationToken);
        if (status.ExitCode == 0)
        {
            progress?.Report("Stopping a PostgreSQL server left running by an earlier start");
            await PgCtlAsync(["stop", "-D", ClusterFolder, "-m", "fast", "-w", "-t", "60"], "Stopping the earlier PostgreSQL", cancellationToken);
        }
    }

    /// <summary>Runs <c>pg_ctl</c> as the server account; a failure throws with the end of the server's log.</summary>
    public async Task PgCtlAsync(IEnumerable<string> arguments, string what, CancellationToken cancellationToken)
    {
        var (file, list) = UnixUser.As(Account, Binaries.PgCtl, arguments);
        var result = await ProcessRunner.RunAsync(file, list, cancellationToken);
        if (!result.Succeeded)
        {
            var log = File.Exists(LogFile) ? string.Join(Environment.NewLine, File.ReadLines(LogFile).TakeLast(15)) : "";
            throw new InvalidOperationException($"{what} failed (exit code {result.ExitCode}): {result.Output}{Environment.NewLine}{log}");
        }
    }

    /// <summary>
    /// Creates the database that <paramref name="connectionString"/> names if it does not exist yet, connecting to the
    /// same server's <c>postgres</c> database to do so.
    /// </summary>
    public static async Task EnsureDatabaseAsync(string connectionString, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var database = target.Database ?? throw new ArgumentException("The connection string names no database.", nameof(connectionString));
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" }.ConnectionString);
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

    private static async Task GiveToAccountAsync(string? account, string path, CancellationToken cancellationToken)
    {
        if (account is not null)
        {
            await ProcessRunner.RunCheckedAsync("chown", ["-R", $"{account}:", path], $"Giving {path} to {account}", cancellationToken);
        }
    }
}

public sealed class PostgresNotFoundException(string message) : Exception(message);
