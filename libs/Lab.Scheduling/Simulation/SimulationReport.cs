namespace Lab.Scheduling.Simulation;

/// <summary>What a simulation measured. Everything but <see cref="Timing"/> is deterministic for a given workload and options.</summary>
public sealed record SimulationReport
{
    /// <summary>From the start until the last run finished (or the simulation stopped).</summary>
    public required TimeSpan Duration { get; init; }

    public required int Runs { get; init; }

    public required int Unfinished { get; init; }

    /// <summary>
    /// Leased device-time divided by live device-time, over the intervals where demand (devices asked for by all
    /// admitted, unfinished runs: waiting, running or stepping aside) is at least supply (live devices).
    /// 1 means no device was ever idle while the pool was oversubscribed.
    /// </summary>
    public required double Utilization { get; init; }

    /// <summary>Total length of those contended intervals.</summary>
    public required TimeSpan ContendedTime { get; init; }

    /// <summary>Leased device-time divided by live device-time over the whole simulation.</summary>
    public required double OverallUtilization { get; init; }

    /// <summary>
    /// Jain's index over ideas of x = device-time the idea held ÷ device-time of its weighted max-min fair share
    /// (given every idea's demand at each instant), both summed over the contended intervals, for ideas owed any.
    /// Weights and ideas asking for less than an equal part are thus accounted for; with equal weights and an
    /// equal, unmet demand it is Jain's index of the ideas' device-time.
    /// </summary>
    public required double JainIndex { get; init; }

    /// <summary>Runs that checkpointed and stepped aside for another.</summary>
    public required int Preemptions { get; init; }

    /// <summary>Runs requeued because their node was lost.</summary>
    public required int Requeues { get; init; }

    /// <summary>Device-time of work lost with lost nodes (since each run's last checkpoint).</summary>
    public required TimeSpan LostDeviceTime { get; init; }

    /// <summary>Device-time spent saving checkpoints to step aside.</summary>
    public required TimeSpan CheckpointDeviceTime { get; init; }

    /// <summary>Device-time of all leases, integrated over time (equals the sum over runs and over ideas).</summary>
    public required TimeSpan LeasedDeviceTime { get; init; }

    /// <summary>Mean time from submission to first start.</summary>
    public required TimeSpan MeanWait { get; init; }

    /// <summary>95th percentile of the time from submission to first start.</summary>
    public required TimeSpan P95Wait { get; init; }

    /// <summary>The longest any run waited in one stretch (first wait, or after being preempted or requeued).</summary>
    public required TimeSpan MaxWait { get; init; }

    /// <summary>Calls of <see cref="PoolScheduler.Decide"/>.</summary>
    public required int Passes { get; init; }

    /// <summary>Decisions applied (starts, preemptions, requeues, reservations).</summary>
    public required int Decisions { get; init; }

    public required IReadOnlyList<IdeaReport> Ideas { get; init; }

    public required IReadOnlyList<RunReport> RunReports { get; init; }

    public required IReadOnlyList<ShareSample> ShareSamples { get; init; }

    public DecisionTiming? Timing { get; init; }
}

/// <param name="DeviceTime">All its leases.</param>
/// <param name="ContendedDeviceTime">Its leases during contended intervals.</param>
/// <param name="FairShareDeviceTime">Its fair share during contended intervals.</param>
public sealed record IdeaReport(
    Guid Idea,
    string Name,
    double Weight,
    int Runs,
    TimeSpan DeviceTime,
    TimeSpan ContendedDeviceTime,
    TimeSpan FairShareDeviceTime,
    TimeSpan MeanWait,
    TimeSpan MaxWait,
    int Preemptions)
{
    /// <summary>Device-time held over device-time owed while contended (1 is exactly fair).</summary>
    public double ShareRatio => FairShareDeviceTime > TimeSpan.Zero ? ContendedDeviceTime / FairShareDeviceTime : double.NaN;
}

public sealed record RunReport(
    Guid Run,
    Guid Idea,
    int Devices,
    TimeSpan Work,
    TimeSpan SubmittedAt,
    TimeSpan? FirstStartAt,
    TimeSpan? FinishedAt,
    TimeSpan LongestWait,
    TimeSpan DeviceTime,
    TimeSpan LostWork,
    TimeSpan CheckpointTime,
    int Preemptions,
    int Requeues,
    IReadOnlyList<LeaseSpan> Leases);

public enum LeaseEnd
{
    Finished,
    Preempted,
    NodeLost,
    Unfinished,
}

public sealed record LeaseSpan(string Node, DeviceSet Devices, TimeSpan Start, TimeSpan End, LeaseEnd Ending)
{
    public TimeSpan Length => End - Start;
}

/// <summary>Each idea's fraction of the live devices at one instant, in the order of <see cref="Workload.Ideas"/>.</summary>
public sealed record ShareSample(TimeSpan At, IReadOnlyList<double> Shares);

/// <summary>Wall-clock time of the policy's passes, measured with a stopwatch.</summary>
public sealed record DecisionTiming(int Passes, TimeSpan Total, TimeSpan P50, TimeSpan P99, TimeSpan Max)
{
    public double PassesPerSecond => Total > TimeSpan.Zero ? Passes / Total.TotalSeconds : double.PositiveInfinity;
}
