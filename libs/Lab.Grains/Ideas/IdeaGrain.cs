using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Knowledge.Ideas;
using Marten;

namespace Lab.Grains.Ideas;

/// <summary>
/// One idea. Its state is its Marten stream: the grain rebuilds it on activation and appends every
/// change with the stream version it last saw, so a write is acknowledged only once it is in PostgreSQL.
/// </summary>
public sealed class IdeaGrain(IDocumentStore store, TimeProvider clock) : Grain, IIdeaGrain
{
    private IdeaSummary? _state;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        _state = await session.Events.AggregateStreamAsync<IdeaSummary>(this.GetPrimaryKey(), token: cancellationToken);
    }

    public async Task<IdeaView> Propose(ProposeIdea proposal)
    {
        var errors = IdeaRules.Validate(proposal);
        if (errors.Count > 0)
        {
            throw new LabRefusedException(Text.Describe(errors));
        }
        if (_state is not null)
        {
            throw new LabRefusedException($"Idea {this.GetPrimaryKey()} has already been proposed.", LabRefusal.Conflict);
        }

        var proposed = new IdeaProposed(this.GetPrimaryKey(), proposal.Title.Trim(), proposal.Hypothesis.Trim(), clock.GetUtcNow());
        await using var session = store.LightweightSession();
        session.Events.StartStream<IdeaSummary>(proposed.IdeaId, proposed);
        await session.SaveChangesAsync();

        _state = IdeaSummaryProjection.Create(proposed);
        return _state.ToView();
    }

    public Task<IdeaView?> Get() => Task.FromResult(_state?.ToView());
}
