using System.Diagnostics;

namespace Lab.Scheduling.Simulation;

/// <summary>
/// Replays a workload against the policy in simulated time, as the pool grain would run it: every arrival,
/// finish, checkpoint-and-step-aside, node loss or return, and every <see cref="Schedule.WakeAt"/> leads to a
/// <see cref="PoolScheduler.Decide"/> call whose decisions are checked and applied. Deterministic: the same
/// workload and options give the same report (but for the optional wall-clock timing).
/// </summary>
public static class Simulator
{
    public static SimulationReport Run(Workload workload, SchedulingOptions? policy = null, SimulationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(workload);
        return new Simulation(workload, policy ?? SchedulingOptions.Default, options ?? SimulationOptions.Default).Run();
    }
}

internal sealed class Simulation
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    private readonly Workload _workload;
    private readonly SimulationOptions _options;
    private readonly PoolScheduler _scheduler;
    private readonly List<PoolNode> _nodes;
    private readonly Dictionary<string, int> _nodeIndex = new(StringComparer.Ordinal);
    private readonly ulong[] _used;
    private readonly SimulatedRun[] _runs;
    private readonly Dictionary<Guid, int> _runIndex = [];
    private readonly List<PoolRun> _active = [];
    private readonly List<SimulatedRun> _activeRuns = [];
    private readonly Dictionary<Guid, double> _weights = [];
    private readonly PriorityQueue<Event, (long Ticks, long Sequence)> _events = new();
    private readonly PoolMeter _meter;
    private readonly int[] _held;
    private readonly int[] _wanted;
    private readonly List<long> _timings = [];
    private long _sequence;
    private TimeSpan _now;
    private TimeSpan? _wake;
    private int _finished;
    private int _passes;
    private int _decisions;
    private int _preemptions;
    private int _requeues;

    public Simulation(Workload workload, SchedulingOptions policy, SimulationOptions options)
    {
        _workload = workload;
        _options = options;
        _scheduler = new PoolScheduler(policy);
        _nodes = [.. workload.Nodes];
        _used = new ulong[_nodes.Count];
        for (var i = 0; i < _nodes.Count; i++)
        {
            _nodeIndex.Add(_nodes[i].Name, i);
        }
        var ideaIndex = new Dictionary<Guid, int>();
        var weights = new double[workload.Ideas.Count];
        for (var i = 0; i < workload.Ideas.Count; i++)
        {
            var idea = workload.Ideas[i];
            ideaIndex.Add(idea.Id, i);
            _weights[idea.Id] = idea.Weight;
            weights[i] = idea.Weight;
        }
        _runs = new SimulatedRun[workload.Runs.Count];
        for (var i = 0; i < _runs.Length; i++)
        {
            var spec = workload.Runs[i];
            if (!ideaIndex.TryGetValue(spec.Idea, out var idea))
            {
                throw new ArgumentException($"Run {spec.Id} belongs to idea {spec.Idea}, which the workload does not list.", nameof(workload));
            }
            _runs[i] = new SimulatedRun(i, spec, idea);
            _runIndex.Add(spec.Id, i);
            Schedule(spec.SubmitAt, new Event(EventKind.Arrival, i, 0));
        }
        foreach (var outage in workload.Outages)
        {
            var node = _nodeIndex[outage.Node];
            Schedule(outage.At, new Event(EventKind.NodeDown, node, 0));
            Schedule(outage.At + outage.Duration, new Event(EventKind.NodeUp, node, 0));
        }
        _held = new int[weights.Length];
        _wanted = new int[weights.Length];
        _meter = new PoolMeter(weights.Length, weights, options.SampleInterval);
    }

    public SimulationReport Run()
    {
        while (_finished < _runs.Length && _events.TryPeek(out _, out var next) && next.Ticks <= _options.MaxDuration.Ticks)
        {
            _meter.Advance(TimeSpan.FromTicks(next.Ticks));
            _now = TimeSpan.FromTicks(next.Ticks);
            var rounds = 0;
            do
            {
                while (_events.TryPeek(out var e, out var at) && at.Ticks == _now.Ticks)
                {
                    _events.Dequeue();
                    Apply(e);
                }
                Decide();
                if (++rounds > 10_000)
                {
                    throw new InvalidOperationException($"The policy keeps changing its mind at {_now}.");
                }
            }
            while (_events.TryPeek(out _, out var then) && then.Ticks == _now.Ticks);
            Observe();
        }
        return Report();
    }

    // ---- Events ----

    private enum EventKind
    {
        Arrival,
        Finish,
        SteppedAside,
        NodeDown,
        NodeUp,
        Wake,
    }

    private readonly record struct Event(EventKind Kind, int Target, int Attempt);

    private void Schedule(TimeSpan at, Event e) => _events.Enqueue(e, (at.Ticks, _sequence++));

    private void Apply(Event e)
    {
        switch (e.Kind)
        {
            case EventKind.Arrival:
                Admit(_runs[e.Target]);
                break;
            case EventKind.Finish when _runs[e.Target] is { Leased: true } run && run.Attempt == e.Attempt:
                EndLease(run, LeaseEnd.Finished);
                run.FinishedAt = _now;
                Deactivate(run);
                _finished++;
                break;
            case EventKind.SteppedAside when _runs[e.Target] is { Leased: true, StopRequestedAt: { } asked } run && run.Attempt == e.Attempt:
                // The checkpoint holds all work up to the request: nothing is lost.
                run.Saved += asked - run.LeaseStart;
                run.CheckpointTime += _now - asked;
                EndLease(run, LeaseEnd.Preempted);
                run.Preemptions++;
                _preemptions++;
                Requeue(run);
                break;
            case EventKind.NodeDown:
                _nodes[e.Target] = _nodes[e.Target] with { Alive = false };
                break;
            case EventKind.NodeUp:
                _nodes[e.Target] = _nodes[e.Target] with { Alive = true };
                break;
            default:
                break; // a wake-up, or an event for a lease that has ended
        }
    }

    private void Admit(SimulatedRun run)
    {
        var spec = run.Spec;
        run.State = new PoolRun(spec.Id, spec.Idea, Epoch + spec.SubmitAt, spec.Devices, spec.Kind)
        {
            Estimate = run.RemainingEstimate,
            QueuedAt = Epoch + _now,
        };
        run.WaitingSince = _now;
        run.ActiveSlot = _active.Count;
        _active.Add(run.State);
        _activeRuns.Add(run);
    }

    private void Deactivate(SimulatedRun run)
    {
        var last = _active.Count - 1;
        var moved = _activeRuns[last];
        _active[run.ActiveSlot] = _active[last];
        _activeRuns[run.ActiveSlot] = moved;
        moved.ActiveSlot = run.ActiveSlot;
        _active.RemoveAt(last);
        _activeRuns.RemoveAt(last);
        run.ActiveSlot = -1;
    }

    private void SetState(SimulatedRun run, PoolRun state)
    {
        run.State = state;
        _active[run.ActiveSlot] = state;
    }

    private void EndLease(SimulatedRun run, LeaseEnd ending)
    {
        var length = _now - run.LeaseStart;
        run.DeviceTicks += length.Ticks * run.Spec.Devices;
        run.Leases.Add(new LeaseSpan(_nodes[run.LeaseNode].Name, run.LeaseDevices, run.LeaseStart, _now, ending));
        _used[run.LeaseNode] &= ~run.LeaseDevices.Mask;
        run.LeaseNode = -1;
        run.StopRequestedAt = null;
        run.Attempt++;
    }

    private void Requeue(SimulatedRun run)
    {
        SetState(run, run.State with
        {
            Lease = null,
            Stopping = false,
            ReservedNode = null,
            QueuedAt = Epoch + _now,
            Estimate = run.RemainingEstimate,
        });
        run.WaitingSince = _now;
    }

    // ---- Decisions ----

    private void Decide()
    {
        var state = new PoolState(Epoch + _now, _nodes, _active) { Weights = _weights };
        var started = _options.MeasureDecisionTime ? Stopwatch.GetTimestamp() : 0;
        var schedule = _scheduler.Decide(state);
        if (_options.MeasureDecisionTime)
        {
            _timings.Add(Stopwatch.GetTimestamp() - started);
        }
        _options.Observer?.Invoke(state, schedule);
        _passes++;
        _decisions += schedule.Decisions.Count;
        foreach (var decision in schedule.Decisions)
        {
            Apply(decision);
        }
        if (schedule.WakeAt is { } wake && wake - Epoch is var at && at > _now && at != _wake)
        {
            _wake = at;
            Schedule(at, new Event(EventKind.Wake, 0, 0));
        }
    }

    private void Apply(Decision decision)
    {
        var run = _runs[_runIndex.TryGetValue(decision.Run, out var index) ? index : throw Invalid(decision, "the run is unknown")];
        if (run.ActiveSlot < 0)
        {
            throw Invalid(decision, "the run is not admitted or has finished");
        }
        switch (decision)
        {
            case StartRun start:
                Start(run, start);
                break;
            case PreemptRun when run is { Leased: true, StopRequestedAt: null }:
                run.StopRequestedAt = _now;
                SetState(run, run.State with { Stopping = true });
                Schedule(_now + _options.CheckpointTime, new Event(EventKind.SteppedAside, run.Index, run.Attempt));
                break;
            case RequeueRun when run.Leased && !_nodes[run.LeaseNode].Alive:
                LoseLease(run);
                break;
            case ReserveNode reserve when !run.Leased && _nodeIndex.ContainsKey(reserve.Node):
                SetState(run, run.State with { ReservedNode = reserve.Node });
                break;
            default:
                throw Invalid(decision, run.Leased ? "the run's lease does not allow it" : "the run is waiting");
        }
    }

    private void Start(SimulatedRun run, StartRun start)
    {
        if (run.Leased)
        {
            throw Invalid(start, "the run already runs");
        }
        if (!_nodeIndex.TryGetValue(start.Node, out var node) || !_nodes[node].Alive)
        {
            throw Invalid(start, "the node is not live");
        }
        var all = DeviceSet.FirstN(_nodes[node].Devices).Mask;
        if (start.Devices.Count != run.Spec.Devices || (start.Devices.Mask & ~all) != 0 || (start.Devices.Mask & _used[node]) != 0)
        {
            throw Invalid(start, $"devices {start.Devices} are the wrong number, not on the node or leased (leased: {new DeviceSet(_used[node])})");
        }
        if (run.Spec.Kind is { } kind && kind != _nodes[node].Kind)
        {
            throw Invalid(start, "the node offers another kind of device");
        }
        _used[node] |= start.Devices.Mask;
        run.EndWait(_now);
        run.LeaseNode = node;
        run.LeaseDevices = start.Devices;
        run.LeaseStart = _now;
        SetState(run, run.State with
        {
            Lease = new RunLease(start.Node, start.Devices, Epoch + _now),
            ReservedNode = null,
            Stopping = false,
        });
        Schedule(_now + (run.Spec.Work - run.Saved), new Event(EventKind.Finish, run.Index, run.Attempt));
    }

    /// <summary>The node is gone: work since the last periodic checkpoint is lost; the run waits again.</summary>
    private void LoseLease(SimulatedRun run)
    {
        var stoppedWorking = run.StopRequestedAt ?? _now;
        var worked = stoppedWorking - run.LeaseStart;
        var interval = _options.CheckpointInterval;
        var kept = interval > TimeSpan.Zero ? TimeSpan.FromTicks(worked.Ticks / interval.Ticks * interval.Ticks) : worked;
        run.Saved += kept;
        run.LostWork += worked - kept;
        run.CheckpointTime += _now - stoppedWorking;
        EndLease(run, LeaseEnd.NodeLost);
        run.Requeues++;
        _requeues++;
        Requeue(run);
    }

    private InvalidOperationException Invalid(Decision decision, string why) =>
        new($"At {_now} the policy decided {decision}, but {why}.");

    // ---- Measurement ----

    private void Observe()
    {
        Array.Clear(_held);
        Array.Clear(_wanted);
        foreach (var run in _activeRuns)
        {
            _wanted[run.Idea] += run.Spec.Devices;
            if (run.Leased)
            {
                _held[run.Idea] += run.Spec.Devices;
            }
        }
        var live = 0;
        foreach (var node in _nodes)
        {
            live += node.Alive ? node.Devices : 0;
        }
        _meter.Observe(live, _held, _wanted);
    }

    private SimulationReport Report()
    {
        foreach (var run in _activeRuns)
        {
            if (run.Leased)
            {
                run.DeviceTicks += (_now - run.LeaseStart).Ticks * run.Spec.Devices;
                run.Leases.Add(new LeaseSpan(_nodes[run.LeaseNode].Name, run.LeaseDevices, run.LeaseStart, _now, LeaseEnd.Unfinished));
            }
        }
        var runs = Array.ConvertAll(_runs, r => r.Report(_now));
        var waits = runs.Where(r => r.FirstStartAt is not null).Select(r => (r.FirstStartAt!.Value - r.SubmittedAt).Ticks).Order().ToArray();
        return new SimulationReport
        {
            Duration = _now,
            Runs = _runs.Length,
            Unfinished = _runs.Length - _finished,
            Utilization = _meter.Utilization,
            ContendedTime = _meter.ContendedTime,
            OverallUtilization = _meter.OverallUtilization,
            JainIndex = _meter.JainIndex(),
            Preemptions = _preemptions,
            Requeues = _requeues,
            LostDeviceTime = TimeSpan.FromTicks(runs.Sum(r => r.LostWork.Ticks * r.Devices)),
            CheckpointDeviceTime = TimeSpan.FromTicks(runs.Sum(r => r.CheckpointTime.Ticks * r.Devices)),
            LeasedDeviceTime = _meter.LeasedDeviceTime,
            MeanWait = waits.Length > 0 ? TimeSpan.FromTicks((long)waits.Average()) : TimeSpan.Zero,
            P95Wait = TimeSpan.FromTicks(Percentile(waits, 0.95)),
            MaxWait = runs.Length > 0 ? runs.Max(r => r.LongestWait) : TimeSpan.Zero,
            Passes = _passes,
            Decisions = _decisions,
            Ideas = IdeaReports(runs),
            RunReports = runs,
            ShareSamples = _meter.Samples,
            Timing = _options.MeasureDecisionTime ? Timing() : null,
        };
    }

    private IdeaReport[] IdeaReports(RunReport[] runs)
    {
        var reports = new IdeaReport[_workload.Ideas.Count];
        for (var i = 0; i < reports.Length; i++)
        {
            var idea = _workload.Ideas[i];
            var own = runs.Where(r => r.Idea == idea.Id).ToArray();
            var waits = own.Where(r => r.FirstStartAt is not null).Select(r => (r.FirstStartAt!.Value - r.SubmittedAt).Ticks).ToArray();
            reports[i] = new IdeaReport(
                idea.Id,
                idea.Name,
                idea.Weight,
                own.Length,
                TimeSpan.FromTicks(own.Sum(r => r.DeviceTime.Ticks)),
                _meter.ContendedHeld(i),
                _meter.Owed(i),
                waits.Length > 0 ? TimeSpan.FromTicks((long)waits.Average()) : TimeSpan.Zero,
                own.Length > 0 ? own.Max(r => r.LongestWait) : TimeSpan.Zero,
                own.Sum(r => r.Preemptions));
        }
        return reports;
    }

    private DecisionTiming Timing()
    {
        var ticks = _timings.Order().ToArray();
        static TimeSpan Elapsed(long stopwatchTicks) => TimeSpan.FromSeconds((double)stopwatchTicks / Stopwatch.Frequency);
        return new DecisionTiming(
            ticks.Length,
            Elapsed(ticks.Sum()),
            Elapsed(Percentile(ticks, 0.50)),
            Elapsed(Percentile(ticks, 0.99)),
            Elapsed(ticks.Length > 0 ? ticks[^1] : 0));
    }

    private static long Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
