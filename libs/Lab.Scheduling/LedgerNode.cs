namespace Lab.Scheduling;

/// <summary>A node as the <see cref="PoolLedger"/> keeps it: its devices, whether it is counted on, and its worker.</summary>
public sealed class LedgerNode
{
    internal LedgerNode(int index, PoolNode node, Guid? incarnation, DateTimeOffset at)
    {
        Index = index;
        Node = node;
        Incarnation = incarnation;
        FirstSeen = at;
        LastSeen = at;
    }

    /// <summary>The node as the policy sees it.</summary>
    public PoolNode Node { get; internal set; }

    public string Name => Node.Name;

    public bool Alive => Node.Alive;

    public DateTimeOffset FirstSeen { get; }

    /// <summary>Its last heartbeat (or, for a pool that started from its records, when it started counting on the node again).</summary>
    public DateTimeOffset LastSeen { get; internal set; }

    /// <summary>The worker process on the node; a new one ran nothing of before.</summary>
    public Guid? Incarnation { get; internal set; }

    internal int Index { get; }

    /// <summary>
    /// Bumped when the node is lost or its worker restarts: a lease granted in an earlier generation is void, and its
    /// run is requeued.
    /// </summary>
    internal int Generation { get; set; }

    /// <summary>Devices leased by runs.</summary>
    internal ulong Used { get; set; }
}
