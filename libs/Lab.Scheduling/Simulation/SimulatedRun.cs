namespace Lab.Scheduling.Simulation;

/// <summary>A run inside the simulator: its entry in the pool's ledger, the work it has done, and its accounting.</summary>
internal sealed class SimulatedRun(int index, WorkloadRun spec, int idea)
{
    /// <summary>Position in the workload.</summary>
    public int Index { get; } = index;

    public WorkloadRun Spec { get; } = spec;

    public int Idea { get; } = idea;

    /// <summary>The run in the pool's ledger, once admitted.</summary>
    public LedgerRun? Entry { get; set; }

    /// <summary>Work saved in its last checkpoint.</summary>
    public TimeSpan Saved { get; set; }

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

    public RunLease? Lease => FinishedAt is null ? Entry?.Run.Lease : null;

    /// <summary>Whether an event scheduled for lease <paramref name="attempt"/> is still about the lease it holds.</summary>
    public bool Holds(int attempt) => Lease is not null && Entry!.Attempt == attempt;

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
        FinishedAt is null && Entry is not null && Lease is null ? TimeSpan.FromTicks(Math.Max(LongestWait.Ticks, (end - WaitingSince).Ticks)) : LongestWait,
        TimeSpan.FromTicks(DeviceTicks),
        LostWork,
        CheckpointTime,
        Preemptions,
        Requeues,
        Leases);
}
