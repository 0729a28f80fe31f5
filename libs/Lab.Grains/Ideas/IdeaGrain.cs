using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Researchers;
using Marten;

namespace Lab.Grains.Ideas;

/// <summary>
/// One idea and the team around it: the single writer of the idea's stream (see <see cref="EventSourcedGrain{TState}"/>).
/// Calls to one idea are handled one at a time, so concurrent joins to a team all land, in some order. It never waits on
/// another idea: a collaboration is one event in the asking idea's stream, from which the asked idea's side is derived.
/// </summary>
public sealed class IdeaGrain(IDocumentStore store, TimeProvider clock, IGrainFactory grains) : EventSourcedGrain<IdeaSummary>(store, "idea"), IIdeaGrain
{
    /// <summary>The ideas whose teams asked this one to collaborate (their requests are in their streams).</summary>
    private readonly List<Guid> _linkedBy = [];

    protected override async Task FetchAlongsideAsync(IQuerySession session, CancellationToken cancellationToken)
    {
        var links = await IdeaLinks.ToAsync(session, Id, cancellationToken: cancellationToken);
        _linkedBy.Clear();
        _linkedBy.AddRange(links.Select(l => l.FromIdeaId));
    }

    public async Task<IdeaView> Propose(ProposeIdea proposal, Guid proposedBy)
    {
        Refusals.ThrowIfAny(IdeaRules.Validate(proposal));
        if (State is not null)
        {
            throw new LabRefusedException($"Idea {Id} has already been proposed.", LabRefusal.Conflict);
        }
        var buildsOn = proposal.BuildsOn ?? [];
        await using (var query = Store.QuerySession())
        {
            var known = await query.Query<IdeaSummary>().Where(i => i.Id.IsOneOf(buildsOn.ToArray())).Select(i => i.Id).ToListAsync();
            var unknown = buildsOn.Except(known).ToList();
            if (unknown.Count > 0)
            {
                throw new LabRefusedException($"The idea builds on ideas that do not exist: {string.Join(", ", unknown)}.", LabRefusal.NotFound);
            }
        }
        return View(await RecordAsync(new IdeaProposed(Id, proposal.Title.Trim(), proposal.Hypothesis.Trim(), clock.GetUtcNow(), proposedBy,
            proposal.Motivation?.Trim() ?? "", buildsOn)));
    }

    public Task<IdeaView?> Get() => Task.FromResult(State is null ? null : View(State));

    public Task<IdeaView> StartExploring(Guid by) =>
        MoveAsync(IdeaStatus.Exploring, idea => [new IdeaExplorationStarted(Id, by, clock.GetUtcNow())]);

    public Task<IdeaView> Validate(string summary, Guid by)
    {
        Refusals.ThrowIfAny(IdeaRules.ValidateNote("summary", summary));
        return MoveAsync(IdeaStatus.Validated, idea => [new IdeaValidated(Id, by, summary.Trim(), clock.GetUtcNow())]);
    }

    public async Task<IdeaView> SetAside(string learned, Guid by)
    {
        Refusals.ThrowIfAny(IdeaRules.ValidateNote("learned", learned));
        IReadOnlyList<Guid> successors;
        await using (var query = Store.QuerySession())
        {
            successors = await query.Query<IdeaSummary>()
                .Where(i => i.BuildsOn.Contains(Id) && i.Status != IdeaStatus.SetAside)
                .Select(i => i.Id)
                .ToListAsync();
        }
        return await MoveAsync(IdeaStatus.SetAside, idea =>
        {
            var now = clock.GetUtcNow();
            return [new IdeaSetAside(Id, by, learned.Trim(), now), new TeamDissolved(Id, [.. idea.Members], successors, now)];
        });
    }

    public Task<IdeaView> Revive(string reason, Guid by)
    {
        Refusals.ThrowIfAny(IdeaRules.ValidateNote("reason", reason));
        if (State is { Status: not IdeaStatus.SetAside })
        {
            throw new LabRefusedException($"Only an idea that was set aside can be revived; this one is {State.Status}.", LabRefusal.Conflict);
        }
        return MoveAsync(IdeaStatus.Exploring, idea => [new IdeaRevived(Id, by, reason.Trim(), clock.GetUtcNow())]);
    }

    public async Task<IdeaView> JoinTeam(Guid researcher)
    {
        var idea = Existing;
        if (idea.Status == IdeaStatus.SetAside)
        {
            throw new LabRefusedException("This idea was set aside and its team dissolved; revive it to work on it again.", LabRefusal.Conflict);
        }
        if (idea.Members.Contains(researcher))
        {
            return View(idea);
        }
        await RequireMemberAsync(researcher);
        return View(await RecordAsync(new TeamMemberJoined(Id, researcher, clock.GetUtcNow())));
    }

    public async Task<IdeaView> LeaveTeam(Guid researcher)
    {
        var idea = Existing;
        return idea.Members.Contains(researcher)
            ? View(await RecordAsync(new TeamMemberLeft(Id, researcher, clock.GetUtcNow())))
            : View(idea);
    }

    public async Task<IdeaView> RequestCollaboration(Guid otherIdea, Guid by)
    {
        var idea = Existing;
        if (otherIdea == Id)
        {
            throw new LabRefusedException("An idea's team cannot collaborate with itself.");
        }
        if (!idea.Members.Contains(by))
        {
            throw new LabRefusedException("Only a member of this idea's team can ask another team to collaborate; join the team first.", LabRefusal.Forbidden);
        }
        IdeaSummary? other;
        await using (var query = Store.QuerySession())
        {
            other = await query.LoadAsync<IdeaSummary>(otherIdea);
        }
        if (other is null)
        {
            throw new LabRefusedException($"No idea has the id {otherIdea}.", LabRefusal.NotFound);
        }
        if (other.Collaborators.Contains(Id))
        {
            // The other team asked first: the link exists, recorded in its stream (its notice may still be on the way).
            await NoticeCollaboration(otherIdea);
            return View(idea);
        }
        if (idea.Collaborators.Contains(otherIdea))
        {
            return View(idea);
        }
        var view = View(await RecordAsync(new CollaborationRequested(Id, otherIdea, by, clock.GetUtcNow())));
        grains.GetGrain<IIdeaGrain>(otherIdea).NoticeCollaboration(Id).Ignore();
        return view;
    }

    public Task NoticeCollaboration(Guid fromIdea)
    {
        if (!_linkedBy.Contains(fromIdea))
        {
            _linkedBy.Add(fromIdea);
        }
        return Task.CompletedTask;
    }

    private async Task<IdeaView> MoveAsync(IdeaStatus to, Func<IdeaSummary, ILabEvent[]> changes)
    {
        var idea = Existing;
        if (!IdeaRules.CanMove(idea.Status, to))
        {
            throw new LabRefusedException($"An idea that is {idea.Status} cannot become {to}.", LabRefusal.Conflict);
        }
        return View(await RecordAsync(changes(idea)));
    }

    private IdeaView View(IdeaSummary idea) => idea.ToView(_linkedBy);

    private async Task RequireMemberAsync(Guid researcher)
    {
        await using var session = Store.QuerySession();
        if (await session.LoadAsync<ResearcherProfile>(researcher) is null)
        {
            throw new LabRefusedException($"No member has the id {researcher}.", LabRefusal.NotFound);
        }
    }
}
