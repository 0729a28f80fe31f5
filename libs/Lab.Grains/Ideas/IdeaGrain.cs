using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Researchers;
using Marten;

namespace Lab.Grains.Ideas;

/// <summary>
/// One idea and the team around it. The state is the idea's Marten stream: the grain rebuilds it on
/// activation and appends every change at the stream version it last saw, so a write is acknowledged
/// only once it is in PostgreSQL, and a write that raced another writer is refused, never lost. Calls
/// to one idea are handled one at a time, so concurrent joins to a team all land, in some order.
/// </summary>
public sealed class IdeaGrain(IDocumentStore store, TimeProvider clock, IGrainFactory grains) : Grain, IIdeaGrain
{
    private IdeaSummary? _idea;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => await ReloadAsync(cancellationToken);

    public async Task<IdeaView> Propose(ProposeIdea proposal, Guid proposedBy)
    {
        Refusals.ThrowIfAny(IdeaRules.Validate(proposal));
        if (_idea is not null)
        {
            throw new LabRefusedException($"Idea {Id} has already been proposed.", LabRefusal.Conflict);
        }
        var buildsOn = proposal.BuildsOn ?? [];
        await using (var query = store.QuerySession())
        {
            var known = await query.Query<IdeaSummary>().Where(i => i.Id.IsOneOf(buildsOn.ToArray())).Select(i => i.Id).ToListAsync();
            var unknown = buildsOn.Except(known).ToList();
            if (unknown.Count > 0)
            {
                throw new LabRefusedException($"The idea builds on ideas that do not exist: {string.Join(", ", unknown)}.", LabRefusal.NotFound);
            }
        }

        var proposed = new IdeaProposed(Id, proposal.Title.Trim(), proposal.Hypothesis.Trim(), clock.GetUtcNow(), proposedBy,
            proposal.Motivation?.Trim() ?? "", buildsOn);
        await using var session = store.LightweightSession();
        session.Events.StartStream<IdeaSummary>(Id, proposed);
        await session.SaveChangesAsync();
        _idea = IdeaSummary.Fold(null, proposed);
        _idea.Version = 1;
        return _idea.ToView();
    }

    public Task<IdeaView?> Get() => Task.FromResult(_idea?.ToView());

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
        await using (var query = store.QuerySession())
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
        if (_idea is { Status: not IdeaStatus.SetAside })
        {
            throw new LabRefusedException($"Only an idea that was set aside can be revived; this one is {_idea.Status}.", LabRefusal.Conflict);
        }
        return MoveAsync(IdeaStatus.Exploring, idea => [new IdeaRevived(Id, by, reason.Trim(), clock.GetUtcNow())]);
    }

    public async Task<IdeaView> JoinTeam(Guid researcher)
    {
        var idea = RequireIdea();
        if (idea.Status == IdeaStatus.SetAside)
        {
            throw new LabRefusedException("This idea was set aside and its team dissolved; revive it to work on it again.", LabRefusal.Conflict);
        }
        if (idea.Members.Contains(researcher))
        {
            return idea.ToView();
        }
        await RequireMemberAsync(researcher);
        return await AppendAsync(new TeamMemberJoined(Id, researcher, clock.GetUtcNow()));
    }

    public async Task<IdeaView> LeaveTeam(Guid researcher)
    {
        var idea = RequireIdea();
        return idea.Members.Contains(researcher)
            ? await AppendAsync(new TeamMemberLeft(Id, researcher, clock.GetUtcNow()))
            : idea.ToView();
    }

    public async Task<IdeaView> RequestCollaboration(Guid otherIdea, Guid by)
    {
        var idea = RequireIdea();
        if (otherIdea == Id)
        {
            throw new LabRefusedException("An idea's team cannot collaborate with itself.");
        }
        if (!idea.Members.Contains(by))
        {
            throw new LabRefusedException("Only a member of this idea's team can ask another team to collaborate; join the team first.", LabRefusal.Forbidden);
        }
        var other = grains.GetGrain<IIdeaGrain>(otherIdea);
        if (await other.Get() is null)
        {
            throw new LabRefusedException($"No idea has the id {otherIdea}.", LabRefusal.NotFound);
        }
        var view = idea.Collaborators.Contains(otherIdea)
            ? idea.ToView()
            : await AppendAsync(new CollaborationRequested(Id, otherIdea, by, clock.GetUtcNow()));
        // Recorded on the other idea too (again, harmlessly, if an earlier attempt got that far).
        await other.ReceiveCollaboration(Id, by);
        return view;
    }

    public async Task ReceiveCollaboration(Guid fromIdea, Guid by)
    {
        var idea = RequireIdea();
        if (!idea.Collaborators.Contains(fromIdea))
        {
            await AppendAsync(new CollaborationReceived(Id, fromIdea, by, clock.GetUtcNow()));
        }
    }

    private async Task<IdeaView> MoveAsync(IdeaStatus to, Func<IdeaSummary, object[]> changes)
    {
        var idea = RequireIdea();
        if (!IdeaRules.CanMove(idea.Status, to))
        {
            throw new LabRefusedException($"An idea that is {idea.Status} cannot become {to}.", LabRefusal.Conflict);
        }
        return await AppendAsync(changes(idea));
    }

    /// <summary>Appends at the version this grain last saw; if someone else wrote meanwhile, nothing is written and the caller is told.</summary>
    private async Task<IdeaView> AppendAsync(params object[] changes)
    {
        var idea = RequireIdea();
        await using var session = store.LightweightSession();
        session.Events.Append(Id, idea.Version + changes.Length, changes);
        try
        {
            await session.SaveChangesAsync();
        }
        catch (JasperFx.ConcurrencyException)
        {
            await ReloadAsync(CancellationToken.None);
            throw new LabRefusedException("The idea changed at the same time through another path; nothing was written. Try again.", LabRefusal.Conflict);
        }
        foreach (var change in changes)
        {
            IdeaSummary.Fold(idea, (ILabEvent)change);
        }
        idea.Version += changes.Length;
        return idea.ToView();
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        _idea = await session.Events.AggregateStreamAsync<IdeaSummary>(Id, token: cancellationToken);
    }

    private async Task RequireMemberAsync(Guid researcher)
    {
        await using var session = store.QuerySession();
        if (await session.LoadAsync<ResearcherProfile>(researcher) is null)
        {
            throw new LabRefusedException($"No member has the id {researcher}.", LabRefusal.NotFound);
        }
    }

    private IdeaSummary RequireIdea() =>
        _idea ?? throw new LabRefusedException($"No idea has the id {Id}.", LabRefusal.NotFound);
}
