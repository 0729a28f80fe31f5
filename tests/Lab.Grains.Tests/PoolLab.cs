using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Grains.Pool;
using Lab.Knowledge;
using Lab.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Lab.Grains.Tests;

/// <summary>A time the test moves by hand, so that minimum run times and heartbeat timeouts pass in an instant.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>
/// A pool of its own for one test: an in-process cluster on a fresh database with a hand-moved clock. Starting it
/// again on the same database is a silo restart.
/// </summary>
public sealed class PoolLab : IAsyncDisposable
{
    public static readonly PoolOptions Options = new()
    {
        HeartbeatTimeout = TimeSpan.FromSeconds(30),
        Tick = TimeSpan.FromMilliseconds(200),
        MinRunTime = TimeSpan.FromMinutes(10),
        PreemptAfter = TimeSpan.FromMinutes(5),
    };

    private readonly InProcessTestCluster _cluster;

    private PoolLab(InProcessTestCluster cluster, string database, ManualClock clock)
    {
        _cluster = cluster;
        Database = database;
        Clock = clock;
    }

    public string Database { get; }
    public ManualClock Clock { get; }
    public IClusterClient Client => _cluster.Client;
    public IPoolGrain Pool => Client.GetGrain<IPoolGrain>(0);
    public IDocumentStore Store => _cluster.Silos[0].ServiceProvider.GetRequiredService<IDocumentStore>();

    /// <param name="bounds">The lab's bounds for this pool (the defaults when left out).</param>
    public static async Task<PoolLab> StartAsync(string? database = null, ManualClock? clock = null, TimeSpan? heartbeatTimeout = null, LabBounds? bounds = null)
    {
        database ??= await TestPostgres.CreateDatabaseAsync("pool");
        clock ??= new ManualClock();
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<TimeProvider>(clock);
            silo.Services.AddLabKnowledge(database);
            silo.Services.AddLabGrains();
            silo.Services.Configure<PoolOptions>(o =>
            {
                o.HeartbeatTimeout = heartbeatTimeout ?? Options.HeartbeatTimeout;
                o.Tick = Options.Tick;
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
        Pool.Heartbeat(new NodeHeartbeat(node, [.. Enumerable.Range(0, devices).Select(i => new DeviceView($"cpu:{i}", "cpu", "test CPU"))], null, reports, incarnation));

    public async Task<RunView> RunAsync(Guid run) => await Client.GetGrain<IRunGrain>(run).Get() ?? throw new InvalidOperationException("no such run");

    /// <summary>Waits for the pool's timer to run its policy at least once more.</summary>
    public static Task TickAsync() => Task.Delay(Options.Tick * 4);

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();
}
