using System.Numerics;

namespace Lab.Scheduling.Policy;

/// <summary>
/// Uses free devices at once. Repeatedly picks the idea with the fewest devices per weight (with
/// <see cref="SchedulingOptions.FairShare"/> off: the earliest submitted run) among those with a run that fits
/// somewhere now, and starts its first such run, first come first served; a run that does not fit yet is passed
/// over for now, so smaller runs backfill (reservations keep that from starving it). Each run goes to the node
/// where it fits tightest, keeping large holes for large runs.
/// </summary>
internal sealed class Placement(Pass pass)
{
    private readonly int[] _largest = new int[3];

    public void StartRuns()
    {
        for (var i = 0; i < pass.IdeaCount; i++)
        {
            pass.Idea(i).Cursor = 0;
        }
        pass.LargestUsable(_largest);
        while (NextRun() is var slot && slot >= 0)
        {
            var node = TightestNode(slot);
            pass.Start(slot, node, Pass.TakeLowest(pass.Nodes[node].Usable, pass.Runs[slot].Size));
            pass.LargestUsable(_largest);
        }
    }

    private int NextRun()
    {
        IdeaSlot? bestIdea = null;
        for (var i = 0; i < pass.IdeaCount; i++)
        {
            var idea = pass.Idea(i);
            // Devices only get scarcer during the phase, so a run passed over stays passed over.
            while (idea.Cursor < idea.Waiting.Count && !Fits(idea.Waiting[idea.Cursor].Slot))
            {
                idea.Cursor++;
            }
            if (idea.Cursor < idea.Waiting.Count && (bestIdea is null || Before(idea, bestIdea)))
            {
                bestIdea = idea;
            }
        }
        return bestIdea is null ? -1 : bestIdea.Waiting[bestIdea.Cursor].Slot;
    }

    private bool Before(IdeaSlot idea, IdeaSlot other)
    {
        var byNeed = pass.Options.FairShare ? Pass.CompareNeed(idea, other) : 0;
        return byNeed != 0 ? byNeed < 0 : idea.Waiting[idea.Cursor].CompareTo(other.Waiting[other.Cursor]) < 0;
    }

    private bool Fits(int slot)
    {
        ref readonly var r = ref pass.Runs[slot];
        return r.Fate == RunFate.Waiting && r.Size <= _largest[Pass.KindIndex(r.Run.Kind)];
    }

    private int TightestNode(int slot)
    {
        ref readonly var r = ref pass.Runs[slot];
        var best = -1;
        var bestFree = int.MaxValue;
        for (var node = 0; node < pass.NodeCount; node++)
        {
            if (pass.Nodes[node].ReservedFor >= 0 || !pass.Accepts(node, r))
            {
                continue;
            }
            var free = BitOperations.PopCount(pass.Nodes[node].Usable);
            if (free >= r.Size && free < bestFree)
            {
                (best, bestFree) = (node, free);
            }
        }
        return best;
    }
}
