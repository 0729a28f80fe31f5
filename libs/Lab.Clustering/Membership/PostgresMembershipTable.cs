using System.Data;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Lab.Clustering.Membership;

/// <summary>
/// Orleans' membership table kept in PostgreSQL, Lab's only stateful dependency. Every write checks the table
/// version's tag (and, for updates, the row's tag) inside one transaction, so of two silos that read the same
/// version only the first write succeeds and the other re-reads: the guarantee Orleans' membership protocol is
/// built on.
/// </summary>
public sealed class PostgresMembershipTable(string connectionString, IOptions<ClusterOptions> cluster) : IMembershipTable, IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(
        // A silo writes a heartbeat every few seconds and membership changes are rare: a small pool of its own.
        new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "lab-cluster-membership", MaxPoolSize = 4 });

    private string ClusterId => cluster.Value.ClusterId;

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        await MembershipSchema.EnsureAsync(_dataSource);
        if (tryInitTableVersion)
        {
            await using var command = _dataSource.CreateCommand(
                $"INSERT INTO {MembershipSchema.Schema}.membership_version (cluster_id, version, etag) VALUES ($1, 0, 0) ON CONFLICT DO NOTHING");
            command.Parameters.Add(new NpgsqlParameter { Value = ClusterId });
            await command.ExecuteNonQueryAsync();
        }
    }

    public async Task DeleteMembershipTableEntries(string clusterId)
    {
        // The silos' rows go with their version row (ON DELETE CASCADE).
        await using var command = _dataSource.CreateCommand($"DELETE FROM {MembershipSchema.Schema}.membership_version WHERE cluster_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = clusterId });
        await command.ExecuteNonQueryAsync();
    }

    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        await using var command = _dataSource.CreateCommand(
            $"DELETE FROM {MembershipSchema.Schema}.silos WHERE cluster_id = $1 AND status = $2 AND updated_at < $3");
        command.Parameters.Add(new NpgsqlParameter { Value = ClusterId });
        command.Parameters.Add(new NpgsqlParameter { Value = (int)SiloStatus.Dead });
        command.Parameters.Add(new NpgsqlParameter { Value = beforeDate.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync();
    }

    public Task<MembershipTableData> ReadAll() => ReadAsync(silo: null);

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadAsync(key);

    public async Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (!await AdvanceVersionAsync(connection, transaction, tableVersion))
        {
            return false;
        }
        await using var insert = new NpgsqlCommand(
            $"""
            INSERT INTO {MembershipSchema.Schema}.silos (cluster_id, address, status, entry, i_am_alive, updated_at, etag)
            VALUES ($1, $2, $3, $4, $5, $6, 0)
            ON CONFLICT DO NOTHING
            """, connection, transaction);
        AddRowParameters(insert, entry);
        if (await insert.ExecuteNonQueryAsync() != 1)
        {
            return false;
        }
        await transaction.CommitAsync();
        return true;
    }

    public async Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion)
    {
        if (!long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var rowTag))
        {
            return false;
        }
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (!await AdvanceVersionAsync(connection, transaction, tableVersion))
        {
            return false;
        }
        await using var update = new NpgsqlCommand(
            $"""
            UPDATE {MembershipSchema.Schema}.silos
            SET status = $3, entry = $4, i_am_alive = $5, updated_at = $6, etag = etag + 1
            WHERE cluster_id = $1 AND address = $2 AND etag = $7
            """, connection, transaction);
        AddRowParameters(update, entry);
        update.Parameters.Add(new NpgsqlParameter { Value = rowTag });
        if (await update.ExecuteNonQueryAsync() != 1)
        {
            return false;
        }
        await transaction.CommitAsync();
        return true;
    }

    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        // A heartbeat changes neither the row's tag nor the table's version: it is not a membership change.
        await using var command = _dataSource.CreateCommand(
            $"""
            UPDATE {MembershipSchema.Schema}.silos SET i_am_alive = $3, updated_at = greatest(updated_at, $3)
            WHERE cluster_id = $1 AND address = $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ClusterId });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.SiloAddress.ToParsableString() });
        command.Parameters.Add(new NpgsqlParameter { Value = Utc(entry.IAmAliveTime), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Moves the table to <paramref name="next"/>'s version if nobody has written since the caller read it (its tag is
    /// unchanged). The row lock this takes makes concurrent writers of the cluster's membership wait for each other.
    /// </summary>
    private async Task<bool> AdvanceVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TableVersion next)
    {
        if (!long.TryParse(next.VersionEtag, NumberStyles.None, CultureInfo.InvariantCulture, out var expectedTag))
        {
            return false;
        }
        await using var command = new NpgsqlCommand(
            $"UPDATE {MembershipSchema.Schema}.membership_version SET version = $2, etag = etag + 1 WHERE cluster_id = $1 AND etag = $3",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = ClusterId });
        command.Parameters.Add(new NpgsqlParameter { Value = next.Version });
        command.Parameters.Add(new NpgsqlParameter { Value = expectedTag });
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>The version and the rows (all, or one silo's) in one statement, so they are read atomically.</summary>
    private async Task<MembershipTableData> ReadAsync(SiloAddress? silo)
    {
        await using var command = _dataSource.CreateCommand(
            $"""
            SELECT v.version, v.etag, s.entry, s.i_am_alive, s.etag
            FROM {MembershipSchema.Schema}.membership_version v
            LEFT JOIN {MembershipSchema.Schema}.silos s ON s.cluster_id = v.cluster_id AND ($2::text IS NULL OR s.address = $2)
            WHERE v.cluster_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ClusterId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)silo?.ToParsableString() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess);
        TableVersion? version = null;
        var rows = new List<Tuple<MembershipEntry, string>>();
        while (await reader.ReadAsync())
        {
            version ??= new TableVersion(reader.GetInt32(0), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture));
            if (await reader.IsDBNullAsync(2))
            {
                continue;
            }
            var stored = JsonSerializer.Deserialize<StoredEntry>(reader.GetString(2), Json)
                ?? throw new InvalidDataException("A silo's membership entry is empty.");
            var entry = stored.ToEntry(reader.GetDateTime(3));
            rows.Add(Tuple.Create(entry, reader.GetInt64(4).ToString(CultureInfo.InvariantCulture)));
        }
        // No version row yet (the table was never initialised for this cluster): an empty table at version 0.
        return new MembershipTableData(rows, version ?? new TableVersion(0, "0"));
    }

    private void AddRowParameters(NpgsqlCommand command, MembershipEntry entry)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = ClusterId });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.SiloAddress.ToParsableString() });
        command.Parameters.Add(new NpgsqlParameter { Value = (int)entry.Status });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(StoredEntry.From(entry), Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = Utc(entry.IAmAliveTime), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = LastUpdate(entry), NpgsqlDbType = NpgsqlDbType.TimestampTz });
    }

    /// <summary>The entry's heartbeat or the latest vote against it, whichever is later: how stale a dead entry is.</summary>
    private static DateTime LastUpdate(MembershipEntry entry)
    {
        var last = Utc(entry.IAmAliveTime);
        foreach (var (_, votedAt) in entry.SuspectTimes ?? [])
        {
            last = Utc(votedAt) > last ? Utc(votedAt) : last;
        }
        return last;
    }

    private static DateTime Utc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };

    /// <summary>What is kept of a <see cref="MembershipEntry"/> besides its heartbeat, which has a column of its own.</summary>
    private sealed record StoredEntry(
        string Silo,
        SiloStatus Status,
        List<StoredSuspicion> Suspicions,
        int ProxyPort,
        string HostName,
        string SiloName,
        string RoleName,
        int UpdateZone,
        int FaultZone,
        DateTime StartTime)
    {
        public static StoredEntry From(MembershipEntry entry) => new(
            entry.SiloAddress.ToParsableString(),
            entry.Status,
            (entry.SuspectTimes ?? []).Select(s => new StoredSuspicion(s.Item1.ToParsableString(), Utc(s.Item2))).ToList(),
            entry.ProxyPort,
            entry.HostName ?? "",
            entry.SiloName ?? "",
            entry.RoleName ?? "",
            entry.UpdateZone,
            entry.FaultZone,
            Utc(entry.StartTime));

        public MembershipEntry ToEntry(DateTime iAmAlive) => new()
        {
            SiloAddress = SiloAddress.FromParsableString(Silo),
            Status = Status,
            SuspectTimes = Suspicions.Select(s => Tuple.Create(SiloAddress.FromParsableString(s.Silo), Utc(s.At))).ToList(),
            ProxyPort = ProxyPort,
            HostName = HostName,
            SiloName = SiloName,
            RoleName = RoleName,
            UpdateZone = UpdateZone,
            FaultZone = FaultZone,
            StartTime = Utc(StartTime),
            IAmAliveTime = Utc(iAmAlive),
        };
    }

    private sealed record StoredSuspicion(string Silo, DateTime At);
}
