using System.Numerics;

namespace Lab.Scheduling.Policy;

/// <summary>
/// Gives ideas below their fair share the devices they are owed. The most deprived idea (fewest devices per
/// weight) goes first with its runs in order; a run first takes devices already being freed, else, once it has
/// waited <see cref="SchedulingOptions.PreemptAfter"/>, asks the most over-share idea's newest runs that have run
/// the minimum time to step aside, all on one node so its gang fits.
/// A victim's idea must stay at least as well served, per weight, as the idea it gives way to
/// ((victim idea - run) / weight >= (idea + run) / weight): so no move can be undone by the reverse move, and
/// shares settle instead of see-sawing. A run restarted less than the minimum run time ago is never a victim,
/// so no run is preempted twice within it.
/// </summary>
internal sealed class Preemption(Pass pass)
{
    private readonly int[] _victims = new int[DeviceSet.MaxDevicesPerNode];
    private readonly int[] _bestVictims = new int[DeviceSet.MaxDevicesPerNode];

    /// <param name="allowVictims">False: only hand out devices that are already being freed (before new runs start, so these stay promised).</param>
    public void Run(bool allowVictims)
    {
        for (var i = 0; i < pass.IdeaCount; i++)
        {
            pass.Idea(i).Done = false;
            pass.Idea(i).Cursor = 0;
        }
        while (MostDeprived() is { } idea)
        {
            if (!Serve(idea, allowVictims))
            {
                idea.Done = true;
            }
        }
    }

    /// <summary>The waiting idea below its share with the fewest devices per weight.</summary>
    private IdeaSlot? MostDeprived()
    {
        IdeaSlot? best = null;
        for (var i = 0; i < pass.IdeaCount; i++)
        {
            var idea = pass.Idea(i);
            if (idea.Done || !idea.UnderShare || !HasWaiting(idea))
            {
                continue;
            }
            var byNeed = best is null ? -1 : Pass.CompareNeed(idea, best);
            if (byNeed < 0 || (byNeed == 0 && idea.Waiting[idea.Cursor].CompareTo(best!.Waiting[best.Cursor]) < 0))
            {
                best = idea;
            }
        }
        return best;
    }

    private bool HasWaiting(IdeaSlot idea)
    {
        for (; idea.Cursor < idea.Waiting.Count; idea.Cursor++)
        {
            if (pass.Runs[idea.Waiting[idea.Cursor].Slot].Fate == RunFate.Waiting)
            {
                return true;
            }
        }
        return false;
    }

    private bool Serve(IdeaSlot idea, bool allowVictims)
    {
        // A run that failed rules out larger runs of the same kind: they cannot do better.
        Span<int> failedSize = [int.MaxValue, int.MaxValue, int.MaxValue];
        for (var i = idea.Cursor; i < idea.Waiting.Count; i++)
        {
            var slot = idea.Waiting[i].Slot;
            ref readonly var r = ref pass.Runs[slot];
            var kind = Pass.KindIndex(r.Run.Kind);
            if (r.Fate != RunFate.Waiting || r.Size >= failedSize[kind] || !pass.Placeable(r) || pass.FitsNow(r))
            {
                continue; // a run that fits now is for the start phase
            }
            var mayPreempt = allowVictims && pass.NowTicks - r.QueuedTicks >= pass.Options.PreemptAfter.Ticks && AnyVictimIdea(idea, r.Size);
            if (TryFree(idea, slot, mayPreempt))
            {
                return true;
            }
            failedSize[kind] = r.Size;
        }
        return false;
    }

    /// <summary>Cheap test: some other idea is over its share and would stay at or above this one after giving way.</summary>
    private bool AnyVictimIdea(IdeaSlot idea, int size)
    {
        var level = (idea.Allocated + size) / idea.Weight;
        for (var i = 0; i < pass.IdeaCount; i++)
        {
            var other = pass.Idea(i);
            if (other != idea && other.OverShare && (other.Allocated - 1) / other.Weight >= level - Pass.Epsilon)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Find the node where the run can have its devices soonest with the least disruption, and free them.</summary>
    private bool TryFree(IdeaSlot idea, int slot, bool allowVictims)
    {
        ref readonly var r = ref pass.Runs[slot];
        var bestNode = -1;
        var bestFree = int.MaxValue; // devices free or leaving, when no victim is needed (smallest that fits: best fit)
        var bestCount = 0;           // victims, when needed
        var bestCost = int.MaxValue; // devices of the victims
        for (var node = 0; node < pass.NodeCount; node++)
        {
            ref readonly var n = ref pass.Nodes[node];
            if (n.ReservedFor >= 0 || !pass.Accepts(node, r))
            {
                continue;
            }
            var have = BitOperations.PopCount(n.Usable) + BitOperations.PopCount(n.UnclaimedLeaving);
            if (have >= r.Size)
            {
                if (bestCost > 0 || have < bestFree)
                {
                    (bestNode, bestFree, bestCount, bestCost) = (node, have, 0, 0);
                }
                continue;
            }
            if (!allowVictims || bestCost == 0)
            {
                continue;
            }
            var count = ChooseVictims(idea, node, r.Size, r.Size - have, out var cost);
            if (count > 0 && (bestNode < 0 || IsBetter(_victims[0], cost, _bestVictims[0], bestCost)))
            {
                (bestNode, bestCount, bestCost) = (node, count, cost);
                _victims.AsSpan(0, count).CopyTo(_bestVictims);
            }
        }
        if (bestNode < 0)
        {
            return false;
        }
        var victims = 0UL;
        for (var i = 0; i < bestCount; i++)
        {
            victims |= pass.Runs[_bestVictims[i]].Devices;
            pass.Preempt(_bestVictims[i]);
        }
        ref readonly var chosen = ref pass.Nodes[bestNode];
        var devices = Pass.TakeLowest(chosen.Usable, r.Size);
        devices |= Pass.TakeLowest(chosen.UnclaimedLeaving & ~victims, r.Size - BitOperations.PopCount(devices));
        devices |= Pass.TakeLowest(victims, r.Size - BitOperations.PopCount(devices));
        pass.Claim(slot, bestNode, devices);
        return true;
    }

    /// <summary>The victim set led by the better first victim wins (most over-share idea's newest run), then the smaller one.</summary>
    private bool IsBetter(int firstVictim, int cost, int bestFirstVictim, int bestCost)
    {
        var order = pass.CompareVictims(firstVictim, bestFirstVictim);
        return order > 0 || (order == 0 && cost < bestCost);
    }

    /// <summary>Victims on one node, most over-share idea's newest eligible run first, until <paramref name="need"/> devices; 0 if impossible.</summary>
    private int ChooseVictims(IdeaSlot idea, int node, int size, int need, out int cost)
    {
        cost = 0;
        var runs = pass.RunsOn(node);
        foreach (var slot in runs)
        {
            var owner = pass.Idea(pass.Runs[slot].Idea);
            owner.Tentative = owner.Allocated;
        }
        var level = (idea.Allocated + size) / idea.Weight;
        var count = 0;
        while (need > 0)
        {
            var best = -1;
            foreach (var slot in runs)
            {
                ref readonly var r = ref pass.Runs[slot];
                var owner = pass.Idea(r.Idea);
                if (owner == idea || !pass.Preemptible(r) || _victims.AsSpan(0, count).Contains(slot) ||
                    owner.Tentative <= owner.Share + Pass.Epsilon ||
                    (owner.Tentative - r.Size) / owner.Weight < level - Pass.Epsilon)
                {
                    continue;
                }
                if (best < 0 || pass.CompareVictims(slot, best, tentative: true) > 0)
                {
                    best = slot;
                }
            }
            if (best < 0)
            {
                return 0;
            }
            _victims[count++] = best;
            var victimSize = pass.Runs[best].Size;
            need -= victimSize;
            cost += victimSize;
            pass.Idea(pass.Runs[best].Idea).Tentative -= victimSize;
        }
        return count;
    }
}
