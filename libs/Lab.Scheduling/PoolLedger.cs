namespace Lab.Scheduling;

/// <summary>
/// The pool as it is: its nodes, the runs admitted and not over, and which run holds which devices. It asks the policy
/// (<see cref="PoolScheduler"/>) what to do, applies those decisions and the workers' reports to its state, checking each
/// one, and answers what each node should run and when the pool should look again. Pure (no clock, no I/O): the pool
/// grain keeps one and records every change in the run's stream before applying it here; the simulator keeps one and
/// plays the workers and the nodes around it. Not thread-safe.
/// </summary>
public sealed class PoolLedger
{
    private readonly PoolScheduler _scheduler;
    private readonly List<LedgerNode> _nodes = [];
    private readonly List<PoolNode> _policyNodes = [];
    private readonly Dictionary<string, LedgerNode> _nodesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, LedgerRun> _runs = [];
    private readonly List<LedgerRun> _order = [];
    private readonly List<PoolRun> _policyRuns = [];

    public PoolLedger(LedgerOptions? options = null)
    {
        Options = options ?? LedgerOptions.Default;
        _scheduler = new PoolScheduler(Options.Policy);
    }

    public LedgerOptions Options { get; }

    public IReadOnlyList<LedgerNode> Nodes => _nodes;

    /// <summary>Every admitted run that is not over, in the order the policy is given them.</summary>
    public IReadOnlyList<LedgerRun> Runs => _order;

    /// <summary>The last schedule <see cref="Decide"/> returned: why each run waited then, and each idea's share.</summary>
    public Schedule? LastSchedule { get; private set; }

    public LedgerNode? Node(string name) => _nodesByName.GetValueOrDefault(name);

    public LedgerRun? Run(Guid id) => _runs.GetValueOrDefault(id);

    // ---- Nodes ----

    /// <summary>
    /// A heartbeat of a node that is known, alive, offers the same devices and runs the same worker: it is noted, and
    /// true is answered. Otherwise (a node joining, coming back, with other devices, or with a restarted worker) nothing
    /// changes and false is answered: the caller records the node and calls <see cref="Join"/>.
    /// </summary>
    public bool Heard(PoolNode node, Guid? incarnation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Node(node.Name) is not { Alive: true } known || known.Node.Kind != node.Kind || known.Node.Devices != node.Devices ||
            Restarts(known, incarnation))
        {
            return false;
        }
        known.LastSeen = now;
        known.Incarnation ??= incarnation;
        return true;
    }

    /// <summary>
    /// The node joins, comes back, changes its devices or has a restarted worker, as of <paramref name="at"/>. Answers the
    /// leases it voided (those of a worker that restarted, or of a node lost meanwhile): requeue them before anything else.
    /// </summary>
    public IReadOnlyList<RequeueRun> Join(PoolNode node, Guid? incarnation, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(node);
        var live = node with { Alive = true };
        if (Node(node.Name) is not { } known)
        {
            known = new LedgerNode(_nodes.Count, live, incarnation, at);
            _nodes.Add(known);
            _policyNodes.Add(live);
            _nodesByName.Add(node.Name, known);
            return [];
        }
        if (Restarts(known, incarnation))
        {
            known.Generation++;
        }
        known.Incarnation = incarnation;
        known.LastSeen = at;
        SetNode(known, live);
        return [.. _order.Where(r => r.Run.Lease?.Node == node.Name && IsVoid(r)).Select(r => new RequeueRun(r.Id, node.Name))];
    }

    /// <summary>The node stopped heart-beating (last heard at <paramref name="lastSeen"/>): its leases are void, and the policy requeues their runs.</summary>
    public void Lose(string name, DateTimeOffset lastSeen)
    {
        var node = Node(name) ?? throw new InvalidOperationException($"Node '{name}' is unknown.");
        node.Generation++;
        node.LastSeen = lastSeen;
        SetNode(node, node.Node with { Alive = false });
    }

    /// <summary>Live nodes not heard from for longer than <see cref="LedgerOptions.HeartbeatTimeout"/>: to be lost.</summary>
    public IReadOnlyList<LedgerNode> Silent(DateTimeOffset now) => Options.HeartbeatTimeout is { } timeout
        ? [.. _nodes.Where(n => n.Alive && now - n.LastSeen > timeout)]
        : [];

    /// <summary>
    /// A pool that starts again from its records has heard no heartbeat yet: each node it counted on gets one heartbeat
    /// timeout from <paramref name="now"/> to show up.
    /// </summary>
    public void StartTimeouts(DateTimeOffset now)
    {
        foreach (var node in _nodes.Where(n => n.Alive))
        {
            node.LastSeen = now;
        }
    }

    private static bool Restarts(LedgerNode node, Guid? incarnation) =>
        node.Incarnation is { } was && incarnation is { } current && was != current;

    private void SetNode(LedgerNode node, PoolNode value)
    {
        node.Node = value;
        _policyNodes[node.Index] = value;
    }

    // ---- Runs ----

    /// <summary>
    /// Admits a run (a new one, one resumed after a cancellation, or one the pool finds in its records, maybe holding a
    /// lease), replacing any run of the same id. A recorded lease is taken as it is: the policy refuses an inconsistent pool.
    /// </summary>
    public LedgerRun Admit(LedgerRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (Run(run.Id) is { } previous)
        {
            Release(previous);
            Drop(previous);
        }
        run.Slot = _order.Count;
        _order.Add(run);
        _policyRuns.Add(run.Run);
        _runs.Add(run.Id, run);
        if (run.Run.Lease is { } lease && Node(lease.Node) is { } node)
        {
            node.Used |= lease.Devices.Mask;
            run.LeaseGeneration = node.Generation;
        }
        return run;
    }

    /// <summary>The run is cancelled: a waiting one leaves the pool; one holding devices steps aside, then leaves.</summary>
    public void Cancel(Guid id)
    {
        var run = Require(id);
        if (run.Run.Lease is null)
        {
            Drop(run);
            return;
        }
        run.Cancel();
        Update(run, run.Run with { Stopping = true });
    }

    /// <summary>The run's lease ends and it waits again, to resume from its checkpoint; a cancelled run leaves the pool instead.</summary>
    public void Requeue(Guid id, DateTimeOffset now)
    {
        var run = Require(id);
        if (run.Cancelled)
        {
            Remove(id, now);
            return;
        }
        EndLease(run, now);
        Update(run, run.Run with { Lease = null, Stopping = false, ReservedNode = null, QueuedAt = now });
    }

    /// <summary>The run is over (finished, failed, cancelled): its lease, if any, ends, and it leaves the pool.</summary>
    public void Remove(Guid id, DateTimeOffset now)
    {
        var run = Require(id);
        EndLease(run, now);
        Drop(run);
    }

    /// <summary>Whether a worker's report on <paramref name="node"/> is about the lease the run holds now (a late or repeated one is not).</summary>
    public bool Holds(string node, Guid id, int attempt) =>
        Run(id) is { } run && run.Run.Lease?.Node == node && run.Attempt == attempt;

    /// <summary>The run's training process started on its current lease, at <paramref name="step"/> (from its checkpoint).</summary>
    public void Started(Guid id, int attempt, int step, DateTimeOffset now)
    {
        if (Run(id) is { Run.Lease: not null } run && run.Attempt == attempt)
        {
            run.Started(step, now);
        }
    }

    /// <summary>The run reached <paramref name="step"/> on its current lease: its estimate is learned from its pace.</summary>
    public void Progressed(Guid id, int attempt, int step, DateTimeOffset now)
    {
        if (Run(id) is { Run.Lease: not null } run && run.Attempt == attempt)
        {
            run.Progressed(step, now);
            _policyRuns[run.Slot] = run.Run;
        }
    }

    /// <summary>Tells the policy how long the run should still need once (re)started (null: its default).</summary>
    public void Expect(Guid id, TimeSpan? estimate)
    {
        var run = Require(id);
        Update(run, run.Run with { Estimate = estimate });
    }

    /// <summary>Runs, not cancelled, that have held devices longer than <see cref="LedgerOptions.MaxRunTime"/>: to be failed.</summary>
    public IReadOnlyList<LedgerRun> OverTime(DateTimeOffset now) => Options.MaxRunTime is { } bound
        ? [.. _order.Where(r => !r.Cancelled && r.HeldAt(now) > bound)]
        : [];

    /// <summary>How many of <paramref name="owner"/>'s runs wait for devices.</summary>
    public int WaitingOf(Guid owner) => _order.Count(r => r.Owner == owner && r.Run.Lease is null);

    /// <summary>The runs leased on a node, that its worker should run (or stop, when <see cref="PoolRun.Stopping"/>).</summary>
    public IEnumerable<LedgerRun> LeasedOn(string node) => _order.Where(r => r.Run.Lease?.Node == node);

    private LedgerRun Require(Guid id) => Run(id) ?? throw new InvalidOperationException($"Run {id} is not in the pool.");

    private void Update(LedgerRun run, PoolRun value)
    {
        run.Set(value);
        _policyRuns[run.Slot] = value;
    }

    private void EndLease(LedgerRun run, DateTimeOffset now)
    {
        Release(run);
        run.EndLease(now);
    }

    /// <summary>The run's devices are no longer leased.</summary>
    private void Release(LedgerRun run)
    {
        if (run.Run.Lease is { } lease && Node(lease.Node) is { } node)
        {
            node.Used &= ~lease.Devices.Mask;
        }
    }

    /// <summary>Takes the run out of the lists; the last run takes its place, so that leaving costs the same however many runs wait.</summary>
    private void Drop(LedgerRun run)
    {
        var last = _order.Count - 1;
        var moved = _order[last];
        _order[run.Slot] = moved;
        _policyRuns[run.Slot] = moved.Run;
        moved.Slot = run.Slot;
        _order.RemoveAt(last);
        _policyRuns.RemoveAt(last);
        _runs.Remove(run.Id);
        run.Slot = -1;
    }

    private bool IsVoid(LedgerRun run) =>
        run.Run.Lease is { } lease && (Node(lease.Node) is not { Alive: true } node || node.Generation != run.LeaseGeneration);

    // ---- Decisions ----

    /// <summary>The pool as the policy sees it at <paramref name="now"/> (lists the ledger keeps up to date, not copies).</summary>
    public PoolState State(DateTimeOffset now) => new(now, _policyNodes, _policyRuns) { Weights = Options.Weights };

    /// <summary>Asks the policy what to do now; nothing changes until its decisions are applied, in order, with <see cref="Apply"/>.</summary>
    /// <exception cref="ArgumentException">The pool is inconsistent (say, a node came back with fewer devices than its leases use).</exception>
    public Schedule Decide(DateTimeOffset now)
    {
        foreach (var run in _order)
        {
            if (run.Overdue(now))
            {
                _policyRuns[run.Slot] = run.Run;
            }
        }
        return LastSchedule = _scheduler.Decide(State(now));
    }

    /// <summary>Throws if the decision does not fit the pool as it is now (a policy that broke its promises).</summary>
    /// <exception cref="InvalidOperationException">The decision is for an unknown run or node, or its run or devices are not as it says.</exception>
    public void Check(Decision decision, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (Refusal(decision) is { } why)
        {
            throw new InvalidOperationException($"At {now:O} the policy decided {decision}, but {why}.");
        }
    }

    /// <summary>Applies one decision of the policy, after checking it.</summary>
    public void Apply(Decision decision, DateTimeOffset now)
    {
        Check(decision, now);
        var run = _runs[decision.Run];
        switch (decision)
        {
            case StartRun start:
                var node = _nodesByName[start.Node];
                node.Used |= start.Devices.Mask;
                run.Place(run.Run with
                {
                    Lease = new RunLease(start.Node, start.Devices, now),
                    ReservedNode = null,
                    Stopping = false,
                }, node.Generation);
                _policyRuns[run.Slot] = run.Run;
                break;
            case PreemptRun:
                Update(run, run.Run with { Stopping = true });
                break;
            case RequeueRun:
                Requeue(run.Id, now);
                break;
            case ReserveNode reserve:
                Update(run, run.Run with { ReservedNode = reserve.Node });
                break;
        }
    }

    private string? Refusal(Decision decision)
    {
        if (Run(decision.Run) is not { } run)
        {
            return "the run is not in the pool";
        }
        var lease = run.Run.Lease;
        return decision switch
        {
            StartRun start => lease is not null ? "the run already holds devices" : Misfit(run, start),
            PreemptRun preempt => lease?.Node != preempt.Node || run.Run.Stopping ? "the run does not run on that node, or already steps aside" : null,
            RequeueRun requeue => lease?.Node != requeue.Node || !IsVoid(run) ? "the run holds no void lease on that node" : null,
            ReserveNode reserve => lease is not null ? "the run already holds devices" : Node(reserve.Node) is null ? "the node is unknown" : null,
            _ => $"{decision.GetType().Name} is not a decision the pool knows",
        };
    }

    private string? Misfit(LedgerRun run, StartRun start)
    {
        if (Node(start.Node) is not { Alive: true } node)
        {
            return "the node is not live";
        }
        var all = DeviceSet.FirstN(node.Node.Devices).Mask;
        if (start.Devices.Count != run.Run.Devices || (start.Devices.Mask & ~all) != 0 || (start.Devices.Mask & node.Used) != 0)
        {
            return $"devices {start.Devices} are the wrong number, not on the node or leased (leased: {new DeviceSet(node.Used)})";
        }
        return run.Run.Kind is { } kind && kind != node.Node.Kind ? "the node offers another kind of device" : null;
    }

    // ---- Waking ----

    /// <summary>
    /// When the pool should look again with nothing else happening: the policy's own wake-up (a minimum run time or a
    /// waiting bound elapses), the first instant a live node is silent too long, or a run's time on the pool runs out.
    /// Null when nothing is due.
    /// </summary>
    public DateTimeOffset? WakeAt
    {
        get
        {
            var wake = LastSchedule?.WakeAt;
            if (Options.HeartbeatTimeout is { } timeout)
            {
                foreach (var node in _nodes)
                {
                    if (node.Alive)
                    {
                        wake = Earliest(wake, node.LastSeen + timeout + Instant);
                    }
                }
            }
            if (Options.MaxRunTime is { } bound)
            {
                foreach (var run in _order)
                {
                    if (!run.Cancelled && (run.Run.Lease is not null || run.HeldBefore > bound))
                    {
                        var left = bound - run.HeldBefore;
                        wake = Earliest(wake, run.Run.Lease is { } lease ? lease.StartedAt + left + Instant : DateTimeOffset.MinValue);
                    }
                }
            }
            return wake;
        }
    }

    /// <summary>Bounds are "longer than": what is due at a bound is due the smallest instant after it.</summary>
    private static readonly TimeSpan Instant = TimeSpan.FromTicks(1);

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x <= b ? x : b;
}
