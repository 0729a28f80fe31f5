namespace Lab.Scheduling.Simulation;

public sealed record SimulationOptions
{
    public static SimulationOptions Default { get; } = new();

    /// <summary>A running run saves a checkpoint this often; when its node is lost, work since the last one is lost.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a preempted run takes to save its checkpoint and step aside (it holds its devices meanwhile and loses nothing).</summary>
    public TimeSpan CheckpointTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each idea's part of the pool is sampled for <see cref="SimulationReport.ShareSamples"/>.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The simulation stops here even if runs are left (they are reported as unfinished).</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromDays(365);

    /// <summary>Called after every pass with the state the policy saw and what it decided (for tests and traces).</summary>
    public Action<PoolState, Schedule>? Observer { get; init; }

    /// <summary>Time every <see cref="PoolScheduler.Decide"/> call with a stopwatch (the only part of the report that is not deterministic).</summary>
    public bool MeasureDecisionTime { get; init; }
}
