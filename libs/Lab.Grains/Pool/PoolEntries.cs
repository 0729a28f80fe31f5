using Lab.Contracts.Runs;
using Lab.Knowledge.Runs;
using Lab.Scheduling;

namespace Lab.Grains.Pool;

/// <summary>A run as the pool's ledger keeps it, from the run as its grain answers or as the run list holds it.</summary>
internal static class PoolEntries
{
    /// <summary>A run just admitted or reopened: it holds no lease.</summary>
    public static LedgerRun From(RunView run) => new()
    {
        Run = new PoolRun(run.Id, run.IdeaId, run.SubmittedAt, run.Devices, Kinds.Of(run.Kind)),
        Owner = run.SubmittedBy,
        Config = run.Config,
        TotalSteps = run.TotalSteps,
        Attempt = run.Attempts,
        Step = run.Step,
        HeldBefore = Held(run.DeviceSeconds, run.Devices),
    };

    /// <summary>A run the pool finds in the run list when it starts again, maybe holding a lease.</summary>
    public static LedgerRun From(RunSummary run) => new()
    {
        Run = new PoolRun(run.Id, run.IdeaId, run.SubmittedAt, run.Devices, Kinds.Of(run.Kind))
        {
            QueuedAt = run.QueuedAt,
            Lease = run.Node is null ? null : new RunLease(run.Node, DeviceSet.Of([.. run.DeviceIndexes]), run.RunningSince ?? run.LeaseStartedAt ?? run.QueuedAt),
            Stopping = run.Status is RunStatus.Stopping or RunStatus.Cancelled,
        },
        Owner = run.SubmittedBy,
        Config = run.Config,
        TotalSteps = run.TotalSteps,
        Attempt = run.Attempts,
        Step = run.Step,
        Cancelled = run.Status == RunStatus.Cancelled,
        HeldBefore = Held(run.DeviceSeconds, run.Devices), // the stored device time counts ended leases only
    };

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

    public static string? Name(DeviceKind? kind) => kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.Cuda => "cuda",
        _ => null,
    };
}
