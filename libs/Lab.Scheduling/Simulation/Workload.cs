namespace Lab.Scheduling.Simulation;

/// <summary>What the simulator replays: a pool, the ideas, their runs and the nodes' outages. Times are from the start of the simulation.</summary>
public sealed record Workload(
    IReadOnlyList<PoolNode> Nodes,
    IReadOnlyList<WorkloadIdea> Ideas,
    IReadOnlyList<WorkloadRun> Runs,
    IReadOnlyList<NodeOutage> Outages);

public sealed record WorkloadIdea(Guid Id, string Name, double Weight = 1);

/// <param name="Work">Run time it needs on its devices, without interruptions.</param>
/// <param name="Estimate">What its author expects it to need (told to the policy; default: none).</param>
public sealed record WorkloadRun(Guid Id, Guid Idea, TimeSpan SubmitAt, TimeSpan Work, int Devices = 1, DeviceKind? Kind = null, TimeSpan? Estimate = null);

/// <summary>The node stops heart-beating: from <paramref name="At"/> (when the pool notices) until <paramref name="At"/> + <paramref name="Duration"/>.</summary>
public sealed record NodeOutage(string Node, TimeSpan At, TimeSpan Duration);
