namespace Lab.Scheduling;

/// <summary>Something the pool should do now. <see cref="PoolLedger.Apply"/> applies a schedule's decisions, in order.</summary>
public abstract record Decision(Guid Run);

/// <summary>Lease these devices of this node to the run and start it, resuming from its checkpoint if it has one.</summary>
public sealed record StartRun(Guid Run, string Node, DeviceSet Devices) : Decision(Run);

/// <summary>
/// Ask the run to checkpoint and step aside. It keeps its lease (and is <see cref="PoolRun.Stopping"/>) until it
/// has; then it waits again, keeping its place by submission time, and later resumes from that checkpoint.
/// </summary>
public sealed record PreemptRun(Guid Run, string Node) : Decision(Run);

/// <summary>The run's node is gone: its lease is void; it waits again and resumes from its last checkpoint.</summary>
public sealed record RequeueRun(Guid Run, string Node) : Decision(Run);

/// <summary>
/// Keep this node for the waiting multi-device run (set <see cref="PoolRun.ReservedNode"/>): no other run starts
/// there until it does, so smaller runs cannot starve it.
/// </summary>
public sealed record ReserveNode(Guid Run, string Node) : Decision(Run);
