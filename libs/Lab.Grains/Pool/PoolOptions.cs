using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Scheduling;

namespace Lab.Grains.Pool;

/// <summary>The pool's timing (configuration section <c>Pool</c>): how long a silent node keeps its leases, and the policy's knobs.</summary>
public sealed class PoolOptions
{
    public const string Section = "Pool";

    /// <summary>A node that has not heart-beaten for this long loses its leases; its runs are requeued.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = PoolRules.HeartbeatTimeout;

    /// <summary>See <see cref="SchedulingOptions.MinRunTime"/>.</summary>
    public TimeSpan MinRunTime { get; set; } = SchedulingOptions.Default.MinRunTime;

    /// <summary>See <see cref="SchedulingOptions.PreemptAfter"/>.</summary>
    public TimeSpan PreemptAfter { get; set; } = SchedulingOptions.Default.PreemptAfter;

    /// <summary>See <see cref="SchedulingOptions.ReservationAfter"/>.</summary>
    public TimeSpan ReservationAfter { get; set; } = SchedulingOptions.Default.ReservationAfter;

    public SchedulingOptions ToScheduling() => SchedulingOptions.Default with
    {
        MinRunTime = MinRunTime,
        PreemptAfter = PreemptAfter,
        ReservationAfter = ReservationAfter,
    };

    /// <summary>The pool's ledger under these knobs and the lab's bound on a run's time.</summary>
    public LedgerOptions ToLedger(LabBounds bounds) => new()
    {
        Policy = ToScheduling(),
        HeartbeatTimeout = HeartbeatTimeout,
        MaxRunTime = bounds.MaxRunTime,
    };
}
