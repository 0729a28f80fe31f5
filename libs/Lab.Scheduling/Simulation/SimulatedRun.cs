namespace Lab.Scheduling.Simulation;

/// <summary>A run inside the simulator: its state for the policy, its progress and its accounting.</summary>
internal sealed class SimulatedRun(int index, WorkloadRun spec, int idea)
{
    /// <summary>Position in the workload.</summary>
    public int Index { get; } = index;

    public WorkloadRun Spec { get; } = spec;

    public int Idea { get; } = idea;

    public PoolRun State { get; set; } = null!;

    /// <summary>Position in the simulator's list of admitted, unfinished runs; -1 when not there.</summary>
    public int ActiveSlot { get; set; } = -1;

    /// <summary>Bumped whenever a lease ends, so events scheduled for an earlier lease are ignored.</summary>
    public int Attempt { get; set; }

    /// <summary>Work saved in its last checkpoint.</summary>
    public TimeSpan Saved { get; set; }

    public int LeaseNode { get; set; } = -1;

    public DeviceSet LeaseDevices { get; set; }

    public TimeSpan LeaseStart { get; set; }

    public TimeSpan? StopRequestedAt { get; set; }

    public TimeSpan WaitingSince { get; set; }

    public TimeSpan? FirstStartAt { get; set; }

    public TimeSpan? FinishedAt { get; set; }

    public TimeSpan LongestWait { get; set; }

    public long DeviceTicks { get; set; }

    public TimeSpan LostWork { get; set; }

    public TimeSpan CheckpointTime { get; set; }

    public int Preemptions { get; set; }

    public int Requeues { get; set; }

    public List<LeaseSpan> Leases { get; } = [];

    public bool Leased => LeaseNode >= 0;

    /// <summary>What its author expects it still needs, told to the policy.</summary>
    public TimeSpan? RemainingEstimate =>
        Spec.Estimate is { } estimate ? TimeSpan.FromTicks(Math.Max((estimate - Saved).Ticks, TimeSpan.FromMinutes(1).Ticks)) : null;

    public void EndWait(TimeSpan now)
    {
        LongestWait = TimeSpan.FromTicks(Math.Max(LongestWait.Ticks, (now - WaitingSince).Ticks));
        FirstStartAt ??= now;
    }

    public RunReport Report(TimeSpan end) => new(
        Spec.Id,
        Spec.Idea,
        Spec.Devices,
        Spec.Work,
        Spec.SubmitAt,
        FirstStartAt,
        FinishedAt,
        FinishedAt is null && !Leased && ActiveSlot >= 0 ? TimeSpan.FromTicks(Math.Max(LongestWait.Ticks, (end - WaitingSince).Ticks)) : LongestWait,
        TimeSpan.FromTicks(DeviceTicks),
        LostWork,
        CheckpointTime,
        Preemptions,
        Requeues,
        Leases);
}
