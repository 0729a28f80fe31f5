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
    private bool _stopped;

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
                await cluster.PgCtlAsync(["start", "-D", cluster.ClusterFolder, "-l", cluster.LogFile, "-w", "-t", "60",
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
    public Task CreateDatabaseAsync(string database, IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        PostgresCluster.EnsureDatabaseAsync(ConnectionStringFor(database), progress, cancellationToken);

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        NpgsqlConnection.ClearAllPools();
        await _cluster.PgCtlAsync(["stop", "-D", _cluster.ClusterFolder, "-m", "fast", "-w", "-t", "60"], "Stopping PostgreSQL", CancellationToken.None);
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
