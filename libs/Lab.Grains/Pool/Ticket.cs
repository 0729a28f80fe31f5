using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Knowledge.Runs;
using Lab.Scheduling;

namespace Lab.Grains.Pool;

/// <summary>What the pool keeps about an admitted run: the policy's view of it, plus what its worker needs to run it.</summary>
internal sealed class Ticket
{
    private int _segmentStartStep;
    private DateTimeOffset? _segmentStartAt;

    public required PoolRun Run { get; set; }
    public required Guid SubmittedBy { get; init; }
    public required string Config { get; init; }
    public required int TotalSteps { get; init; }
    public string? Kind { get; init; }
    public int Attempt { get; set; }
    public int Step { get; set; }

    /// <summary>Cancelled while holding devices: its worker is told to stop it, and then its lease ends.</summary>
    public bool Cancelled { get; set; }

    /// <summary>Wall-clock time its ended leases held devices (the lab bounds a run's time on the pool).</summary>
    public TimeSpan HeldBefore { get; private set; }

    /// <summary>Time it has held devices up to <paramref name="now"/>: its ended leases and the one it holds.</summary>
    public TimeSpan HeldAt(DateTimeOffset now) =>
        HeldBefore + (Run.Lease is { } lease && now > lease.StartedAt ? now - lease.StartedAt : TimeSpan.Zero);

    public static Ticket From(RunView run) => new()
    {
        Run = new PoolRun(run.Id, run.IdeaId, run.SubmittedAt, run.Devices, Kinds.Of(run.Kind)),
        SubmittedBy = run.SubmittedBy,
        Config = run.Config,
        TotalSteps = run.TotalSteps,
        Kind = run.Kind,
        Attempt = run.Attempts,
        Step = run.Step,
        HeldBefore = Held(run.DeviceSeconds, run.Devices), // a run just admitted or reopened holds no lease
    };

    public static Ticket From(RunSummary run) => new()
    {
        Run = new PoolRun(run.Id, run.IdeaId, run.SubmittedAt, run.Devices, Kinds.Of(run.Kind))
        {
            QueuedAt = run.QueuedAt,
            Lease = run.Node is null ? null : new RunLease(run.Node, DeviceSet.Of([.. run.DeviceIndexes]), run.RunningSince ?? run.LeaseStartedAt ?? run.QueuedAt),
            Stopping = run.Status is RunStatus.Stopping or RunStatus.Cancelled,
        },
        SubmittedBy = run.SubmittedBy,
        Config = run.Config,
        TotalSteps = run.TotalSteps,
        Kind = run.Kind,
        Attempt = run.Attempts,
        Step = run.Step,
        Cancelled = run.Status == RunStatus.Cancelled,
        HeldBefore = Held(run.DeviceSeconds, run.Devices), // the stored device time counts ended leases only
    };

    /// <summary>Learns how fast the run goes, so that waiting runs get a better estimated start.</summary>
    public void Observe(RunView view, RunReport report, DateTimeOffset now)
    {
        if (report.Kind == RunReportKind.Started)
        {
            _segmentStartStep = report.Step;
            _segmentStartAt = now;
        }
        Step = view.Step;
        if (_segmentStartAt is { } since && Step > _segmentStartStep && now > since)
        {
            var perStep = (now - since) / (Step - _segmentStartStep);
            Run = Run with { Estimate = perStep * Math.Max(0, TotalSteps - Step) };
        }
    }

    public void Requeue(RunView view, DateTimeOffset now)
    {
        Step = view.Step;
        HeldBefore = Held(view.DeviceSeconds, view.Devices);
        _segmentStartAt = null;
        Run = Run with { Lease = null, Stopping = false, ReservedNode = null, QueuedAt = now };
    }

    /// <summary>Device time is counted per device: the wall-clock time behind it is that over the run's devices.</summary>
    private static TimeSpan Held(double deviceSeconds, int devices) => TimeSpan.FromSeconds(deviceSeconds / Math.Max(1, devices));
}

internal static class Kinds
{
    public static DeviceKind? Of(string? kind) => kind switch
    {
        "cpu" => DeviceKind.Cpu,
        "cuda" => DeviceKind.Cuda,
        _ => null,
    };
}
