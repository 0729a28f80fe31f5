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
using Orleans.Runtime.Diagnostics;
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

    /// <summary>Starts counting the pool's wake-ups (its timer's ticks), from now on.</summary>
    public PoolWakeUps WatchWakeUps() => new(_cluster.Silos[0].SiloAddress);

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();
}

/// <summary>
/// The pool grain's wake-ups in one lab's silo, as Orleans reports its grain timers' ticks. Moving the fake clock past
/// the pool's wake-up queues the tick; the test then waits for it to have run, instead of waiting a fixed time.
/// </summary>
public sealed class PoolWakeUps : IObserver<GrainTimerEvents.TimerEvent>, IDisposable
{
    private readonly SiloAddress _silo;
    private readonly SemaphoreSlim _done = new(0);
    private readonly IDisposable _subscription;
    private int _count;

    public PoolWakeUps(SiloAddress silo)
    {
        _silo = silo;
        _subscription = GrainTimerEvents.AllEvents.Subscribe(this);
    }

    /// <summary>Wake-ups that have run to their end since watching began.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Waits for the next wake-up to have run (a minute at most: a wake-up made due runs at once).</summary>
    public async Task NextAsync()
    {
        if (!await _done.WaitAsync(TimeSpan.FromMinutes(1)))
        {
            throw new TimeoutException("The pool did not wake up.");
        }
    }

    public void OnNext(GrainTimerEvents.TimerEvent value)
    {
        if (value is GrainTimerEvents.TickStop && value.GrainContext.GrainInstance is PoolGrain && _silo.Equals(value.GrainContext.Address.SiloAddress))
        {
            Interlocked.Increment(ref _count);
            _done.Release();
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _done.Dispose();
    }
}
