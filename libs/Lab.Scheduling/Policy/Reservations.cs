using System.Numerics;

namespace Lab.Scheduling.Policy;

/// <summary>
/// Keeps large runs from waiting forever or behind idle devices, by reserving a node for one (persisted with
/// <see cref="ReserveNode"/>): nothing else starts there, and once the devices that are free, being freed, or held
/// by runs past their minimum run time complete its gang, those runs are asked to step aside (most over-share
/// idea's newest first). Two kinds:
/// <list type="bullet">
/// <item>Against starvation: a multi-device run at the head of its idea, whose idea is below its fair share, that
/// has waited <see cref="SchedulingOptions.ReservationAfter"/> reserves the node where it can start soonest, so it
/// starts about one minimum run time later at most.</item>
/// <item>Against fragmentation: when devices sit idle only because they are scattered, a waiting multi-device run
/// reserves a node whose runs past their minimum run time can move to those idle devices; they checkpoint, step
/// aside and restart there, and the large run takes the node.</item>
/// </list>
/// </summary>
internal sealed class Reservations(Pass pass)
{
    private readonly List<QueueKey> _reserved = [];
    private readonly List<QueueKey> _candidates = [];
    private readonly List<int> _victims = [];
    private readonly long[] _releases = new long[DeviceSet.MaxDevicesPerNode];
    private int[] _holes = [];
    private int[] _scratchHoles = [];
    private readonly Comparison<int> _victimOrder = (a, b) => pass.CompareVictims(b, a);
    private readonly Comparison<QueueKey> _fairOrder = (a, b) =>
    {
        var byNeed = Pass.CompareNeed(pass.Idea(pass.Runs[a.Slot].Idea), pass.Idea(pass.Runs[b.Slot].Idea));
        return byNeed != 0 ? byNeed : a.CompareTo(b);
    };
    private readonly Comparison<QueueKey> _longestQueuedFirst = (a, b) =>
    {
        var byQueued = pass.Runs[a.Slot].QueuedTicks.CompareTo(pass.Runs[b.Slot].QueuedTicks);
        return byQueued != 0 ? byQueued : a.CompareTo(b);
    };

    public void Serve()
    {
        _reserved.Clear();
        HonourEarlierReservations();
        MakeNewReservations();
        _reserved.Sort();
        foreach (var key in _reserved)
        {
            Advance(key.Slot);
        }
    }

    /// <summary>When the node could hold the run: the run-size-th earliest time a device of it is free or preemptible.</summary>
    private long ReadyTicks(int node, int size)
    {
        ref readonly var n = ref pass.Nodes[node];
        var count = 0;
        foreach (var slot in pass.RunsOn(node))
        {
            ref readonly var r = ref pass.Runs[slot];
            var release = pass.ReleaseTicks(r, preemptible: true);
            for (var d = 0; d < r.Size; d++)
            {
                _releases[count++] = release;
            }
        }
        while (count < n.Node.Devices)
        {
            _releases[count++] = pass.NowTicks;
        }
        var releases = _releases.AsSpan(0, count);
        releases.Sort();
        return releases[size - 1];
    }

    private void HonourEarlierReservations()
    {
        for (var slot = 0; slot < pass.RunCount; slot++)
        {
            ref readonly var r = ref pass.Runs[slot];
            if (r.Fate == RunFate.Waiting && r.Run.ReservedNode is not null)
            {
                _reserved.Add(new QueueKey(r.SubmittedTicks, r.Run.Id, slot));
            }
        }
        _reserved.Sort();
        var kept = 0;
        for (var i = 0; i < _reserved.Count; i++)
        {
            var key = _reserved[i];
            var node = pass.NodeNamed(pass.Runs[key.Slot].Run.ReservedNode!);
            // A reservation on a node that is gone, too small or already taken lapses.
            if (node >= 0 && pass.Accepts(node, pass.Runs[key.Slot]) && pass.Nodes[node].ReservedFor < 0 &&
                !pass.Idea(pass.Runs[key.Slot].Idea).HasReservation)
            {
                pass.Reserve(key.Slot, node, isNew: false);
                _reserved[kept++] = key;
            }
        }
        _reserved.RemoveRange(kept, _reserved.Count - kept);
    }

    private void MakeNewReservations()
    {
        var room = Math.Max(1, pass.LiveNodes / Math.Max(1, pass.Options.NodesPerReservation)) - _reserved.Count;
        if (room <= 0)
        {
            return;
        }
        _candidates.Clear();
        var bound = pass.Options.ReservationAfter.Ticks;
        for (var i = 0; i < pass.IdeaCount; i++)
        {
            var idea = pass.Idea(i);
            if (idea.HasReservation || Head(idea) is not { } head)
            {
                continue;
            }
            ref readonly var r = ref pass.Runs[head.Slot];
            if (idea.UnderShare && r.Size > 1 && pass.NowTicks - r.QueuedTicks >= bound && pass.Placeable(r) && !pass.FitsNow(r))
            {
                _candidates.Add(head);
            }
        }
        _candidates.Sort(_longestQueuedFirst);
        foreach (var candidate in _candidates)
        {
            if (room == 0)
            {
                break;
            }
            var node = SoonestNode(candidate.Slot);
            if (node >= 0)
            {
                pass.Reserve(candidate.Slot, node, isNew: true);
                _reserved.Add(candidate);
                room--;
            }
        }
    }

    /// <summary>Start the reserved run, or claim the devices being freed for it, or ask runs to step aside when that completes its gang.</summary>
    private void Advance(int slot)
    {
        ref readonly var r = ref pass.Runs[slot];
        var node = r.Node;
        ref readonly var n = ref pass.Nodes[node];
        var usable = n.Usable;
        if (BitOperations.PopCount(usable) >= r.Size)
        {
            pass.Start(slot, node, Pass.TakeLowest(usable, r.Size));
            return;
        }
        var have = BitOperations.PopCount(usable) + BitOperations.PopCount(n.UnclaimedLeaving);
        if (have < r.Size)
        {
            if (have + SelectVictims(node, r.Size - have) < r.Size)
            {
                return; // not yet: keep the node and wait for more of its runs to end or pass their minimum run time
            }
            foreach (var victim in _victims)
            {
                pass.Preempt(victim);
            }
        }
        var devices = Pass.TakeLowest(usable, r.Size);
        devices |= Pass.TakeLowest(pass.Nodes[node].UnclaimedLeaving, r.Size - BitOperations.PopCount(devices));
        pass.Claim(slot, node, devices);
    }

    /// <summary>
    /// Runs past their minimum run time on the node, most over-share idea's newest first, until they hold
    /// <paramref name="need"/> devices (into <see cref="_victims"/>); returns the devices they hold.
    /// </summary>
    private int SelectVictims(int node, int need)
    {
        _victims.Clear();
        foreach (var running in pass.RunsOn(node))
        {
            if (pass.Preemptible(pass.Runs[running]))
            {
                _victims.Add(running);
            }
        }
        _victims.Sort(_victimOrder);
        var freed = 0;
        var count = 0;
        while (count < _victims.Count && freed < need)
        {
            freed += pass.Runs[_victims[count++]].Size;
        }
        _victims.RemoveRange(count, _victims.Count - count);
        return freed;
    }

    /// <summary>Reserve nodes for waiting multi-device runs where moving runs to idle, scattered devices makes room.</summary>
    public void Defragment()
    {
        if (!CountHoles())
        {
            return;
        }
        _candidates.Clear();
        for (var i = 0; i < pass.IdeaCount; i++)
        {
            var idea = pass.Idea(i);
            if (idea.HasReservation)
            {
                continue;
            }
            foreach (var key in idea.Waiting)
            {
                ref readonly var r = ref pass.Runs[key.Slot];
                if (r.Fate == RunFate.Waiting && r.Size > 1 && pass.Placeable(r) && !pass.FitsNow(r))
                {
                    _candidates.Add(key);
                    break;
                }
            }
        }
        _candidates.Sort(_fairOrder);
        foreach (var candidate in _candidates)
        {
            var node = RoomiestAfterMoves(candidate.Slot);
            if (node >= 0)
            {
                pass.Reserve(candidate.Slot, node, isNew: true);
                Advance(candidate.Slot);
            }
        }
    }

    /// <summary>Free devices per unreserved live node into <see cref="_holes"/>; false if there are none.</summary>
    private bool CountHoles()
    {
        if (_holes.Length < pass.NodeCount)
        {
            _holes = new int[Math.Max(pass.NodeCount, _holes.Length * 2)];
            _scratchHoles = new int[_holes.Length];
        }
        var any = false;
        for (var node = 0; node < pass.NodeCount; node++)
        {
            ref readonly var n = ref pass.Nodes[node];
            _holes[node] = n.Node.Alive && n.ReservedFor < 0 ? BitOperations.PopCount(n.Usable) : 0;
            any |= _holes[node] > 0;
        }
        return any;
    }

    /// <summary>The node where the run fits after moving the fewest devices' worth of runs into holes elsewhere; -1 if none.</summary>
    private int RoomiestAfterMoves(int slot)
    {
        ref readonly var r = ref pass.Runs[slot];
        var best = -1;
        var bestCost = int.MaxValue;
        for (var node = 0; node < pass.NodeCount; node++)
        {
            ref readonly var n = ref pass.Nodes[node];
            if (n.ReservedFor >= 0 || !pass.Accepts(node, r))
            {
                continue;
            }
            var have = BitOperations.PopCount(n.Usable) + BitOperations.PopCount(n.UnclaimedLeaving);
            var need = r.Size - have;
            if (SelectVictims(node, need) < need || !MoveVictimsIntoHoles(node, commit: false))
            {
                continue;
            }
            var cost = 0;
            foreach (var victim in _victims)
            {
                cost += pass.Runs[victim].Size;
            }
            if (cost < bestCost)
            {
                (best, bestCost) = (node, cost);
            }
        }
        if (best >= 0)
        {
            SelectVictims(best, r.Size - BitOperations.PopCount(pass.Nodes[best].Usable) - BitOperations.PopCount(pass.Nodes[best].UnclaimedLeaving));
            MoveVictimsIntoHoles(best, commit: true);
            _holes[best] = 0;
        }
        return best;
    }

    /// <summary>Whether every victim fits in the holes of other nodes (tightest first); with commit, those holes are spoken for.</summary>
    private bool MoveVictimsIntoHoles(int node, bool commit)
    {
        var holes = commit ? _holes : _scratchHoles;
        if (!commit)
        {
            _holes.AsSpan(0, pass.NodeCount).CopyTo(_scratchHoles);
        }
        foreach (var victim in _victims)
        {
            ref readonly var v = ref pass.Runs[victim];
            var target = -1;
            for (var other = 0; other < pass.NodeCount; other++)
            {
                if (other != node && holes[other] >= v.Size && pass.Accepts(other, v) && (target < 0 || holes[other] < holes[target]))
                {
                    target = other;
                }
            }
            if (target < 0)
            {
                return false;
            }
            holes[target] -= v.Size;
        }
        return true;
    }

    private int SoonestNode(int slot)
    {
        ref readonly var r = ref pass.Runs[slot];
        var best = -1;
        var bestTicks = long.MaxValue;
        for (var node = 0; node < pass.NodeCount; node++)
        {
            if (pass.Nodes[node].ReservedFor >= 0 || !pass.Accepts(node, r))
            {
                continue;
            }
            var ready = ReadyTicks(node, r.Size);
            if (ready < bestTicks)
            {
                best = node;
                bestTicks = ready;
            }
        }
        return best;
    }

    /// <summary>The idea's first waiting run, first come first served.</summary>
    private QueueKey? Head(IdeaSlot idea)
    {
        foreach (var key in idea.Waiting)
        {
            if (pass.Runs[key.Slot].Fate == RunFate.Waiting)
            {
                return key;
            }
        }
        return null;
    }

}
