namespace Lab.Scheduling;

/// <summary>The knobs of the policy.</summary>
public sealed record SchedulingOptions
{
    public static SchedulingOptions Default { get; } = new();

    /// <summary>
    /// The baseline: one queue for the whole pool, first come first served, free devices filled by the earliest
    /// run that fits; no fair share, no preemption, no reservations.
    /// </summary>
    public static SchedulingOptions Fifo { get; } = new() { FairShare = false };

    /// <summary>Share devices between ideas by weighted max-min fairness, with preemption and reservations.</summary>
    public bool FairShare { get; init; } = true;

    /// <summary>A run is never asked to step aside before it has run this long since its last start.</summary>
    public TimeSpan MinRunTime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A run of an idea below its fair share waits this long for devices to free up by themselves before runs are
    /// asked to step aside for it: most shortfalls end sooner as runs finish, and each preemption costs a checkpoint.
    /// </summary>
    public TimeSpan PreemptAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A multi-device run at the head of its idea that has waited this long may reserve a node.</summary>
    public TimeSpan ReservationAfter { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>At most one reservation per this many live nodes (at least one), to bound the devices kept idle.</summary>
    public int NodesPerReservation { get; init; } = 8;

    /// <summary>Run time assumed for a run without <see cref="PoolRun.Estimate"/>.</summary>
    public TimeSpan DefaultEstimate { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Weight of an idea missing from <see cref="PoolState.Weights"/>.</summary>
    public double DefaultWeight { get; init; } = 1.0;
}
