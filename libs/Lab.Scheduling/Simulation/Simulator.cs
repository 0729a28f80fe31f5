using System.Diagnostics;

namespace Lab.Scheduling.Simulation;

/// <summary>
/// Replays a workload against the policy in simulated time, as the pool grain runs it: the pool is the same
/// <see cref="PoolLedger"/> the grain keeps, and the simulator plays the workers and the nodes around it. Every arrival,
/// finish, checkpoint-and-step-aside, node loss or return, and every <see cref="PoolLedger.WakeAt"/> leads to a
/// <see cref="PoolLedger.Decide"/> call whose decisions the ledger checks and applies. Deterministic: the same
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
    private readonly PoolLedger _ledger;
    private readonly SimulatedRun[] _runs;
    private readonly Dictionary<Guid, int> _runIndex = [];
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
        var ideaIndex = new Dictionary<Guid, int>();
        var weights = new double[workload.Ideas.Count];
        for (var i = 0; i < workload.Ideas.Count; i++)
        {
            ideaIndex.Add(workload.Ideas[i].Id, i);
            weights[i] = workload.Ideas[i].Weight;
        }
        _ledger = new PoolLedger(new LedgerOptions { Policy = policy, Weights = workload.Ideas.ToDictionary(i => i.Id, i => i.Weight) });
        foreach (var node in workload.Nodes)
        {
            _ledger.Join(node, null, Epoch);
            if (!node.Alive)
            {
                _ledger.Lose(node.Name, Epoch);
            }
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
            var node = workload.Nodes.Select((n, i) => (n.Name, i)).Single(n => n.Name == outage.Node).i;
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

    private DateTimeOffset Now => Epoch + _now;

    // ---- Events: what the workers and the nodes do ----

    private enum EventKind
    {
        Arrival,
        Finish,
        SteppedAside,
        NodeDown,
        NodeUp,
        Wake,
    }

    /// <param name="Attempt">For a run's event, the lease it was scheduled for (a later lease ignores it).</param>
    private readonly record struct Event(EventKind Kind, int Target, int Attempt);

    private void Schedule(TimeSpan at, Event e) => _events.Enqueue(e, (at.Ticks, _sequence++));

    private void Apply(Event e)
    {
        switch (e.Kind)
        {
            case EventKind.Arrival:
                Admit(_runs[e.Target]);
                break;
            case EventKind.Finish when _runs[e.Target] is var run && run.Holds(e.Attempt):
                EndLease(run, run.Lease!.Value, LeaseEnd.Finished);
                _ledger.Remove(run.Spec.Id, Now);
                run.FinishedAt = _now;
                _wanted[run.Idea] -= run.Spec.Devices;
                _finished++;
                break;
            case EventKind.SteppedAside when _runs[e.Target] is { StopRequestedAt: { } asked } run && run.Holds(e.Attempt):
                // The checkpoint holds all work up to the request: nothing is lost.
                var lease = run.Lease!.Value;
                run.Saved += asked - (lease.StartedAt - Epoch);
                run.CheckpointTime += _now - asked;
                EndLease(run, lease, LeaseEnd.Preempted);
                run.Preemptions++;
                _preemptions++;
                _ledger.Requeue(run.Spec.Id, Now);
                Requeued(run);
                break;
            case EventKind.NodeDown:
                _ledger.Lose(_workload.Nodes[e.Target].Name, Now);
                break;
            case EventKind.NodeUp:
                foreach (var requeue in _ledger.Join(_workload.Nodes[e.Target], null, Now))
                {
                    Apply(requeue);
                }
                break;
            default:
                break; // a wake-up, or an event for a lease that has ended
        }
    }

    private void Admit(SimulatedRun run)
    {
        var spec = run.Spec;
        run.Entry = _ledger.Admit(new LedgerRun
        {
            Run = new PoolRun(spec.Id, spec.Idea, Epoch + spec.SubmitAt, spec.Devices, spec.Kind)
            {
                Estimate = run.RemainingEstimate,
                QueuedAt = Now,
            },
        });
        run.WaitingSince = _now;
        _wanted[run.Idea] += spec.Devices;
    }

    private void EndLease(SimulatedRun run, RunLease lease, LeaseEnd ending)
    {
        var start = lease.StartedAt - Epoch;
        run.DeviceTicks += (_now - start).Ticks * run.Spec.Devices;
        run.Leases.Add(new LeaseSpan(lease.Node, lease.Devices, start, _now, ending));
        run.StopRequestedAt = null;
        _held[run.Idea] -= run.Spec.Devices;
    }

    /// <summary>Back in the queue: its author's estimate, less the work saved, is what the policy is told it still needs.</summary>
    private void Requeued(SimulatedRun run)
    {
        _ledger.Expect(run.Spec.Id, run.RemainingEstimate);
        run.WaitingSince = _now;
    }

    // ---- Decisions: the ledger checks and applies them, the simulated workers act on them ----

    private void Decide()
    {
        var started = _options.MeasureDecisionTime ? Stopwatch.GetTimestamp() : 0;
        var schedule = _ledger.Decide(Now);
        if (_options.MeasureDecisionTime)
        {
            _timings.Add(Stopwatch.GetTimestamp() - started);
        }
        _options.Observer?.Invoke(_ledger.State(Now), schedule);
        _passes++;
        _decisions += schedule.Decisions.Count;
        foreach (var decision in schedule.Decisions)
        {
            Apply(decision);
        }
        if (_ledger.WakeAt is { } wake && wake - Epoch is var at && at > _now && at != _wake)
        {
            _wake = at;
            Schedule(at, new Event(EventKind.Wake, 0, 0));
        }
    }

    private void Apply(Decision decision)
    {
        var run = _runIndex.TryGetValue(decision.Run, out var index) ? _runs[index] : null;
        var lease = run?.Lease;
        _ledger.Apply(decision, Now);
        switch (decision)
        {
            case StartRun:
                run!.EndWait(_now);
                _held[run.Idea] += run.Spec.Devices;
                Schedule(_now + (run.Spec.Work - run.Saved), new Event(EventKind.Finish, run.Index, run.Entry!.Attempt));
                break;
            case PreemptRun:
                run!.StopRequestedAt = _now;
                Schedule(_now + _options.CheckpointTime, new Event(EventKind.SteppedAside, run.Index, run.Entry!.Attempt));
                break;
            case RequeueRun:
                LoseLease(run!, lease!.Value);
                break;
        }
    }

    /// <summary>The node is gone: work since the last periodic checkpoint is lost; the run waits again.</summary>
    private void LoseLease(SimulatedRun run, RunLease lease)
    {
        var stoppedWorking = run.StopRequestedAt ?? _now;
        var worked = stoppedWorking - (lease.StartedAt - Epoch);
        var interval = _options.CheckpointInterval;
        var kept = interval > TimeSpan.Zero ? TimeSpan.FromTicks(worked.Ticks / interval.Ticks * interval.Ticks) : worked;
        run.Saved += kept;
        run.LostWork += worked - kept;
        run.CheckpointTime += _now - stoppedWorking;
        EndLease(run, lease, LeaseEnd.NodeLost);
        run.Requeues++;
        _requeues++;
        Requeued(run);
    }

    // ---- Measurement ----

    private void Observe()
    {
        var live = 0;
        foreach (var node in _ledger.Nodes)
        {
            live += node.Alive ? node.Node.Devices : 0;
        }
        _meter.Observe(live, _held, _wanted);
    }

    private SimulationReport Report()
    {
        foreach (var run in _runs)
        {
            if (run.Lease is { } lease)
            {
                EndLease(run, lease, LeaseEnd.Unfinished);
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
