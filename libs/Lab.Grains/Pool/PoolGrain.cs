using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Knowledge.Pool;
using Lab.Knowledge.Runs;
using Lab.Scheduling;
using Marten;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lab.Grains.Pool;

/// <summary>
/// The shared pool. What it is (nodes, runs that wait or hold devices) and what changes it (the policy's decisions,
/// leases that end) live in a <see cref="PoolLedger"/>, the same one the simulator runs; this grain records each change
/// before the ledger applies it: a decision or a lease's end in the run's stream (through <see cref="IRunGrain"/>), a
/// node joining or being lost in the pool's own stream, whose state (<see cref="PoolNodes"/>, the nodes it counts on) is
/// the grain's event-sourced state. On activation the ledger is rebuilt from those nodes and the run list; heartbeats are soft state that workers repeat, and a node counted on before a restart gets one
/// heartbeat timeout to show up again. The pool looks again (silent nodes, runs past the lab's time bound, the policy)
/// when the ledger says it should (<see cref="PoolLedger.WakeAt"/>), on a grain timer, and first thing in any call
/// that comes after that moment.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)] // the one pool of the lab, and its timer is what notices silent nodes
public sealed partial class PoolGrain(
    IDocumentStore store,
    TimeProvider clock,
    IGrainFactory grains,
    IOptions<PoolOptions> options,
    IOptions<LabBounds> bounds,
    ILogger<PoolGrain> logger) : EventSourcedGrain<PoolNodes>(store, "pool"), IPoolGrain
{
    /// <summary>
    /// When what fell due could not be done (the database unreachable, a run grain refusing, a pool the policy finds
    /// inconsistent), the pool tries again this much later rather than at once.
    /// </summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>The longest a wake-up is set ahead; an early wake-up only finds nothing due and sets the next.</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);

    private readonly PoolLedger _ledger = new(options.Value.ToLedger(bounds.Value));

    /// <summary>Where each node's worker answers, as its latest heartbeat said: soft state, like the heartbeats themselves.</summary>
    private readonly Dictionary<string, string?> _workerUrls = new(StringComparer.Ordinal);

    /// <summary>How each node's devices were used at its last heartbeat: soft state, for the view only.</summary>
    private readonly Dictionary<string, IReadOnlyList<DeviceUsage>?> _usage = new(StringComparer.Ordinal);
    private IGrainTimer? _timer;
    private PoolView? _published;

    /// <summary>The pool has not looked since it was activated, or its last look failed part of the way.</summary>
    private bool _behind = true;

    protected override Guid Id => PoolStream.Id;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);
        foreach (var node in State?.Nodes ?? [])
        {
            _workerUrls[node.Name] = node.WorkerUrl;
            _ledger.Join(NodeOf(node.Name, node.Devices), node.Incarnation, node.FirstJoinedAt);
            if (node.LostLastSeen is { } lastSeen)
            {
                _ledger.Lose(node.Name, lastSeen);
            }
        }
        _ledger.StartTimeouts(clock.GetUtcNow());
        await using (var session = Store.QuerySession())
        {
            var active = await session.Query<RunSummary>()
                .Where(r => r.Status == RunStatus.Queued || r.Status == RunStatus.Placed || r.Status == RunStatus.Running ||
                            r.Status == RunStatus.Stopping || (r.Status == RunStatus.Cancelled && r.Node != null))
                .ToListAsync(cancellationToken);
            foreach (var run in active)
            {
                _ledger.Admit(PoolEntries.From(run));
            }
        }
        // Due at once: the pool decides about what it found before anything else.
        _timer = this.RegisterGrainTimer(WakeAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        Publish();
    }

    public Task<NodeOrders> Heartbeat(NodeHeartbeat heartbeat)
    {
        Refusals.ThrowIfAny(PoolRules.Validate(heartbeat));
        return CallAsync(async () =>
        {
            var changed = await SeeNodeAsync(heartbeat);
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
    public Task<PoolView> Get()
    {
        var view = _published ??= Snapshot();
        // Estimates date from the pool's last look (at most a heartbeat ago): one that has come due says "now", never the past.
        var now = clock.GetUtcNow();
        return Task.FromResult(view.Queue is { } queue && queue.Any(q => q.EstimatedStart < now)
            ? view with { Queue = [.. queue.Select(q => q.EstimatedStart < now ? q with { EstimatedStart = now } : q)] }
            : view);
    }

    public Task<RunView> Submit(Guid runId, SubmitRun run, Guid submittedBy) => CallAsync(async () =>
    {
        ThrowIfTooManyWaiting(submittedBy);
        var grain = grains.GetGrain<IRunGrain>(runId);
        var view = await grain.Submit(run, submittedBy);
        _ledger.Admit(PoolEntries.From(view));
        await RescheduleAsync();
        return await grain.Get() ?? view;
    });

    public Task<RunView> Cancel(Guid runId, Guid by) => CallAsync(async () =>
    {
        var view = await grains.GetGrain<IRunGrain>(runId).Cancel(by);
        if (_ledger.Run(runId) is not null)
        {
            _ledger.Cancel(runId);
            await RescheduleAsync();
        }
        return view;
    });

    public Task<RunView> Resume(Guid runId, Guid by) => CallAsync(async () =>
    {
        ThrowIfTooManyWaiting(by);
        var grain = grains.GetGrain<IRunGrain>(runId);
        var view = await grain.Reopen(by);
        _ledger.Admit(PoolEntries.From(view));
        await RescheduleAsync();
        return await grain.Get() ?? view;
    });

    /// <summary>
    /// Runs one of the pool's calls: first what fell due since the pool last looked, then the call itself; then, also
    /// when it fails part of the way, publishes the view it leaves and sets the next wake-up.
    /// </summary>
    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            if (_behind || _ledger.WakeAt <= clock.GetUtcNow())
            {
                await LookAsync();
            }
            return await call();
        }
        finally
        {
            Publish();
            SetWakeUp();
        }
    }

    /// <summary>The timer: the pool wakes up when something fell due, with no call to catch it up.</summary>
    private Task WakeAsync(CancellationToken cancellationToken) => CallAsync(() => Task.FromResult(true));

    /// <summary>Marks the nodes that stopped beating as lost, fails runs past the lab's time bound, and runs the policy again.</summary>
    private async Task LookAsync()
    {
        _behind = true;
        var now = clock.GetUtcNow();
        foreach (var node in _ledger.Silent(now))
        {
            LogNodeLost(node.Name, node.LastSeen);
            await AppendAsync(new NodeLost(node.Name, node.LastSeen, now));
        }
        await FailOverTimeAsync(now);
        await RescheduleAsync();
        _behind = false;
    }

    private void SetWakeUp()
    {
        var now = clock.GetUtcNow();
        var at = _behind ? now + RetryAfter : _ledger.WakeAt;
        if (at is null)
        {
            _timer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        // Due already: what fell due could not be done (a run refused to fail, an inconsistent pool); try again shortly.
        var due = at.Value > now ? at.Value - now : RetryAfter;
        // Grain timers count whole milliseconds: round up, so the pool never wakes a moment too early and finds nothing due.
        _timer!.Change(TimeSpan.FromMilliseconds(Math.Ceiling(Math.Min(due.TotalMilliseconds, LongestWait.TotalMilliseconds))), Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// A member may have only so many runs waiting at once, the same number for everyone: each one costs the scheduler
    /// work on every decision. Checked before anything is written.
    /// </summary>
    private void ThrowIfTooManyWaiting(Guid member)
    {
        var waiting = _ledger.WaitingOf(member);
        var most = bounds.Value.MaxQueuedRunsPerMember;
        if (waiting >= most)
        {
            throw new LabRefusedException(
                $"You have {waiting} runs waiting for devices, and the lab lets every member have at most {most} waiting at once. " +
                "Submit more as these start, or cancel one; the bound is the same for everyone.", LabRefusal.TooMany);
        }
    }

    /// <summary>
    /// Fails every run that has held devices longer than the lab's bound (all its placements together) and takes its
    /// lease away: its worker, no longer told to run it, stops it.
    /// </summary>
    private async Task FailOverTimeAsync(DateTimeOffset now)
    {
        var bound = bounds.Value.MaxRunTime;
        foreach (var run in _ledger.OverTime(now))
        {
            LogOverTime(run.Id, run.HeldAt(now));
            try
            {
                await grains.GetGrain<IRunGrain>(run.Id).Fail($"ran longer than the lab's bound of {LabBounds.Describe(bound)}");
                _ledger.Remove(run.Id, now);
            }
            catch (LabRefusedException e)
            {
                LogDecisionRefused(run.Id, "Fail", e.Message);
            }
        }
    }

    /// <summary>
    /// Records the node; only a node joining, coming back, changing its devices or restarting its worker is an event. A
    /// restarted worker runs nothing it ran before: its runs are requeued at once, to resume from their checkpoints.
    /// </summary>
    private async Task<bool> SeeNodeAsync(NodeHeartbeat heartbeat)
    {
        var now = clock.GetUtcNow();
        _usage[heartbeat.Node] = heartbeat.Usage;
        if (_ledger.Heard(NodeOf(heartbeat.Node, heartbeat.Devices), heartbeat.Incarnation, now) &&
            State?.Node(heartbeat.Node) is { } known && known.Devices.SequenceEqual(heartbeat.Devices))
        {
            _workerUrls[heartbeat.Node] = heartbeat.WorkerUrl;
            return false;
        }
        // A live node's leases are voided only by its worker restarting; a lost node's by its silence.
        var reason = _ledger.Node(heartbeat.Node) is { Alive: true } ? $"its worker on {heartbeat.Node} restarted" : null;
        foreach (var requeue in await AppendAsync(new NodeJoined(heartbeat.Node, heartbeat.Devices, heartbeat.WorkerUrl, now, heartbeat.Incarnation)))
        {
            await ApplyAsync(requeue, reason);
        }
        return true;
    }

    /// <summary>
    /// Takes in one report of a node's worker; returns whether the pool should look again: a lease ended, or a run's pace
    /// moved its estimated end and with it the estimated starts of the runs waiting behind it. The heartbeat endpoint
    /// has recorded the reports that do not end a lease with their runs already: from those the pool only learns how
    /// far each run is, for its estimated end.
    /// </summary>
    private async Task<bool> RecordAsync(string node, RunReport report)
    {
        if (!_ledger.Holds(node, report.RunId, report.Attempt))
        {
            return false; // a report of a lease that is already over (requeued, or a late duplicate): nothing to change
        }
        var now = clock.GetUtcNow();
        if (!report.EndsLease)
        {
            if (report.Kind == RunReportKind.Started)
            {
                _ledger.Started(report.RunId, report.Attempt, report.Step, now);
            }
            else
            {
                _ledger.Progressed(report.RunId, report.Attempt, report.Step, now);
            }
            return report.Kind != RunReportKind.Started && _ledger.Runs.Any(r => r.Run.Lease is null);
        }
        try
        {
            var ended = await grains.GetGrain<IRunGrain>(report.RunId).End(report);
            if (RunRules.IsOver(ended.Status))
            {
                _ledger.Remove(report.RunId, clock.GetUtcNow());
            }
            else
            {
                _ledger.Requeue(report.RunId, clock.GetUtcNow());
            }
            return true;
        }
        catch (LabRefusedException e)
        {
            LogReportRefused(report.RunId, report.Kind, e.Message);
            return false;
        }
    }

    /// <summary>Runs the policy on the pool as it is now and applies its decisions in order.</summary>
    private async Task RescheduleAsync()
    {
        Schedule schedule;
        try
        {
            schedule = _ledger.Decide(clock.GetUtcNow());
        }
        catch (ArgumentException e)
        {
            // An inconsistent pool (a node came back with fewer devices than its leases use) must not stop the others' heartbeats.
            LogInconsistent(e.Message);
            return;
        }
        foreach (var decision in schedule.Decisions)
        {
            if (_ledger.Run(decision.Run) is not null && !await ApplyAsync(decision))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Applies one decision: recorded in the run's stream first, then in the ledger. Answers false when the decision does
    /// not fit the pool (a fault of the policy: none of the rest of its schedule is applied).
    /// </summary>
    private async Task<bool> ApplyAsync(Decision decision, string? requeueReason = null)
    {
        var now = clock.GetUtcNow();
        try
        {
            _ledger.Check(decision, now);
        }
        catch (InvalidOperationException e)
        {
            LogInconsistent(e.Message);
            return false;
        }
        var run = grains.GetGrain<IRunGrain>(decision.Run);
        try
        {
            switch (decision)
            {
                case RequeueRun requeue:
                    LogRequeued(decision.Run, requeue.Node);
                    await run.Requeue(requeueReason ?? $"node {requeue.Node} stopped heart-beating");
                    break;
                case PreemptRun preempt:
                    await run.Preempt(preempt.Node);
                    break;
                case StartRun start:
                    await run.Place(start.Node, start.Devices.ToArray(), _ledger.Run(decision.Run)!.Attempt + 1);
                    break;
            }
            // A reservation is kept in the ledger only: a restarted pool reserves again if the run still needs it.
            _ledger.Apply(decision, now);
        }
        catch (LabRefusedException e)
        {
            // The run changed under the pool (cancelled meanwhile): take it as it now is.
            LogDecisionRefused(decision.Run, decision.GetType().Name, e.Message);
            var current = await run.Get();
            if (current is null || RunRules.IsOver(current.Status) && current.Node is null)
            {
                _ledger.Remove(decision.Run, now);
            }
        }
        return true;
    }

    private NodeOrders OrdersFor(string node) => new(node, [.. _ledger.LeasedOn(node)
        .Select(r => new RunOrder(r.Id, r.Attempt, r.Config, r.Run.Lease!.Value.Devices.ToArray(), r.Run.Stopping))]);

    private void Publish() => _published = Snapshot();

    private PoolView Snapshot()
    {
        var leased = _ledger.Runs.Where(r => r.Run.Lease is not null).ToList();
        var nodes = _ledger.Nodes
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => new NodeView(n.Name, State!.Node(n.Name)!.Devices, n.FirstSeen, n.LastSeen, n.Alive,
                leased.Where(r => r.Run.Lease!.Value.Node == n.Name).Sum(r => r.Run.Lease!.Value.Devices.Count), _workerUrls.GetValueOrDefault(n.Name),
                n.Alive ? _usage.GetValueOrDefault(n.Name) : null))
            .ToList();
        var live = nodes.Where(n => n.Alive).Sum(n => n.Devices.Count);
        var inUse = nodes.Where(n => n.Alive).Sum(n => n.DevicesInUse);
        var running = leased
            .Select(r => (r.Run, Lease: r.Run.Lease!.Value))
            .OrderBy(r => r.Lease.Node, StringComparer.Ordinal).ThenBy(r => r.Lease.StartedAt)
            .Select(r => new LeaseView(r.Run.Id, r.Run.Idea, r.Lease.Node, r.Lease.Devices.ToArray(), r.Lease.StartedAt, r.Run.Stopping))
            .ToList();
        var schedule = _ledger.LastSchedule;
        var queue = (schedule?.Waiting ?? [])
            .Select(w => (Wait: w, Entry: _ledger.Run(w.Run)))
            .Where(x => x.Entry is not null)
            .Select(x => new QueuedRunView(x.Wait.Run, x.Entry!.Run.Idea, x.Wait.Devices, Kinds.Name(x.Entry.Run.Kind), x.Entry.Run.SubmittedAt, x.Wait.Describe(), x.Wait.EstimatedStart))
            .ToList();
        var shares = (schedule?.Shares ?? [])
            .Select(s => new IdeaShareView(s.Idea, s.Weight, s.Demand, s.Allocated, Math.Round(s.FairShare, 3)))
            .ToList();
        return new PoolView(nodes, live, inUse, live == 0 ? 0 : Math.Round((double)inUse / live, 4), running, queue, shares);
    }

    /// <summary>
    /// Records a change in the pool's own stream, then applies it to the ledger; answers the leases it voided. Another
    /// writer of the pool's stream means two activations of the one pool: this one steps down and the next call finds
    /// the pool rebuilt from what was stored.
    /// </summary>
    private async Task<IReadOnlyList<RequeueRun>> AppendAsync(IPoolEvent change)
    {
        try
        {
            await RecordAsync(change);
        }
        catch (LabRefusedException e) when (e.Kind == LabRefusal.Conflict)
        {
            DeactivateOnIdle();
            throw;
        }
        switch (change)
        {
            case NodeJoined joined:
                _workerUrls[joined.Node] = joined.WorkerUrl;
                return _ledger.Join(NodeOf(joined.Node, joined.Devices), joined.Incarnation, joined.At);
            case NodeLost lost when _ledger.Node(lost.Node) is not null:
                _ledger.Lose(lost.Node, lost.LastSeen);
                break;
        }
        return [];
    }

    /// <summary>A pool stream recorded before its nodes were kept inline: folded from its events once, and stored.</summary>
    protected override async Task<PoolNodes?> LoadStateAsync(IQuerySession session, CancellationToken cancellationToken)
    {
        if (await base.LoadStateAsync(session, cancellationToken) is { } stored)
        {
            return stored;
        }
        var folded = await session.Events.AggregateStreamAsync<PoolNodes>(Id, token: cancellationToken);
        if (folded is not null)
        {
            folded.Version = (await session.Events.FetchStreamStateAsync(Id, cancellationToken))!.Version;
            await using var write = Store.LightweightSession();
            write.Store(folded);
            await write.SaveChangesAsync(cancellationToken);
        }
        return folded;
    }

    private static PoolNode NodeOf(string name, IReadOnlyList<DeviceView> devices) =>
        new(name, Kinds.Of(devices[0].Kind) ?? DeviceKind.Cpu, devices.Count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} stopped heart-beating (last seen {LastSeen}); its runs are requeued")]
    private partial void LogNodeLost(string node, DateTimeOffset lastSeen);

    [LoggerMessage(Level = LogLevel.Error, Message = "The pool's state is inconsistent; no decisions until it changes: {Reason}")]
    private partial void LogInconsistent(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {Run} requeued: its lease on {Node} is void")]
    private partial void LogRequeued(Guid run, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Kind} report of run {Run} was refused: {Reason}")]
    private partial void LogReportRefused(Guid run, RunReportKind kind, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {Run} has held devices for {Held}, longer than the lab's bound: it fails")]
    private partial void LogOverTime(Guid run, TimeSpan held);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Decision {Decision} for run {Run} was refused: {Reason}")]
    private partial void LogDecisionRefused(Guid run, string decision, string reason);
}
