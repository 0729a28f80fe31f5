using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Knowledge.Ideas;

namespace Lab.Grains.Tests;

[Collection(GrainClusterCollection.Name)]
public sealed class IdeaGrainTests(GrainClusterFixture lab)
{
    private static readonly Guid Someone = Guid.CreateVersion7();

    [Fact]
    public async Task A_proposal_is_one_event_in_the_ideas_stream_and_a_row_on_the_board()
    {
        var id = Guid.CreateVersion7();

        var idea = await lab.Client.GetGrain<IIdeaGrain>(id).Propose(new ProposeIdea("  Fine-grained experts  ", "More, smaller experts specialise better."), Someone);

        Assert.Equal("Fine-grained experts", idea.Title);
        await using var session = lab.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        var proposed = Assert.IsType<IdeaProposed>(Assert.Single(events).Data);
        Assert.Equal(idea.Title, proposed.Title);
        var row = await session.LoadAsync<IdeaSummary>(id);
        Assert.NotNull(row);
        Assert.Equal(IdeaStatus.Proposed, row.Status);
    }

    [Fact]
    public async Task An_idea_rebuilds_itself_from_its_stream_after_deactivation()
    {
        var id = Guid.CreateVersion7();
        await lab.Client.GetGrain<IIdeaGrain>(id).Propose(new ProposeIdea("Sigmoid routing", "Sigmoid gates balance better than softmax."), Someone);

        await lab.DeactivateAllAsync();
        var again = await lab.Client.GetGrain<IIdeaGrain>(id).Get();

        Assert.NotNull(again);
        Assert.Equal("Sigmoid routing", again.Title);
    }

    [Fact]
    public async Task Proposing_the_same_idea_twice_is_refused_and_writes_nothing_more()
    {
        var id = Guid.CreateVersion7();
        var grain = lab.Client.GetGrain<IIdeaGrain>(id);
        await grain.Propose(new ProposeIdea("Once", "Only once."), Someone);

        var refused = await Assert.ThrowsAsync<LabRefusedException>(() => grain.Propose(new ProposeIdea("Twice", "Again."), Someone));

        Assert.Equal(LabRefusal.Conflict, refused.Kind);
        await using var session = lab.Store.QuerySession();
        Assert.Single(await session.Events.FetchStreamAsync(id));
    }

    [Fact]
    public async Task An_invalid_proposal_is_refused_and_starts_no_stream()
    {
        var id = Guid.CreateVersion7();

        var refused = await Assert.ThrowsAsync<LabRefusedException>(() =>
            lab.Client.GetGrain<IIdeaGrain>(id).Propose(new ProposeIdea("", new string('x', IdeaRules.HypothesisMaxLength + 1)), Someone));

        Assert.Contains("title", refused.Message, StringComparison.Ordinal);
        await using var session = lab.Store.QuerySession();
        Assert.Empty(await session.Events.FetchStreamAsync(id));
        Assert.Null(await lab.Client.GetGrain<IIdeaGrain>(id).Get());
    }
}
