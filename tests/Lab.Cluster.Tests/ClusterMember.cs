using Lab.Clustering;
using Lab.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Lab.Cluster.Tests;

/// <summary>
/// A silo in the test process, joined to a lab's cluster exactly as an API replica joins it (same database, same
/// certificate), but without Lab's grains, so no grain is ever placed on it: a window into the cluster that counts
/// activations and silos. Given another certificate, it plays an intruder.
/// </summary>
public sealed class ClusterMember : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterMember(IHost host) => _host = host;

    public IManagementGrain Management => _host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);

    public static async Task<ClusterMember> JoinAsync(string database, string certificatePath, TimeSpan? maxJoinTime = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [LabCluster.Keys.CertificatePath] = certificatePath });
        builder.Logging.AddFilter(_ => false);
        builder.UseOrleans(silo =>
        {
            silo.UseLabCluster(builder.Configuration, database);
            if (maxJoinTime is { } limit)
            {
                silo.Configure<ClusterMembershipOptions>(options => options.MaxJoinAttemptTime = limit);
            }
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new ClusterMember(host);
    }

    /// <summary>The silos the cluster considers active, this one included.</summary>
    public async Task<int> ActiveSilosAsync() => (await Management.GetHosts(onlyActive: true)).Count;

    /// <summary>Where each activation of the grain whose key is <paramref name="key"/> lives, across the whole cluster.</summary>
    public async Task<IReadOnlyList<SiloAddress>> ActivationsAsync(string grainClass, Guid key)
    {
        var statistics = await Management.GetDetailedGrainStatistics();
        return [.. statistics
            .Where(s => IsOf(s, grainClass) && s.GrainId.ToString().EndsWith("/" + key.ToString("N"), StringComparison.Ordinal))
            .Select(s => s.SiloAddress)];
    }

    /// <summary>Where each activation of a grain of <paramref name="grainClass"/> lives (a single grain like the pool).</summary>
    public async Task<IReadOnlyList<SiloAddress>> ActivationsAsync(string grainClass)
    {
        var statistics = await Management.GetDetailedGrainStatistics();
        return [.. statistics.Where(s => IsOf(s, grainClass)).Select(s => s.SiloAddress)];
    }

    /// <summary>Statistics name a grain's type as "Namespace.Class,Assembly".</summary>
    private static bool IsOf(DetailedGrainStatistic statistic, string grainClass) =>
        statistic.GrainType.Split(',')[0].EndsWith("." + grainClass, StringComparison.Ordinal);

    /// <summary>The replica whose silo is <paramref name="silo"/>: a silo is named after its host and process.</summary>
    public async Task<ServiceProcess> ReplicaAtAsync(IEnumerable<ServiceProcess> replicas, SiloAddress silo)
    {
        var entry = (await Management.GetDetailedHosts(onlyActive: true)).Single(e => e.SiloAddress.Equals(silo));
        return replicas.Single(r => entry.SiloName == LabCluster.SiloName(r.ProcessId));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }
        _host.Dispose();
    }
}
