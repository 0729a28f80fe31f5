using Npgsql;

namespace Lab.Clustering.Membership;

/// <summary>
/// The tables silo membership lives in, in the lab's own PostgreSQL database. Created at silo start, idempotently,
/// under a transaction-scoped advisory lock: replicas that start together take turns, and each finds what the
/// first one made.
/// </summary>
public static class MembershipSchema
{
    public const string Schema = "lab_cluster";

    /// <summary>An arbitrary, fixed advisory lock number for this schema's creation ("labclust" in ASCII).</summary>
    private const long LockKey = 0x6c6162636c757374;

    private const string Statements = $"""
        CREATE SCHEMA IF NOT EXISTS {Schema};

        -- One row per cluster: the membership table's version and the tag that guards it.
        CREATE TABLE IF NOT EXISTS {Schema}.membership_version (
            cluster_id  text    PRIMARY KEY,
            version     integer NOT NULL,
            etag        bigint  NOT NULL
        );

        -- One row per silo incarnation (address = ip:port@generation). What Orleans keeps about it is the entry;
        -- status, heartbeat and last update are columns for the statements that filter on them.
        CREATE TABLE IF NOT EXISTS {Schema}.silos (
            cluster_id   text        NOT NULL REFERENCES {Schema}.membership_version (cluster_id) ON DELETE CASCADE,
            address      text        NOT NULL,
            status       integer     NOT NULL,
            entry        jsonb       NOT NULL,
            i_am_alive   timestamptz NOT NULL,
            updated_at   timestamptz NOT NULL,
            etag         bigint      NOT NULL,
            PRIMARY KEY (cluster_id, address)
        );
        """;

    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var locking = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, transaction))
        {
            await locking.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var create = new NpgsqlCommand(Statements, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}
