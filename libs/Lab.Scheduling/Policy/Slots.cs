namespace Lab.Scheduling.Policy;

/// <summary>A node during a pass: which of its devices are free, leaving (held by a run stepping aside) or promised.</summary>
internal struct NodeSlot
{
    public PoolNode Node;

    /// <summary>Not leased.</summary>
    public ulong Free;

    /// <summary>Leased by runs stepping aside: free soon.</summary>
    public ulong Leaving;

    /// <summary>Free or leaving devices promised to a waiting run in this pass.</summary>
    public ulong Claimed;

    /// <summary>The run slot this node is reserved for, or -1.</summary>
    public int ReservedFor;

    public readonly ulong Usable => Free & ~Claimed;

    public readonly ulong UnclaimedLeaving => Leaving & ~Claimed;
}

/// <summary>A run during a pass.</summary>
internal struct RunSlot
{
    public PoolRun Run;
    public int Idea;

    /// <summary>Node of its lease, claim or reservation; -1 if none.</summary>
    public int Node;

    /// <summary>Devices leased, or claimed.</summary>
    public ulong Devices;

    public RunFate Fate;
    public long SubmittedTicks;
    public long QueuedTicks;
    public long StartedTicks;
    public long EstimateTicks;

    public readonly int Size => Run.Devices;
}

/// <summary>An idea during a pass: its weight, demand, share, devices and queue (first come, first served).</summary>
internal sealed class IdeaSlot
{
    public Guid Id;
    public double Weight;
    public int Demand;
    public double Share;

    /// <summary>Devices held by its running runs plus those started or claimed in this pass (stepping-aside runs excluded).</summary>
    public int Allocated;

    /// <summary>Scratch for trying a set of victims.</summary>
    public int Tentative;

    /// <summary>Scratch: position in <see cref="Waiting"/> of a phase, and whether the phase is done with it.</summary>
    public int Cursor;
    public bool Done;

    /// <summary>One of its waiting runs holds a node reservation (at most one per idea).</summary>
    public bool HasReservation;

    public List<QueueKey> Waiting { get; } = [];

    public double Usage => Allocated / Weight;

    public bool UnderShare => Allocated < Share - Pass.Epsilon;

    public bool OverShare => Allocated > Share + Pass.Epsilon;

    public void Reset(Guid id, double weight)
    {
        Id = id;
        Weight = weight;
        Demand = 0;
        Share = 0;
        Allocated = 0;
        Tentative = 0;
        Cursor = 0;
        Done = false;
        HasReservation = false;
        Waiting.Clear();
    }
}

/// <summary>First come, first served: by submission time, then by id so ties are deterministic.</summary>
internal readonly record struct QueueKey(long SubmittedTicks, Guid Id, int Slot) : IComparable<QueueKey>
{
    public int CompareTo(QueueKey other)
    {
        var bySubmission = SubmittedTicks.CompareTo(other.SubmittedTicks);
        return bySubmission != 0 ? bySubmission : Id.CompareTo(other.Id);
    }
}
