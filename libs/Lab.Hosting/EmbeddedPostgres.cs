using Lab.Contracts;
using Npgsql;

namespace Lab.Hosting;

/// <summary>
/// A PostgreSQL server of Lab's own, run with <c>pg_ctl</c> from the machine's server programs in a data folder Lab owns
/// (see <see cref="PostgresCluster"/>). The folder is created on first start and reused afterwards; the server listens
/// only on 127.0.0.1, on a free port, with a password generated at creation and kept in the data folder.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private readonly PostgresCluster _cluster;
    private readonly CancellationTokenSource _stopping = new();
    private Task _supervision = Task.CompletedTask;
    private bool _stopped;

    /// <summary>How often a supervised server is checked, and how long a failed restart waits before the next try.</summary>
    public static readonly TimeSpan SupervisionInterval = TimeSpan.FromSeconds(2);

    private EmbeddedPostgres(PostgresCluster cluster, int port)
    {
        _cluster = cluster;
        Port = port;
    }

    public const string SuperUser = PostgresCluster.SuperUser;

    public int Port { get; }
    public string Password => _cluster.Password;

    public string ConnectionStringFor(string database) => _cluster.ConnectionString(Port, database);

    /// <summary>The connection string of Lab's own database.</summary>
    public string ConnectionString => ConnectionStringFor(LabServices.Database);

    /// <summary>
    /// Starts (creating on first use) the server whose files live under <paramref name="dataFolder"/>/postgres,
    /// and makes sure Lab's database exists. Progress goes to <paramref name="progress"/>, a line per step.
    /// </summary>
    public static async Task<EmbeddedPostgres> StartAsync(string dataFolder, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var cluster = await PostgresCluster.PrepareAsync(dataFolder, progress, cancellationToken);
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var server = new EmbeddedPostgres(cluster, FreePort.Next());
            try
            {
                await cluster.StopLeftoverAsync(progress, cancellationToken);
                progress?.Report($"Starting PostgreSQL on 127.0.0.1:{server.Port}");
                await server.StartServerAsync(cancellationToken);
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

    /// <summary>
    /// Keeps the server running until it is stopped: checked every <see cref="SupervisionInterval"/>, and started again
    /// on the same port when it is found gone (killed, crashed). The services' connection pools reconnect by
    /// themselves; what was acknowledged before is in the server's write-ahead log. Each restart is reported.
    /// </summary>
    public void Supervise(IProgress<string> report)
    {
        var stopping = _stopping.Token;
        _supervision = Task.Run(async () =>
        {
            var restarts = 0;
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(SupervisionInterval, stopping);
                    if (await IsRunningAsync(stopping))
                    {
                        continue;
                    }
                    report.Report($"PostgreSQL stopped unexpectedly; starting it again on 127.0.0.1:{Port} (restart {++restarts})");
                    await _cluster.StopLeftoverAsync(null, stopping);
                    await StartServerAsync(stopping);
                    report.Report("PostgreSQL is running again");
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // Not yet (its old processes may still be leaving): the next check tries again.
                    report.Report($"PostgreSQL could not be started again yet: {e.Message.Split(Environment.NewLine)[0]}");
                }
            }
        }, CancellationToken.None);
    }

    private async Task<bool> IsRunningAsync(CancellationToken cancellationToken)
    {
        var (file, arguments) = UnixUser.As(_cluster.Account, _cluster.Binaries.PgCtl, ["status", "-D", _cluster.ClusterFolder]);
        return (await ProcessRunner.RunAsync(file, arguments, cancellationToken)).ExitCode == 0;
    }

    private Task StartServerAsync(CancellationToken cancellationToken) =>
        _cluster.PgCtlAsync(["start", "-D", _cluster.ClusterFolder, "-l", _cluster.LogFile, "-w", "-t", "60",
            "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"], "Starting PostgreSQL", cancellationToken);

    /// <summary>Creates a database if it does not exist yet (tests use one database per fixture).</summary>
    public Task CreateDatabaseAsync(string database, IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        PostgresCluster.EnsureDatabaseAsync(ConnectionStringFor(database), progress, cancellationToken);

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        await _stopping.CancelAsync();
        await _supervision;
        NpgsqlConnection.ClearAllPools();
        await _cluster.PgCtlAsync(["stop", "-D", _cluster.ClusterFolder, "-m", "fast", "-w", "-t", "60"], "Stopping PostgreSQL", CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }
}
