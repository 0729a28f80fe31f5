namespace Lab.Scheduling;

/// <summary>What one pass of the policy decided, and why every other waiting run waits.</summary>
/// <param name="Decisions">To apply in order.</param>
/// <param name="Waiting">Every run still waiting after the decisions, in the order they are expected to start.</param>
/// <param name="Shares">Each idea with work: its demand, its devices after the decisions and its fair share.</param>
/// <param name="WakeAt">Call again at this time even if nothing else happens (a minimum run time elapses or a run waited long enough to reserve a node).</param>
public sealed record Schedule(
    IReadOnlyList<Decision> Decisions,
    IReadOnlyList<WaitingRun> Waiting,
    IReadOnlyList<IdeaShare> Shares,
    DateTimeOffset? WakeAt);

public enum WaitReason
{
    /// <summary>Every device it could use is leased; its idea is below its fair share, so it is next as devices free up.</summary>
    PoolFull,

    /// <summary>Its idea already has its fair share of the pool (with the runs queued before it).</summary>
    FairShareReached,

    /// <summary>It needs several devices on one node; some are free, but not that many on one node.</summary>
    WaitingForOneNode,

    /// <summary>A node is reserved for it and is being emptied.</summary>
    NodeReserved,

    /// <summary>Devices are being freed for it: runs were asked to checkpoint and step aside.</summary>
    DevicesBeingFreed,

    /// <summary>No live node has that many devices of its kind.</summary>
    NoNodeFits,
}

/// <summary>Why a run waits and roughly when it should start (null when no live node can ever take it).</summary>
/// <param name="Node">The node it waits for, with <see cref="WaitReason.NodeReserved"/> and <see cref="WaitReason.DevicesBeingFreed"/>.</param>
public readonly record struct WaitingRun(Guid Run, WaitReason Reason, int Devices, DeviceKind? Kind, DateTimeOffset? EstimatedStart, string? Node)
{
    /// <summary>The reason in plain words, for people.</summary>
    public string Describe() => Reason switch
    {
        WaitReason.PoolFull => "pool full",
        WaitReason.FairShareReached => "fair share reached",
        WaitReason.WaitingForOneNode => $"waiting for {Devices} devices on one node",
        WaitReason.NodeReserved => $"waiting for {Devices} devices on one node ({Node} reserved for it)",
        WaitReason.DevicesBeingFreed => $"devices on {Node} are being freed for it",
        WaitReason.NoNodeFits => $"no live node has {Devices} {(Kind is { } kind ? $"{kind.ToString().ToLowerInvariant()} " : "")}devices",
        _ => Reason.ToString(),
    };
}

/// <summary>An idea's part of the pool after a pass.</summary>
/// <param name="Demand">Devices its waiting, running and stepping-aside runs ask for.</param>
/// <param name="Allocated">Devices it holds or is about to (stepping-aside runs excluded).</param>
/// <param name="FairShare">Its weighted max-min share of the live devices, given every idea's demand.</param>
public readonly record struct IdeaShare(Guid Idea, double Weight, int Demand, int Allocated, double FairShare);
