namespace Lab.Scheduling.Policy;

/// <summary>
/// Says why every waiting run waits and roughly when it starts, by running the queue forward on estimates: each
/// device is expected back when its run should end (or, for as many runs of an idea above its share as it holds
/// too many devices, once they may be preempted); waiting runs take devices in the order the policy would give them (fewest devices per
/// weight first, first come first served inside an idea), each on the node that can hold it soonest.
/// Cost: about (waiting runs) × (nodes), no allocation beyond the result.
/// </summary>
internal sealed class Projection(Pass pass)
{
    private long[] _releases = [];
    private int[] _offsets = [];
    private bool[] _yields = [];
    private Entry[] _entries = [];
    private int[] _overShareRuns = [];

    /// <summary>When a waiting run of an idea below its share may first ask a run to step aside (it has waited long enough).</summary>
    private long _askedFrom;
    private readonly Comparison<int> _byIdeaThenEligibility = (a, b) =>
    {
        var byIdea = pass.Runs[a].Idea.CompareTo(pass.Runs[b].Idea);
        var byStart = pass.Runs[a].StartedTicks.CompareTo(pass.Runs[b].StartedTicks);
        return byIdea != 0 ? byIdea : byStart != 0 ? byStart : pass.CompareVictims(b, a);
    };

    public Schedule Describe()
    {
        ExpectYields();
        FillReleases();
        var waiting = new List<WaitingRun>(CountWaiting());
        DescribeHeldRuns(waiting);
        DescribeQueue(waiting);
        return new Schedule(pass.Decisions, waiting, Shares(), WakeAt());
    }

    private int CountWaiting()
    {
        var count = 0;
        for (var slot = 0; slot < pass.RunCount; slot++)
        {
            if (pass.Runs[slot].Fate is RunFate.Waiting or RunFate.Claimed or RunFate.Reserved)
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>
    /// Mark runs of over-share ideas, up to their excess, as likely to step aside once past the minimum run time:
    /// those that get there first (each time one does, it is the newest that may be asked).
    /// </summary>
    private void ExpectYields()
    {
        if (_yields.Length < pass.RunCount)
        {
            _yields = new bool[Math.Max(pass.RunCount, _yields.Length * 2)];
            _overShareRuns = new int[_yields.Length];
        }
        Array.Clear(_yields, 0, pass.RunCount);
        if (!pass.Options.FairShare)
        {
            return;
        }
        _askedFrom = FirstAsk();
        var count = 0;
        for (var slot = 0; slot < pass.RunCount; slot++)
        {
            ref readonly var r = ref pass.Runs[slot];
            if (r.Fate == RunFate.Running && pass.Idea(r.Idea).OverShare)
            {
                _overShareRuns[count++] = slot;
            }
        }
        var runs = _overShareRuns.AsSpan(0, count);
        runs.Sort(_byIdeaThenEligibility);
        var idea = -1;
        var excess = 0;
        foreach (var slot in runs)
        {
            ref readonly var r = ref pass.Runs[slot];
            if (r.Idea != idea)
            {
                idea = r.Idea;
                var owner = pass.Idea(idea);
                excess = (int)Math.Floor(owner.Allocated - owner.Share + Pass.Epsilon);
            }
            if (r.Size <= excess)
            {
                _yields[slot] = true;
                excess -= r.Size;
            }
        }
    }

    /// <summary>
    /// A run of an idea below its share asks others to step aside only once it has waited <see cref="SchedulingOptions.PreemptAfter"/>:
    /// the earliest moment one of them may ask (never before now).
    /// </summary>
    private long FirstAsk()
    {
        var first = long.MaxValue;
        for (var slot = 0; slot < pass.RunCount; slot++)
        {
            ref readonly var r = ref pass.Runs[slot];
            if (r.Fate == RunFate.Waiting && pass.Idea(r.Idea).UnderShare)
            {
                first = Math.Min(first, r.QueuedTicks + pass.Options.PreemptAfter.Ticks);
            }
        }
        return first == long.MaxValue ? pass.NowTicks : Math.Max(pass.NowTicks, first);
    }

    /// <summary>Per live node, the times its devices are expected back, sorted.</summary>
    private void FillReleases()
    {
        if (_offsets.Length < pass.NodeCount + 1)
        {
            _offsets = new int[Math.Max(pass.NodeCount + 1, _offsets.Length * 2)];
        }
        var total = 0;
        for (var node = 0; node < pass.NodeCount; node++)
        {
            _offsets[node] = total;
            total += pass.Nodes[node].Node.Alive ? pass.Nodes[node].Node.Devices : 0;
        }
        _offsets[pass.NodeCount] = total;
        if (_releases.Length < total)
        {
            _releases = new long[Math.Max(total, _releases.Length * 2)];
        }
        for (var node = 0; node < pass.NodeCount; node++)
        {
            var releases = Releases(node);
            if (releases.IsEmpty)
            {
                continue;
            }
            var count = 0;
            var reserved = pass.Nodes[node].ReservedFor >= 0;
            foreach (var slot in pass.RunsOn(node))
            {
                ref readonly var r = ref pass.Runs[slot];
                // A reservation frees its node once the runs on it have run the minimum time; a yield waits for someone to ask.
                var release = reserved ? pass.ReleaseTicks(r, preemptible: true) : pass.ReleaseTicks(r, _yields[slot], _askedFrom);
                releases.Slice(count, r.Size).Fill(release);
                count += r.Size;
            }
            releases[count..].Fill(pass.NowTicks);
            releases.Sort();
        }
    }

    private Span<long> Releases(int node) => _releases.AsSpan(_offsets[node], _offsets[node + 1] - _offsets[node]);

    /// <summary>Runs with devices being freed for them start about now; reserved runs once their node can hold them.</summary>
    private void DescribeHeldRuns(List<WaitingRun> waiting)
    {
        for (var slot = 0; slot < pass.RunCount; slot++)
        {
            ref readonly var r = ref pass.Runs[slot];
            if (r.Fate is not (RunFate.Claimed or RunFate.Reserved))
            {
                continue;
            }
            var releases = Releases(r.Node);
            var start = r.Fate == RunFate.Claimed ? pass.NowTicks : Math.Max(pass.NowTicks, releases[r.Size - 1]);
            Occupy(releases, r.Size, start + r.EstimateTicks);
            var reason = r.Fate == RunFate.Claimed ? WaitReason.DevicesBeingFreed : WaitReason.NodeReserved;
            waiting.Add(new WaitingRun(r.Run.Id, reason, r.Size, r.Run.Kind, At(start), pass.Nodes[r.Node].Node.Name));
        }
    }

    private void DescribeQueue(List<WaitingRun> waiting)
    {
        var entries = QueueInPolicyOrder();
        foreach (ref readonly var entry in entries)
        {
            ref readonly var r = ref pass.Runs[entry.Slot];
            var node = SoonestNode(r);
            if (node < 0)
            {
                waiting.Add(new WaitingRun(r.Run.Id, WaitReason.NoNodeFits, r.Size, r.Run.Kind, null, null));
                continue;
            }
            var releases = Releases(node);
            var start = Math.Max(pass.NowTicks, releases[r.Size - 1]);
            Occupy(releases, r.Size, start + r.EstimateTicks);
            waiting.Add(new WaitingRun(r.Run.Id, Reason(r, entry.Ahead), r.Size, r.Run.Kind, At(start), null));
        }
    }

    /// <summary>Waiting runs in the order the policy would start them: by the devices per weight their idea would have by then.</summary>
    private ReadOnlySpan<Entry> QueueInPolicyOrder()
    {
        if (_entries.Length < pass.RunCount)
        {
            _entries = new Entry[Math.Max(pass.RunCount, _entries.Length * 2)];
        }
        var count = 0;
        for (var i = 0; i < pass.IdeaCount; i++)
        {
            var idea = pass.Idea(i);
            var ahead = idea.Allocated;
            foreach (var key in idea.Waiting)
            {
                ref readonly var r = ref pass.Runs[key.Slot];
                if (r.Fate != RunFate.Waiting)
                {
                    continue;
                }
                var tag = pass.Options.FairShare ? ahead / idea.Weight : 0;
                _entries[count++] = new Entry(tag, key, ahead);
                ahead += r.Size;
            }
        }
        var entries = _entries.AsSpan(0, count);
        entries.Sort();
        return entries;
    }

    private WaitReason Reason(in RunSlot run, int ahead)
    {
        var idea = pass.Idea(run.Idea);
        if (pass.Options.FairShare && idea.Share < pass.Capacity - Pass.Epsilon && ahead >= idea.Share - Pass.Epsilon)
        {
            return WaitReason.FairShareReached;
        }
        return run.Size > 1 && pass.UsableDevicesFor(run) > 0 ? WaitReason.WaitingForOneNode : WaitReason.PoolFull;
    }

    private int SoonestNode(in RunSlot run)
    {
        var best = -1;
        var bestTicks = long.MaxValue;
        for (var node = 0; node < pass.NodeCount; node++)
        {
            if (!pass.Accepts(node, run))
            {
                continue;
            }
            var ticks = Releases(node)[run.Size - 1];
            if (ticks < bestTicks)
            {
                (best, bestTicks) = (node, ticks);
            }
        }
        return best;
    }

    /// <summary>The <paramref name="count"/> earliest devices are busy until <paramref name="until"/>; keeps the span sorted.</summary>
    private static void Occupy(Span<long> releases, int count, long until)
    {
        var i = count;
        for (; i < releases.Length && releases[i] < until; i++)
        {
            releases[i - count] = releases[i];
        }
        releases[(i - count)..i].Fill(until);
    }

    private IReadOnlyList<IdeaShare> Shares()
    {
        var shares = new IdeaShare[pass.IdeaCount];
        for (var i = 0; i < shares.Length; i++)
        {
            var idea = pass.Idea(i);
            shares[i] = new IdeaShare(idea.Id, idea.Weight, idea.Demand, idea.Allocated, idea.Share);
        }
        return shares;
    }

    /// <summary>The next time the policy could decide differently with nothing else happening.</summary>
    private DateTimeOffset? WakeAt()
    {
        if (!pass.Options.FairShare)
        {
            return null;
        }
        var wake = long.MaxValue;
        var wantsPreemption = false;
        var idleDevices = false;
        for (var node = 0; node < pass.NodeCount; node++)
        {
            idleDevices |= pass.Nodes[node].Node.Alive && pass.Nodes[node].ReservedFor < 0 && pass.Nodes[node].Usable != 0;
        }
        var reservationBound = pass.Options.ReservationAfter.Ticks;
        var preemptAfter = pass.Options.PreemptAfter.Ticks;
        for (var slot = 0; slot < pass.RunCount; slot++)
        {
            ref readonly var r = ref pass.Runs[slot];
            if (r.Fate == RunFate.Reserved)
            {
                wantsPreemption = true;
            }
            else if (r.Fate == RunFate.Waiting)
            {
                var underShare = pass.Idea(r.Idea).UnderShare;
                wantsPreemption |= pass.Placeable(r) && (underShare || (r.Size > 1 && idleDevices));
                if (underShare && r.QueuedTicks + preemptAfter > pass.NowTicks)
                {
                    wake = Math.Min(wake, r.QueuedTicks + preemptAfter);
                }
                if (r.Size > 1 && r.QueuedTicks + reservationBound > pass.NowTicks)
                {
                    wake = Math.Min(wake, r.QueuedTicks + reservationBound);
                }
            }
        }
        if (wantsPreemption)
        {
            for (var slot = 0; slot < pass.RunCount; slot++)
            {
                ref readonly var r = ref pass.Runs[slot];
                if (r.Fate is RunFate.Running or RunFate.Started && pass.EligibleTicks(r) > pass.NowTicks)
                {
                    wake = Math.Min(wake, pass.EligibleTicks(r));
                }
            }
        }
        return wake == long.MaxValue ? null : At(wake);
    }

    private static DateTimeOffset At(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private readonly record struct Entry(double Tag, QueueKey Key, int Ahead) : IComparable<Entry>
    {
        public int Slot => Key.Slot;

        public int CompareTo(Entry other)
        {
            var byTag = Tag.CompareTo(other.Tag);
            return byTag != 0 ? byTag : Key.CompareTo(other.Key);
        }
    }
}
