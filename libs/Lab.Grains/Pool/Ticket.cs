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
    public required string Config { get; init; }
    public required int TotalSteps { get; init; }
    public string? Kind { get; init; }
    public int Attempt { get; set; }
    public int Step { get; set; }

    /// <summary>Cancelled while holding devices: its worker is told to stop it, and then its lease ends.</summary>
    public bool Cancelled { get; set; }

    public static Ticket From(RunView run) => new()
    {
        Run = new PoolRun(run.Id, run.IdeaId, run.SubmittedAt, run.Devices, Kinds.Of(run.Kind)),
        Config = run.Config,
        TotalSteps = run.TotalSteps,
        Kind = run.Kind,
        Attempt = run.Attempts,
        Step = run.Step,
    };

    public static Ticket From(RunSummary run) => new()
    {
        Run = new PoolRun(run.Id, run.IdeaId, run.SubmittedAt, run.Devices, Kinds.Of(run.Kind))
        {
            QueuedAt = run.QueuedAt,
            Lease = run.Node is null ? null : new RunLease(run.Node, DeviceSet.Of([.. run.DeviceIndexes]), run.RunningSince ?? run.LeaseStartedAt ?? run.QueuedAt),
            Stopping = run.Status is RunStatus.Stopping or RunStatus.Cancelled,
        },
        Config = run.Config,
        TotalSteps = run.TotalSteps,
        Kind = run.Kind,
        Attempt = run.Attempts,
        Step = run.Step,
        Cancelled = run.Status == RunStatus.Cancelled,
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
        _segmentStartAt = null;
        Run = Run with { Lease = null, Stopping = false, ReservedNode = null, QueuedAt = now };
    }
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
