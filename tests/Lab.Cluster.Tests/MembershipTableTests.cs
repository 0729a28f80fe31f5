using System.Net;
using Lab.Clustering.Membership;
using Lab.Testing;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Lab.Cluster.Tests;

/// <summary>The membership table on a real PostgreSQL: the guarantees Orleans' membership protocol relies on.</summary>
public sealed class MembershipTableTests
{
    [Fact]
    public async Task Many_silos_creating_the_schema_at_once_all_succeed_and_share_one_table()
    {
        var database = await TestPostgres.CreateDatabaseAsync("membership");
        var tables = Enumerable.Range(0, 8).Select(_ => Table(database)).ToList();

        await Task.WhenAll(tables.Select(t => t.InitializeMembershipTable(tryInitTableVersion: true)));

        var data = await tables[0].ReadAll();
        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
        await DisposeAllAsync(tables);
    }

    [Fact]
    public async Task Of_two_silos_writing_from_the_same_version_exactly_one_succeeds()
    {
        await using var table = await FreshTableAsync();
        var read = await table.ReadAll();

        var results = await Task.WhenAll(
            table.InsertRow(Entry(1), read.Version.Next()),
            table.InsertRow(Entry(2), read.Version.Next()));

        Assert.Single(results, won => won);
        var after = await table.ReadAll();
        Assert.Single(after.Members);
        Assert.Equal(read.Version.Version + 1, after.Version.Version);
        Assert.NotEqual(read.Version.VersionEtag, after.Version.VersionEtag);
    }

    [Fact]
    public async Task A_write_from_a_version_that_someone_else_moved_on_changes_nothing()
    {
        await using var table = await FreshTableAsync();
        var read = await table.ReadAll();
        Assert.True(await table.InsertRow(Entry(1), read.Version.Next()));

        Assert.False(await table.InsertRow(Entry(2), read.Version.Next()));

        var after = await table.ReadAll();
        Assert.Equal([Entry(1).SiloAddress], after.Members.Select(m => m.Item1.SiloAddress));
    }

    [Fact]
    public async Task An_update_with_a_stale_row_tag_changes_nothing_and_a_fresh_one_keeps_every_field()
    {
        await using var table = await FreshTableAsync();
        var first = Entry(1);
        Assert.True(await table.InsertRow(first, (await table.ReadAll()).Version.Next()));
        var (stored, rowTag) = (await table.ReadRow(first.SiloAddress)).Members.Single();

        var suspected = Entry(1);
        suspected.Status = SiloStatus.Dead;
        suspected.SuspectTimes = [Tuple.Create(Entry(2).SiloAddress, new DateTime(2026, 11, 27, 8, 0, 0, DateTimeKind.Utc))];
        var version = (await table.ReadAll()).Version;
        var staleTag = (long.Parse(rowTag, System.Globalization.CultureInfo.InvariantCulture) + 7).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(await table.UpdateRow(suspected, staleTag, version.Next()));
        Assert.True(await table.UpdateRow(suspected, rowTag, version.Next()));

        var (updated, newTag) = (await table.ReadRow(first.SiloAddress)).Members.Single();
        Assert.NotEqual(rowTag, newTag);
        Assert.Equal(SiloStatus.Dead, updated.Status);
        Assert.Equal(suspected.SuspectTimes, updated.SuspectTimes);
        Assert.Equal((stored.HostName, stored.SiloName, stored.ProxyPort, stored.StartTime), (updated.HostName, updated.SiloName, updated.ProxyPort, updated.StartTime));
        Assert.Equal(("lab-host", "silo-1", 0, first.StartTime), (stored.HostName, stored.SiloName, stored.ProxyPort, stored.StartTime));
    }

    [Fact]
    public async Task A_heartbeat_moves_only_the_heartbeat()
    {
        await using var table = await FreshTableAsync();
        var entry = Entry(1);
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var before = await table.ReadAll();

        entry.IAmAliveTime = entry.IAmAliveTime.AddMinutes(1);
        await table.UpdateIAmAlive(entry);

        var after = await table.ReadAll();
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Members[0].Item2, after.Members[0].Item2);
        Assert.Equal(entry.IAmAliveTime, after.Members[0].Item1.IAmAliveTime);
    }

    [Fact]
    public async Task Cleanup_removes_only_dead_entries_older_than_the_date()
    {
        await using var table = await FreshTableAsync();
        var longDead = Entry(1, aliveAt: new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), SiloStatus.Dead);
        var recentlyDead = Entry(2, aliveAt: new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), SiloStatus.Dead);
        var oldButActive = Entry(3, aliveAt: new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), SiloStatus.Active);
        foreach (var entry in new[] { longDead, recentlyDead, oldButActive })
        {
            Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        }

        await table.CleanupDefunctSiloEntries(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));

        var left = (await table.ReadAll()).Members.Select(m => m.Item1.SiloAddress).ToHashSet();
        Assert.Equal(new HashSet<SiloAddress> { recentlyDead.SiloAddress, oldButActive.SiloAddress }, left);
    }

    [Fact]
    public async Task Clusters_sharing_a_database_do_not_see_each_other()
    {
        var database = await TestPostgres.CreateDatabaseAsync("membership");
        await using var ours = Table(database, "ours");
        await using var theirs = Table(database, "theirs");
        await ours.InitializeMembershipTable(true);
        await theirs.InitializeMembershipTable(true);

        Assert.True(await ours.InsertRow(Entry(1), (await ours.ReadAll()).Version.Next()));

        Assert.Empty((await theirs.ReadAll()).Members);
        await theirs.DeleteMembershipTableEntries("theirs");
        Assert.Single((await ours.ReadAll()).Members);
    }

    private static async Task<PostgresMembershipTable> FreshTableAsync()
    {
        var table = Table(await TestPostgres.CreateDatabaseAsync("membership"));
        await table.InitializeMembershipTable(tryInitTableVersion: true);
        return table;
    }

    private static PostgresMembershipTable Table(string database, string clusterId = "lab") =>
        new(database, Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "lab" }));

    private static MembershipEntry Entry(int silo, DateTime? aliveAt = null, SiloStatus status = SiloStatus.Active)
    {
        var alive = aliveAt ?? new DateTime(2026, 11, 27, 7, 0, 0, DateTimeKind.Utc);
        return new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, 11110 + silo, 1000),
            Status = status,
            HostName = "lab-host",
            SiloName = $"silo-{silo}",
            SuspectTimes = [],
            StartTime = alive.AddMinutes(-5),
            IAmAliveTime = alive,
        };
    }

    private static async Task DisposeAllAsync(IEnumerable<PostgresMembershipTable> tables)
    {
        foreach (var table in tables)
        {
            await table.DisposeAsync();
        }
    }
}
