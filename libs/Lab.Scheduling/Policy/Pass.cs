using System.Numerics;
using System.Runtime.InteropServices;

namespace Lab.Scheduling.Policy;

/// <summary>
/// The working state of one pass of the policy, built from a <see cref="PoolState"/> into flat arrays that are
/// reused from pass to pass (the pool grain keeps one scheduler, so a pass allocates little beyond its result).
/// </summary>
internal sealed class Pass(SchedulingOptions options)
{
    public const double Epsilon = 1e-9;

    /// <summary>Index into per-kind tables for a run's wanted kind: Cpu, Cuda, or any.</summary>
    public const int AnyKind = 2;

    private readonly Dictionary<string, int> _nodeIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, int> _ideaIndex = [];
    private readonly List<IdeaSlot> _ideas = [];
    private readonly List<List<int>> _runsOnNode = [];
    private readonly int[] _largestNode = new int[3];
    private int[] _demands = [];
    private double[] _weights = [];
    private double[] _shares = [];

    public SchedulingOptions Options { get; } = options;

    public long NowTicks { get; private set; }

    public NodeSlot[] Nodes { get; private set; } = [];

    public int NodeCount { get; private set; }

    public int LiveNodes { get; private set; }

    /// <summary>Live devices.</summary>
    public int Capacity { get; private set; }

    public RunSlot[] Runs { get; private set; } = [];

    public int RunCount { get; private set; }

    public int IdeaCount { get; private set; }

    public List<Decision> Decisions { get; private set; } = [];

    public IdeaSlot Idea(int index) => _ideas[index];

    public List<int> RunsOn(int node) => _runsOnNode[node];

    public int NodeNamed(string name) => _nodeIndex.TryGetValue(name, out var node) ? node : -1;

    public void Load(PoolState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        NowTicks = state.Now.UtcTicks;
        Decisions = [];
        LoadNodes(state.Nodes);
        LoadRuns(state);
        ComputeShares();
    }

    private void LoadNodes(IReadOnlyList<PoolNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        NodeCount = nodes.Count;
        if (Nodes.Length < NodeCount)
        {
            Nodes = new NodeSlot[Math.Max(NodeCount, Nodes.Length * 2)];
        }
        while (_runsOnNode.Count < NodeCount)
        {
            _runsOnNode.Add([]);
        }
        _nodeIndex.Clear();
        Array.Clear(_largestNode);
        LiveNodes = 0;
        Capacity = 0;
        for (var i = 0; i < NodeCount; i++)
        {
            var node = nodes[i] ?? throw new ArgumentException("A node is null.", nameof(nodes));
            if (node.Devices is < 1 or > DeviceSet.MaxDevicesPerNode)
            {
                throw new ArgumentException($"Node '{node.Name}' has {node.Devices} devices; a node has 1 to {DeviceSet.MaxDevicesPerNode}.", nameof(nodes));
            }
            if (!_nodeIndex.TryAdd(node.Name, i))
            {
                throw new ArgumentException($"Node '{node.Name}' appears twice.", nameof(nodes));
            }
            Nodes[i] = new NodeSlot
            {
                Node = node,
                Free = node.Alive ? DeviceSet.FirstN(node.Devices).Mask : 0,
                ReservedFor = -1,
            };
            _runsOnNode[i].Clear();
            if (node.Alive)
            {
                LiveNodes++;
                Capacity += node.Devices;
                ref var largest = ref _largestNode[(int)node.Kind];
                largest = Math.Max(largest, node.Devices);
            }
        }
        _largestNode[AnyKind] = Math.Max(_largestNode[(int)DeviceKind.Cpu], _largestNode[(int)DeviceKind.Cuda]);
    }

    private void LoadRuns(PoolState state)
    {
        ArgumentNullException.ThrowIfNull(state.Runs);
        RunCount = state.Runs.Count;
        if (Runs.Length < RunCount)
        {
            Runs = new RunSlot[Math.Max(RunCount, Runs.Length * 2)];
        }
        _ideaIndex.Clear();
        IdeaCount = 0;
        for (var slot = 0; slot < RunCount; slot++)
        {
            var run = state.Runs[slot] ?? throw new ArgumentException("A run is null.", nameof(state));
            if (run.Devices is < 1 or > DeviceSet.MaxDevicesPerNode)
            {
                throw new ArgumentException($"Run {run.Id} asks for {run.Devices} devices; a run asks for 1 to {DeviceSet.MaxDevicesPerNode}.", nameof(state));
            }
            ref var r = ref Runs[slot];
            r = new RunSlot
            {
                Run = run,
                Idea = IdeaOf(run.Idea, state.Weights),
                Node = -1,
                Fate = RunFate.Waiting,
                SubmittedTicks = run.SubmittedAt.UtcTicks,
                QueuedTicks = (run.QueuedAt ?? run.SubmittedAt).UtcTicks,
                EstimateTicks = Math.Max(0, (run.Estimate ?? Options.DefaultEstimate).Ticks),
            };
            var idea = _ideas[r.Idea];
            idea.Demand += run.Devices;
            if (run.Lease is { } lease)
            {
                if (_nodeIndex.TryGetValue(lease.Node, out var node) && Nodes[node].Node.Alive)
                {
                    Lease(slot, node, lease);
                    continue;
                }
                // The node stopped heart-beating: the lease is void and the run waits again.
                Decisions.Add(new RequeueRun(run.Id, lease.Node));
                r.QueuedTicks = NowTicks;
            }
            idea.Waiting.Add(new QueueKey(r.SubmittedTicks, run.Id, slot));
        }
        for (var i = 0; i < IdeaCount; i++)
        {
            var waiting = CollectionsMarshal.AsSpan(_ideas[i].Waiting);
            if (!IsSorted(waiting))
            {
                waiting.Sort();
            }
        }
    }

    private void Lease(int slot, int node, RunLease lease)
    {
        ref var r = ref Runs[slot];
        ref var n = ref Nodes[node];
        var mask = lease.Devices.Mask;
        if (lease.Devices.Count != r.Size || (mask & DeviceSet.FirstN(n.Node.Devices).Mask) != mask)
        {
            throw new ArgumentException($"Run {r.Run.Id} needs {r.Size} devices but leases {lease.Devices} of node '{n.Node.Name}'.");
        }
        if ((n.Free & mask) != mask)
        {
            throw new ArgumentException($"Run {r.Run.Id} leases devices {lease.Devices} of node '{n.Node.Name}' that another run leases.");
        }
        n.Free &= ~mask;
        r.Node = node;
        r.Devices = mask;
        r.StartedTicks = lease.StartedAt.UtcTicks;
        if (r.Run.Stopping)
        {
            n.Leaving |= mask;
            r.Fate = RunFate.Stopping;
        }
        else
        {
            r.Fate = RunFate.Running;
            _ideas[r.Idea].Allocated += r.Size;
        }
        _runsOnNode[node].Add(slot);
    }

    private int IdeaOf(Guid id, IReadOnlyDictionary<Guid, double>? weights)
    {
        if (_ideaIndex.TryGetValue(id, out var index))
        {
            return index;
        }
        var weight = weights is not null && weights.TryGetValue(id, out var w) ? w : Options.DefaultWeight;
        if (!(weight > 0) || double.IsInfinity(weight))
        {
            throw new ArgumentException($"Idea {id} has weight {weight}; a weight is a positive number.");
        }
        index = IdeaCount++;
        if (_ideas.Count < IdeaCount)
        {
            _ideas.Add(new IdeaSlot());
        }
        _ideas[index].Reset(id, weight);
        _ideaIndex[id] = index;
        return index;
    }

    private void ComputeShares()
    {
        if (_demands.Length < IdeaCount)
        {
            var length = Math.Max(IdeaCount, _demands.Length * 2);
            _demands = new int[length];
            _weights = new double[length];
            _shares = new double[length];
        }
        for (var i = 0; i < IdeaCount; i++)
        {
            _demands[i] = _ideas[i].Demand;
            _weights[i] = _ideas[i].Weight;
        }
        FairShare.Compute(Capacity, _demands.AsSpan(0, IdeaCount), _weights.AsSpan(0, IdeaCount), _shares.AsSpan(0, IdeaCount));
        for (var i = 0; i < IdeaCount; i++)
        {
            _ideas[i].Share = _shares[i];
        }
    }

    private static bool IsSorted(ReadOnlySpan<QueueKey> keys)
    {
        for (var i = 1; i < keys.Length; i++)
        {
            if (keys[i - 1].CompareTo(keys[i]) > 0)
            {
                return false;
            }
        }
        return true;
    }

    // ---- Questions the phases ask ----

    public static int KindIndex(DeviceKind? kind) => kind is null ? AnyKind : (int)kind.Value;

    public bool Accepts(int node, in RunSlot run)
    {
        ref readonly var n = ref Nodes[node];
        return n.Node.Alive && n.Node.Devices >= run.Size && (run.Run.Kind is null || run.Run.Kind == n.Node.Kind);
    }

    /// <summary>Some live node is big enough and of its kind.</summary>
    public bool Placeable(in RunSlot run) => run.Size <= _largestNode[KindIndex(run.Run.Kind)];

    /// <summary>The most devices free and unpromised on one unreserved node of each kind (index <see cref="AnyKind"/>: any kind).</summary>
    public void LargestUsable(Span<int> largest)
    {
        largest.Clear();
        for (var i = 0; i < NodeCount; i++)
        {
            ref readonly var n = ref Nodes[i];
            if (n.Node.Alive && n.ReservedFor < 0)
            {
                ref var l = ref largest[(int)n.Node.Kind];
                l = Math.Max(l, BitOperations.PopCount(n.Usable));
            }
        }
        largest[AnyKind] = Math.Max(largest[(int)DeviceKind.Cpu], largest[(int)DeviceKind.Cuda]);
    }

    /// <summary>Free, unpromised devices on unreserved nodes that the run could use, in total.</summary>
    public int UsableDevicesFor(in RunSlot run)
    {
        var total = 0;
        for (var i = 0; i < NodeCount; i++)
        {
            ref readonly var n = ref Nodes[i];
            if (n.Node.Alive && n.ReservedFor < 0 && (run.Run.Kind is null || run.Run.Kind == n.Node.Kind))
            {
                total += BitOperations.PopCount(n.Usable);
            }
        }
        return total;
    }

    /// <summary>The run fits now in the free devices of one unreserved node.</summary>
    public bool FitsNow(in RunSlot run)
    {
        for (var i = 0; i < NodeCount; i++)
        {
            if (Nodes[i].ReservedFor < 0 && Accepts(i, run) && BitOperations.PopCount(Nodes[i].Usable) >= run.Size)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The run has run the minimum time since its last start, so it may be asked to step aside.</summary>
    public bool Preemptible(in RunSlot run) => run.Fate == RunFate.Running && EligibleTicks(run) <= NowTicks;

    public long EligibleTicks(in RunSlot run) => run.StartedTicks + Options.MinRunTime.Ticks;

    /// <summary>
    /// When a leased run's devices are expected back: at its estimated end, or, if it may be preempted, once it has run
    /// the minimum time and no earlier than <paramref name="askedFrom"/> (when a run waiting for it may first ask).
    /// </summary>
    public long ReleaseTicks(in RunSlot run, bool preemptible, long askedFrom = 0)
    {
        if (run.Fate is RunFate.Stopping or RunFate.Preempted)
        {
            return NowTicks;
        }
        var end = Math.Max(NowTicks, run.StartedTicks + run.EstimateTicks);
        return preemptible ? Math.Min(end, Math.Max(NowTicks, Math.Max(EligibleTicks(run), askedFrom))) : end;
    }

    /// <summary>
    /// Who gets devices first: fewer devices per weight; on a tie, the larger demand per weight (the idea with
    /// more still to do, so ideas that asked alike progress alike instead of the first to arrive always winning).
    /// Negative when <paramref name="a"/> goes first; 0 leaves it to the runs' order.
    /// </summary>
    public static int CompareNeed(IdeaSlot a, IdeaSlot b)
    {
        if (a.Usage < b.Usage - Epsilon)
        {
            return -1;
        }
        if (a.Usage > b.Usage + Epsilon)
        {
            return 1;
        }
        return (b.Demand / b.Weight).CompareTo(a.Demand / a.Weight);
    }

    /// <summary>
    /// Victim order: the most over-share idea (highest devices per weight) first, inside it the newest run.
    /// Positive when <paramref name="a"/> should step aside before <paramref name="b"/>.
    /// </summary>
    public int CompareVictims(int a, int b, bool tentative = false)
    {
        ref readonly var ra = ref Runs[a];
        ref readonly var rb = ref Runs[b];
        var ia = _ideas[ra.Idea];
        var ib = _ideas[rb.Idea];
        var ua = (tentative ? ia.Tentative : ia.Allocated) / ia.Weight;
        var ub = (tentative ? ib.Tentative : ib.Allocated) / ib.Weight;
        var c = ua.CompareTo(ub);
        if (c != 0)
        {
            return c;
        }
        c = ra.StartedTicks.CompareTo(rb.StartedTicks);
        if (c != 0)
        {
            return c;
        }
        c = ra.SubmittedTicks.CompareTo(rb.SubmittedTicks);
        return c != 0 ? c : ra.Run.Id.CompareTo(rb.Run.Id);
    }

    public static ulong TakeLowest(ulong mask, int count)
    {
        var taken = 0UL;
        for (var i = 0; i < count && mask != 0; i++)
        {
            var bit = mask & (~mask + 1);
            taken |= bit;
            mask ^= bit;
        }
        return taken;
    }

    // ---- What the phases do ----

    public void Start(int slot, int node, ulong devices)
    {
        ref var r = ref Runs[slot];
        ref var n = ref Nodes[node];
        n.Free &= ~devices;
        n.Claimed &= ~devices;
        if (r.Fate is RunFate.Waiting or RunFate.Reserved)
        {
            _ideas[r.Idea].Allocated += r.Size;
        }
        r.Fate = RunFate.Started;
        r.Node = node;
        r.Devices = devices;
        r.StartedTicks = NowTicks;
        _runsOnNode[node].Add(slot);
        Decisions.Add(new StartRun(r.Run.Id, n.Node.Name, new DeviceSet(devices)));
    }

    public void Preempt(int slot)
    {
        ref var r = ref Runs[slot];
        r.Fate = RunFate.Preempted;
        Nodes[r.Node].Leaving |= r.Devices;
        _ideas[r.Idea].Allocated -= r.Size;
        Decisions.Add(new PreemptRun(r.Run.Id, Nodes[r.Node].Node.Name));
    }

    /// <summary>Promise free or leaving devices of a node to a waiting run; it counts as its idea's from now on.</summary>
    public void Claim(int slot, int node, ulong devices)
    {
        ref var r = ref Runs[slot];
        if (r.Fate is RunFate.Waiting or RunFate.Reserved)
        {
            _ideas[r.Idea].Allocated += r.Size;
        }
        r.Fate = RunFate.Claimed;
        r.Node = node;
        r.Devices = devices;
        Nodes[node].Claimed |= devices;
    }

    public void Reserve(int slot, int node, bool isNew)
    {
        ref var r = ref Runs[slot];
        r.Fate = RunFate.Reserved;
        r.Node = node;
        Nodes[node].ReservedFor = slot;
        _ideas[r.Idea].HasReservation = true;
        if (isNew)
        {
            Decisions.Add(new ReserveNode(r.Run.Id, Nodes[node].Node.Name));
        }
    }
}
