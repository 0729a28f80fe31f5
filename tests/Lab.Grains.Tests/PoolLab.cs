using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Grains.Pool;
using Lab.Knowledge;
using Lab.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace Lab.Grains.Tests;

/// <summary>
/// A pool of its own for one test: an in-process cluster on a fresh database with a fake clock that the test moves
/// (the pool's timer follows it). Starting it again on the same database is a silo restart. Heartbeats go the way
/// the heartbeat endpoint sends them (<see cref="HeartbeatRouter"/>).
/// </summary>
public sealed class PoolLab : IAsyncDisposable
{
    public static readonly PoolOptions Options = new()
    {
        HeartbeatTimeout = TimeSpan.FromSeconds(30),
        MinRunTime = TimeSpan.FromMinutes(10),
        PreemptAfter = TimeSpan.FromMinutes(5),
    };

    private readonly InProcessTestCluster _cluster;

    private PoolLab(InProcessTestCluster cluster, string database, FakeTimeProvider clock)
    {
        _cluster = cluster;
        Database = database;
        Clock = clock;
        Heartbeats = new HeartbeatRouter(cluster.Client, NullLogger<HeartbeatRouter>.Instance);
    }

    /// <summary>A clock that starts on a fixed morning and moves only when the test says.</summary>
    public static FakeTimeProvider NewClock() => new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));

    public string Database { get; }
    public FakeTimeProvider Clock { get; }
    public HeartbeatRouter Heartbeats { get; }
    public IClusterClient Client => _cluster.Client;
    public IPoolGrain Pool => Client.GetGrain<IPoolGrain>(0);
    public IDocumentStore Store => _cluster.Silos[0].ServiceProvider.GetRequiredService<IDocumentStore>();

    /// <param name="bounds">The lab's bounds for this pool (the defaults when left out).</param>
    public static async Task<PoolLab> StartAsync(string? database = null, FakeTimeProvider? clock = null, TimeSpan? heartbeatTimeout = null, LabBounds? bounds = null)
    {
        database ??= await TestPostgres.CreateDatabaseAsync("pool");
        clock ??= NewClock();
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<TimeProvider>(clock);
            silo.Services.AddLabKnowledge(database);
            silo.Services.AddLabGrains();
            silo.Services.Configure<PoolOptions>(o =>
            {
                o.HeartbeatTimeout = heartbeatTimeout ?? Options.HeartbeatTimeout;
                o.MinRunTime = Options.MinRunTime;
                o.PreemptAfter = Options.PreemptAfter;
            });
            if (bounds is not null)
            {
                silo.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(bounds));
            }
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new PoolLab(cluster, database, clock);
    }

    public async Task<Guid> IdeaAsync(string title, Guid by)
    {
        var id = Guid.CreateVersion7();
        await Client.GetGrain<IIdeaGrain>(id).Propose(new ProposeIdea(title, $"{title} works."), by);
        return id;
    }

    public Task<RunView> SubmitAsync(Guid idea, Guid by, int steps = 20) =>
        Pool.Submit(Guid.CreateVersion7(), new SubmitRun(idea, $$$"""{"training":{"steps":{{{steps}}}}}""", steps), by);

    public Task<NodeOrders> BeatAsync(string node, int devices = 1, params RunReport[] reports) => BeatAsync(node, null, devices, reports);

    /// <summary>A heartbeat of the worker process <paramref name="incarnation"/> on the node (a new one is a restarted worker).</summary>
    public Task<NodeOrders> BeatAsync(string node, Guid? incarnation, int devices = 1, params RunReport[] reports) =>
        Heartbeats.RouteAsync(new NodeHeartbeat(node, [.. Enumerable.Range(0, devices).Select(i => new DeviceView($"cpu:{i}", "cpu", "test CPU"))], null, reports, incarnation));

    public async Task<RunView> RunAsync(Guid run) => await Client.GetGrain<IRunGrain>(run).Get() ?? throw new InvalidOperationException("no such run");

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();
}
