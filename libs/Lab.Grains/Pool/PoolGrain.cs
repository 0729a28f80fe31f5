using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Knowledge.Runs;
using Lab.Scheduling;
using Marten;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lab.Grains.Pool;

/// <summary>
/// The shared pool: which nodes are alive, which runs wait or hold devices, and the scheduling policy deciding between
/// them. Nothing here is kept only in memory: runs' queue order and leases are in the runs' streams (rebuilt from the
/// run list on activation), nodes in the pool's own stream; heartbeats are soft state that workers repeat, and a node
/// counted on before a restart gets one heartbeat timeout to show up again.
/// </summary>
public sealed partial class PoolGrain(
    IDocumentStore store,
    TimeProvider clock,
    IGrainFactory grains,
    IOptions<PoolOptions> options,
    IOptions<LabBounds> bounds,
    ILogger<PoolGrain> logger) : Grain, IPoolGrain
{
    private readonly Dictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, Ticket> _runs = [];
    private readonly PoolScheduler _scheduler = new(options.Value.ToScheduling());
    private Schedule? _schedule;
    private PoolView? _published;
    private long _streamVersion;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using (var session = store.QuerySession())
        {
            var events = await session.Events.FetchStreamAsync(PoolStream.Id, token: cancellationToken);
            foreach (var e in events)
            {
                Apply(e.Data, now);
                _streamVersion = e.Version;
            }
            var active = await session.Query<RunSummary>()
                .Where(r => r.Status == RunStatus.Queued || r.Status == RunStatus.Placed || r.Status == RunStatus.Running ||
                            r.Status == RunStatus.Stopping || (r.Status == RunStatus.Cancelled && r.Node != null))
                .ToListAsync(cancellationToken);
            foreach (var run in active)
            {
                _runs[run.Id] = Ticket.From(run);
            }
        }
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(options.Value.Tick, options.Value.Tick) { KeepAlive = true });
        Publish();
    }

    public Task<NodeOrders> Heartbeat(NodeHeartbeat heartbeat)
    {
        Refusals.ThrowIfAny(PoolRules.Validate(heartbeat));
        return PublishingAsync(async () =>
        {
            var now = clock.GetUtcNow();
            var changed = await SeeNodeAsync(heartbeat, now);
            foreach (var report in heartbeat.Reports ?? [])
            {
                changed |= await RecordAsync(heartbeat.Node, report);
            }
            if (changed)
            {
                await RescheduleAsync();
            }
            return OrdersFor(heartbeat.Node);
        });
    }

    /// <summary>
    /// The view published when the pool's last call finished. Reading it interleaves with the other calls (a pool view
    /// never waits behind a heartbeat), so it must not see one still in progress half applied: a lease already ended,
    /// the run waiting for those devices not yet placed.
    /// </summary>
    public Task<PoolView> Get() => Task.FromResult(_published ??= Snapshot());

    private void Publish() => _published = Snapshot();

    /// <summary>Runs one of the pool's calls, then publishes the view it leaves, also when it fails part of the way.</summary>
    private async Task<T> PublishingAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        finally
        {
            Publish();
        }
    }

    private PoolView Snapshot()
    {
        var leases = _runs.Values.Where(t => t.Run.Lease is not null).ToList();
        var nodes = _nodes.Values
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => new NodeView(n.Name, n.Devices, n.FirstSeen, n.LastSeen, n.Alive,
                leases.Where(t => t.Run.Lease!.Value.Node == n.Name).Sum(t => t.Run.Lease!.Value.Devices.Count), n.WorkerUrl))
            .ToList();
        var live = nodes.Where(n => n.Alive).Sum(n => n.Devices.Count);
        var inUse = nodes.Where(n => n.Alive).Sum(n => n.DevicesInUse);
        var running = leases
            .OrderBy(t => t.Run.Lease!.Value.Node, StringComparer.Ordinal).ThenBy(t => t.Run.Lease!.Value.StartedAt)
            .Select(t => new LeaseView(t.Run.Id, t.Run.Idea, t.Run.Lease!.Value.Node, t.Run.Lease.Value.Devices.ToArray(), t.Run.Lease.Value.StartedAt, t.Run.Stopping))
            .ToList();
        var queue = (_schedule?.Waiting ?? [])
            .Where(w => _runs.ContainsKey(w.Run))
            .Select(w => (Wait: w, Ticket: _runs[w.Run]))
            .Select(x => new QueuedRunView(x.Wait.Run, x.Ticket.Run.Idea, x.Wait.Devices, x.Ticket.Kind, x.Ticket.Run.SubmittedAt, x.Wait.Describe(), x.Wait.EstimatedStart))
            .ToList();
        var shares = (_schedule?.Shares ?? [])
            .Select(s => new IdeaShareView(s.Idea, s.Weight, s.Demand, s.Allocated, Math.Round(s.FairShare, 3)))
            .ToList();
        return new PoolView(nodes, live, inUse, live == 0 ? 0 : Math.Round((double)inUse / live, 4), running, queue, shares);
    }

    public Task<RunView> Submit(Guid runId, SubmitRun run, Guid submittedBy) => PublishingAsync(async () =>
    {
        ThrowIfTooManyWaiting(submittedBy);
        var grain = grains.GetGrain<IRunGrain>(runId);
        var view = await grain.Submit(run, submittedBy);
        _runs[runId] = Ticket.From(view);
        await RescheduleAsync();
        return await grain.Get() ?? view;
    });

    public Task<RunView> Cancel(Guid runId, Guid by) => PublishingAsync(async () =>
    {
        var view = await grains.GetGrain<IRunGrain>(runId).Cancel(by);
        if (_runs.TryGetValue(runId, out var ticket))
        {
            if (ticket.Run.Lease is null)
            {
                _runs.Remove(runId);
            }
            else
            {
                ticket.Cancelled = true;
                ticket.Run = ticket.Run with { Stopping = true };
            }
            await RescheduleAsync();
        }
        return view;
    });

    public Task<RunView> Resume(Guid runId, Guid by) => PublishingAsync(async () =>
    {
        ThrowIfTooManyWaiting(by);
        var view = await grains.GetGrain<IRunGrain>(runId).Reopen(by);
        _runs[runId] = Ticket.From(view);
        await RescheduleAsync();
        return await grains.GetGrain<IRunGrain>(runId).Get() ?? view;
    });

    /// <summary>
    /// A member may have only so many runs waiting at once, the same number for everyone: each one costs the scheduler
    /// work on every decision. Checked before anything is written.
    /// </summary>
    private void ThrowIfTooManyWaiting(Guid member)
    {
        var waiting = _runs.Values.Count(t => t.SubmittedBy == member && t.Run.Lease is null);
        var most = bounds.Value.MaxQueuedRunsPerMember;
        if (waiting >= most)
        {
            throw new LabRefusedException(
                $"You have {waiting} runs waiting for devices, and the lab lets every member have at most {most} waiting at once. " +
                "Submit more as these start, or cancel one; the bound is the same for everyone.", LabRefusal.TooMany);
        }
    }

    /// <summary>Marks the nodes that stopped beating as lost, fails runs past the lab's time bound, and runs the policy again; answers how many nodes were lost.</summary>
    private Task TickAsync(CancellationToken cancellationToken) => PublishingAsync(async () =>
    {
        var now = clock.GetUtcNow();
        var lost = _nodes.Values.Where(n => n.Alive && now - n.LastSeen > options.Value.HeartbeatTimeout).ToList();
        foreach (var node in lost)
        {
            LogNodeLost(node.Name, node.LastSeen);
            await AppendAsync(new NodeLost(node.Name, node.LastSeen, now));
        }
        await FailOverTimeAsync(now);
        await RescheduleAsync();
        return lost.Count;
    });

    /// <summary>
    /// Fails every run that has held devices longer than the lab's bound (all its placements together) and takes its
    /// lease away: its worker, no longer told to run it, stops it.
    /// </summary>
    private async Task FailOverTimeAsync(DateTimeOffset now)
    {
        var bound = bounds.Value.MaxRunTime;
        foreach (var (id, ticket) in _runs.Where(r => !r.Value.Cancelled && r.Value.HeldAt(now) > bound).ToList())
        {
            LogOverTime(id, ticket.HeldAt(now));
            try
            {
                await grains.GetGrain<IRunGrain>(id).Fail($"ran longer than the lab's bound of {LabBounds.Describe(bound)}");
                _runs.Remove(id);
            }
            catch (LabRefusedException e)
            {
                LogDecisionRefused(id, "Fail", e.Message);
            }
        }
    }

    /// <summary>
    /// Records the node; only a node joining, coming back, changing its devices or restarting its worker is an event. A
    /// restarted worker runs nothing it ran before: its runs are requeued at once, to resume from their checkpoints.
    /// </summary>
    private async Task<bool> SeeNodeAsync(NodeHeartbeat heartbeat, DateTimeOffset now)
    {
        _nodes.TryGetValue(heartbeat.Node, out var known);
        var restarted = known?.Incarnation is { } was && heartbeat.Incarnation is { } current && was != current;
        if (known is not null && known.Alive && !restarted && known.Devices.SequenceEqual(heartbeat.Devices))
        {
            known.LastSeen = now;
            known.WorkerUrl = heartbeat.WorkerUrl;
            known.Incarnation ??= heartbeat.Incarnation;
            return false;
        }
        await AppendAsync(new NodeJoined(heartbeat.Node, heartbeat.Devices, heartbeat.WorkerUrl, now, heartbeat.Incarnation));
        if (restarted)
        {
            await RequeueLeasesAsync(heartbeat.Node, $"its worker on {heartbeat.Node} restarted");
        }
        return true;
    }

    /// <summary>Ends every lease on <paramref name="node"/> and puts its runs back in the queue.</summary>
    private async Task RequeueLeasesAsync(string node, string reason)
    {
        foreach (var (id, ticket) in _runs.Where(r => r.Value.Run.Lease?.Node == node).ToList())
        {
            await RequeueAsync(id, ticket, reason);
        }
    }

    /// <summary>Ends the run's lease and puts it back in the queue (a run already over only gives its devices back).</summary>
    private async Task RequeueAsync(Guid id, Ticket ticket, string reason)
    {
        var requeued = await grains.GetGrain<IRunGrain>(id).Requeue(reason);
        if (RunRules.IsOver(requeued.Status))
        {
            _runs.Remove(id);
        }
        else
        {
            ticket.Requeue(requeued, clock.GetUtcNow());
        }
    }

    /// <summary>Passes one report of a node's worker to its run; returns whether the pool changed (a lease ended).</summary>
    private async Task<bool> RecordAsync(string node, RunReport report)
    {
        if (!_runs.TryGetValue(report.RunId, out var ticket) || ticket.Run.Lease?.Node != node || ticket.Attempt != report.Attempt)
        {
            return false; // a report of a lease that is already over (requeued, or a late duplicate): nothing to change
        }
        var run = grains.GetGrain<IRunGrain>(report.RunId);
        try
        {
            if (!report.EndsLease)
            {
                var view = await run.Record(report);
                ticket.Observe(view, report, clock.GetUtcNow());
                return false;
            }
            var ended = await run.End(report);
            if (RunRules.IsOver(ended.Status))
            {
                _runs.Remove(report.RunId);
            }
            else
            {
                ticket.Requeue(ended, clock.GetUtcNow());
            }
            return true;
        }
        catch (LabRefusedException e)
        {
            LogReportRefused(report.RunId, report.Kind, e.Message);
            return false;
        }
    }

    /// <summary>Runs the policy on the pool as it is now and applies its decisions, each one recorded in the run's stream first.</summary>
    private async Task RescheduleAsync()
    {
        var now = clock.GetUtcNow();
        var nodes = _nodes.Values.Select(n => n.ToPoolNode()).ToList();
        Schedule schedule;
        try
        {
            schedule = _scheduler.Decide(new PoolState(now, nodes, [.. _runs.Values.Select(t => t.Run)]));
        }
        catch (ArgumentException e)
        {
            // An inconsistent pool (a node came back with fewer devices than its leases use) must not stop the others' heartbeats.
            LogInconsistent(e.Message);
            return;
        }
        foreach (var decision in schedule.Decisions)
        {
            if (!_runs.TryGetValue(decision.Run, out var ticket))
            {
                continue;
            }
            var run = grains.GetGrain<IRunGrain>(decision.Run);
            try
            {
                switch (decision)
                {
                    case RequeueRun requeue:
                        LogRequeued(decision.Run, requeue.Node);
                        await RequeueAsync(decision.Run, ticket, $"node {requeue.Node} stopped heart-beating");
                        break;
                    case ReserveNode reserve:
                        ticket.Run = ticket.Run with { ReservedNode = reserve.Node };
                        break;
                    case PreemptRun preempt:
                        await run.Preempt(preempt.Node);
                        ticket.Run = ticket.Run with { Stopping = true };
                        break;
                    case StartRun start:
                        var placed = await run.Place(start.Node, start.Devices.ToArray(), ticket.Attempt + 1);
                        ticket.Attempt = placed.Attempts;
                        ticket.Run = ticket.Run with { Lease = new RunLease(start.Node, start.Devices, now), ReservedNode = null };
                        break;
                }
            }
            catch (LabRefusedException e)
            {
                // The run changed under the pool (cancelled meanwhile): take it as it now is.
                LogDecisionRefused(decision.Run, decision.GetType().Name, e.Message);
                var current = await run.Get();
                if (current is null || RunRules.IsOver(current.Status) && current.Node is null)
                {
                    _runs.Remove(decision.Run);
                }
            }
        }
        _schedule = schedule;
    }

    private NodeOrders OrdersFor(string node) => new(node, [.. _runs.Values
        .Where(t => t.Run.Lease?.Node == node)
        .Select(t => new RunOrder(t.Run.Id, t.Attempt, t.Config, t.Run.Lease!.Value.Devices.ToArray(), t.Run.Stopping || t.Cancelled))]);

    private async Task AppendAsync(object change)
    {
        var now = clock.GetUtcNow();
        await using var session = store.LightweightSession();
        if (_streamVersion == 0)
        {
            session.Events.StartStream(PoolStream.Id, change);
        }
        else
        {
            session.Events.Append(PoolStream.Id, _streamVersion + 1, change);
        }
        await session.SaveChangesAsync();
        _streamVersion++;
        Apply(change, now);
    }

    private void Apply(object change, DateTimeOffset now)
    {
        switch (change)
        {
            case NodeJoined joined:
                var firstSeen = _nodes.TryGetValue(joined.Node, out var known) ? known.FirstSeen : joined.At;
                _nodes[joined.Node] = new NodeState(joined.Node, joined.Devices, firstSeen) { LastSeen = now, Alive = true, WorkerUrl = joined.WorkerUrl, Incarnation = joined.Incarnation };
                break;
            case NodeLost lost when _nodes.TryGetValue(lost.Node, out var node):
                node.Alive = false;
                node.LastSeen = lost.LastSeen;
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} stopped heart-beating (last seen {LastSeen}); its runs are requeued")]
    private partial void LogNodeLost(string node, DateTimeOffset lastSeen);

    [LoggerMessage(Level = LogLevel.Error, Message = "The pool's state is inconsistent; no decisions until it changes: {Reason}")]
    private partial void LogInconsistent(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {Run} requeued: its node {Node} is gone")]
    private partial void LogRequeued(Guid run, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Kind} report of run {Run} was refused: {Reason}")]
    private partial void LogReportRefused(Guid run, RunReportKind kind, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {Run} has held devices for {Held}, longer than the lab's bound: it fails")]
    private partial void LogOverTime(Guid run, TimeSpan held);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Decision {Decision} for run {Run} was refused: {Reason}")]
    private partial void LogDecisionRefused(Guid run, string decision, string reason);

    private sealed class NodeState(string name, IReadOnlyList<DeviceView> devices, DateTimeOffset firstSeen)
    {
        public string Name { get; } = name;
        public IReadOnlyList<DeviceView> Devices { get; } = devices;
        public DateTimeOffset FirstSeen { get; } = firstSeen;
        public DateTimeOffset LastSeen { get; set; }
        public bool Alive { get; set; }
        public string? WorkerUrl { get; set; }
        public Guid? Incarnation { get; set; }

        public PoolNode ToPoolNode() => new(Name, Kinds.Of(Devices[0].Kind) ?? DeviceKind.Cpu, Devices.Count, Alive);
    }
}
