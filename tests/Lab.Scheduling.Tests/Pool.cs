using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Lab.Scheduling.Tests;

/// <summary>
/// A pool described in a few lines, with readable names for ideas and runs, kept in the <see cref="PoolLedger"/> the pool
/// grain keeps: decide and apply the decisions, let runs step aside or finish, move the clock.
/// </summary>
internal sealed class Pool
{
    public static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly ConcurrentDictionary<Guid, string> Names = new();

    private readonly Dictionary<Guid, double> _weights = [];

    public Pool(SchedulingOptions? options = null) =>
        Ledger = new PoolLedger(new LedgerOptions { Policy = options ?? SchedulingOptions.Default, Weights = _weights });

    public PoolLedger Ledger { get; }

    public DateTimeOffset Now { get; private set; } = T0;

    public PoolState State => Ledger.State(Now);

    public static Guid Id(string name)
    {
        var id = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 16));
        Names[id] = name;
        return id;
    }

    public static string Name(Guid id) => Names.TryGetValue(id, out var name) ? name : id.ToString();

    public static DateTimeOffset Minute(double minute) => T0 + TimeSpan.FromMinutes(minute);

    public Pool At(double minute)
    {
        Now = Minute(minute);
        return this;
    }

    public Pool Node(string name, int devices, DeviceKind kind = DeviceKind.Cuda)
    {
        Ledger.Join(new PoolNode(name, kind, devices), null, Now);
        return this;
    }

    public Pool Weight(string idea, double weight)
    {
        _weights[Id(idea)] = weight;
        return this;
    }

    public Pool Waiting(string run, string idea, double submitted = 0, int devices = 1, DeviceKind? kind = null, double? queued = null, double? estimate = null)
    {
        Ledger.Admit(new LedgerRun
        {
            Run = new PoolRun(Id(run), Id(idea), Minute(submitted), devices, kind)
            {
                QueuedAt = queued is { } q ? Minute(q) : null,
                Estimate = estimate is { } e ? TimeSpan.FromMinutes(e) : null,
            },
        });
        return this;
    }

    public Pool Running(string run, string idea, string node, int[] devices, double started, double? submitted = null, double? estimate = null)
    {
        Ledger.Admit(new LedgerRun
        {
            Run = new PoolRun(Id(run), Id(idea), Minute(submitted ?? started), devices.Length)
            {
                Lease = new RunLease(node, DeviceSet.Of(devices), Minute(started)),
                Estimate = estimate is { } e ? TimeSpan.FromMinutes(e) : null,
            },
        });
        return this;
    }

    public Pool Kill(string node)
    {
        Ledger.Lose(node, Now);
        return this;
    }

    public Schedule Decide() => Ledger.Decide(Now);

    /// <summary>Decide and apply the decisions, as the pool grain does.</summary>
    public Schedule Step()
    {
        var schedule = Decide();
        foreach (var decision in schedule.Decisions)
        {
            Ledger.Apply(decision, Now);
        }
        return schedule;
    }

    /// <summary>Runs that were asked to step aside have checkpointed: they wait again.</summary>
    public Pool SteppedAside()
    {
        foreach (var run in Ledger.Runs.Where(r => r.Standing == RunStanding.Stopping).ToList())
        {
            Ledger.Requeue(run.Id, Now);
        }
        return this;
    }

    public Pool Finished(string run)
    {
        Ledger.Remove(Id(run), Now);
        return this;
    }

    public PoolRun Run(string run) => Ledger.Run(Id(run))!.Run;

    public IEnumerable<string> RunningOn(string node) =>
        Ledger.LeasedOn(node).Select(r => Name(r.Id)).Order();
}

internal static class ScheduleExtensions
{
    public static string[] Started(this Schedule schedule) =>
        [.. schedule.Decisions.OfType<StartRun>().Select(d => Pool.Name(d.Run))];

    public static string[] Preempted(this Schedule schedule) =>
        [.. schedule.Decisions.OfType<PreemptRun>().Select(d => Pool.Name(d.Run))];

    public static string[] Requeued(this Schedule schedule) =>
        [.. schedule.Decisions.OfType<RequeueRun>().Select(d => Pool.Name(d.Run))];

    public static StartRun StartOf(this Schedule schedule, string run) =>
        schedule.Decisions.OfType<StartRun>().Single(d => d.Run == Pool.Id(run));

    public static WaitingRun WaitOf(this Schedule schedule, string run) =>
        schedule.Waiting.Single(w => w.Run == Pool.Id(run));

    public static int AllocatedTo(this Schedule schedule, string idea) =>
        schedule.Shares.Single(s => s.Idea == Pool.Id(idea)).Allocated;

    public static double FairShareOf(this Schedule schedule, string idea) =>
        schedule.Shares.Single(s => s.Idea == Pool.Id(idea)).FairShare;
}
