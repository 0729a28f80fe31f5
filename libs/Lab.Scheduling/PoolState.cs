namespace Lab.Scheduling;

/// <summary>
/// Everything the policy needs to know about the pool at one instant. A <see cref="PoolLedger"/> keeps one up to
/// date (replacing the record of a run or node that changed) and hands it to <see cref="PoolScheduler.Decide"/>;
/// the pool grain and the simulator each keep a ledger.
/// </summary>
/// <param name="Now">The instant the decisions are for.</param>
/// <param name="Nodes">Every known node, live or not. Names are unique.</param>
/// <param name="Runs">Every admitted run that has not finished: waiting, running or stepping aside.</param>
public sealed record PoolState(DateTimeOffset Now, IReadOnlyList<PoolNode> Nodes, IReadOnlyList<PoolRun> Runs)
{
    /// <summary>Weight of each idea in the fair share (default <see cref="SchedulingOptions.DefaultWeight"/>).</summary>
    public IReadOnlyDictionary<Guid, double>? Weights { get; init; }
}

/// <summary>A node of the pool and its devices (all of one kind, indexes 0 to <paramref name="Devices"/> - 1).</summary>
/// <param name="Alive">False once the node stopped heart-beating: its leases are void and its runs are requeued.</param>
public sealed record PoolNode(string Name, DeviceKind Kind, int Devices, bool Alive = true);

/// <summary>The devices a run holds and since when (the last start or resume, from which the minimum run time counts).</summary>
public readonly record struct RunLease(string Node, DeviceSet Devices, DateTimeOffset StartedAt);

/// <summary>An admitted run as the policy sees it.</summary>
/// <param name="SubmittedAt">Orders runs first come, first served inside an idea; a preempted or requeued run keeps it, so it resumes before later runs.</param>
/// <param name="Devices">How many devices it needs, all on one node (gang placement).</param>
/// <param name="Kind">The kind of device it needs, or null for any.</param>
public sealed record PoolRun(Guid Id, Guid Idea, DateTimeOffset SubmittedAt, int Devices = 1, DeviceKind? Kind = null)
{
    /// <summary>Expected run time still needed once (re)started; only used to estimate start times (default <see cref="SchedulingOptions.DefaultEstimate"/>).</summary>
    public TimeSpan? Estimate { get; init; }

    /// <summary>When it last entered the queue (submission, preemption or loss of its node); defaults to <see cref="SubmittedAt"/>.</summary>
    public DateTimeOffset? QueuedAt { get; init; }

    /// <summary>Its devices while it runs; null while it waits.</summary>
    public RunLease? Lease { get; init; }

    /// <summary>It was asked to checkpoint and step aside and still holds its lease.</summary>
    public bool Stopping { get; init; }

    /// <summary>A node kept for this waiting run by an earlier <see cref="ReserveNode"/>; cleared when it starts.</summary>
    public string? ReservedNode { get; init; }
}
