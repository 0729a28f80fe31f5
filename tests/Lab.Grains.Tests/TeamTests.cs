using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Reading;
using Marten;

namespace Lab.Grains.Tests;

[Collection(GrainClusterCollection.Name)]
public sealed class TeamTests(GrainClusterFixture lab)
{
    [Fact]
    public async Task Many_researchers_joining_and_leaving_one_team_at_once_end_with_the_roster_the_event_log_implies()
    {
        var proposer = await Members.JoinAsync(lab.Client, "proposer");
        var ideaId = Guid.CreateVersion7();
        await lab.Client.GetGrain<IIdeaGrain>(ideaId).Propose(new ProposeIdea("Crowded team", "Everyone wants in."), proposer);
        var researchers = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Members.JoinAsync(lab.Client, $"r{i}")));

        // Every researcher joins; every third one leaves again straight away; all at once, through separate clients' calls.
        await Task.WhenAll(researchers.Select(async (r, i) =>
        {
            var idea = lab.Client.GetGrain<IIdeaGrain>(ideaId);
            await idea.JoinTeam(r);
            if (i % 3 == 0)
            {
                await idea.LeaveTeam(r);
            }
        }));

        var expected = researchers.Where((_, i) => i % 3 != 0).Order().ToList();
        await using var session = lab.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(ideaId);
        var fromLog = new HashSet<Guid>();
        foreach (var e in events.Select(e => e.Data))
        {
            if (e is TeamMemberJoined joined)
            {
                fromLog.Add(joined.ResearcherId);
            }
            else if (e is TeamMemberLeft left)
            {
                fromLog.Remove(left.ResearcherId);
            }
        }
        Assert.Equal(1 + 24 + 8, events.Count);
        Assert.Equal(expected, fromLog.Order().ToList());
        var board = await session.LoadAsync<IdeaSummary>(ideaId);
        Assert.Equal(expected, board!.Members.Order().ToList());
        Assert.Equal(16, board.TeamSize);
        await lab.DeactivateAllAsync();
        Assert.Equal(expected, (await lab.Client.GetGrain<IIdeaGrain>(ideaId).Get())!.Members.Order().ToList());
    }

    [Fact]
    public async Task After_reactivation_the_grain_appends_at_the_right_version()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var ideaId = Guid.CreateVersion7();
        await lab.Client.GetGrain<IIdeaGrain>(ideaId).Propose(new ProposeIdea("Versions", "Streams count."), ada);
        await lab.Client.GetGrain<IIdeaGrain>(ideaId).JoinTeam(ada);

        await lab.DeactivateAllAsync();
        var view = await lab.Client.GetGrain<IIdeaGrain>(ideaId).StartExploring(ada);

        Assert.Equal(3, view.Version);
        Assert.Equal(IdeaStatus.Exploring, view.Status);
        await using var session = lab.Store.QuerySession();
        Assert.Equal(3, (await session.Events.FetchStreamStateAsync(ideaId))!.Version);
    }

    [Fact]
    public async Task A_write_that_raced_another_writer_is_refused_and_nothing_is_lost()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var bob = await Members.JoinAsync(lab.Client, "bob");
        var ideaId = Guid.CreateVersion7();
        var grain = lab.Client.GetGrain<IIdeaGrain>(ideaId);
        await grain.Propose(new ProposeIdea("Race", "Two writers."), ada);

        // Another path writes to the stream behind the grain's back.
        await using (var session = lab.Store.LightweightSession())
        {
            session.Events.Append(ideaId, new TeamMemberJoined(ideaId, bob, DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }
        var refused = await Assert.ThrowsAsync<LabRefusedException>(() => grain.JoinTeam(ada));
        Assert.Equal(LabRefusal.Conflict, refused.Kind);

        // Retrying sees both writes.
        var view = await grain.JoinTeam(ada);
        Assert.Equal(2, view.Members.Count);
        Assert.Contains(ada, view.Members);
        Assert.Contains(bob, view.Members);
    }

    [Fact]
    public async Task An_idea_moves_through_its_lifecycle_and_refuses_impossible_moves()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var id = Guid.CreateVersion7();
        var idea = lab.Client.GetGrain<IIdeaGrain>(id);
        await idea.Propose(new ProposeIdea("Shared experts", "A shared expert carries common knowledge."), ada);

        var refused = await Assert.ThrowsAsync<LabRefusedException>(() => idea.Revive("Why not", ada));
        Assert.Equal(LabRefusal.Conflict, refused.Kind);
        await idea.StartExploring(ada);
        var validated = await idea.Validate("Loss 4 % lower at equal compute.", ada);
        Assert.Equal(IdeaStatus.Validated, validated.Status);
        Assert.Equal("Loss 4 % lower at equal compute.", validated.StatusNote);
        await Assert.ThrowsAsync<LabRefusedException>(() => idea.Validate("", ada));

        await using var session = lab.Store.QuerySession();
        Assert.Equal(3, (await session.Events.FetchStreamAsync(id)).Count);
    }

    [Fact]
    public async Task Setting_an_idea_aside_dissolves_its_team_and_invites_them_to_ideas_that_build_on_it()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var bob = await Members.JoinAsync(lab.Client, "bob");
        var parentId = Guid.CreateVersion7();
        var childId = Guid.CreateVersion7();
        var parent = lab.Client.GetGrain<IIdeaGrain>(parentId);
        await parent.Propose(new ProposeIdea("Token dropping", "Dropping overflow tokens is harmless."), ada);
        await lab.Client.GetGrain<IIdeaGrain>(childId).Propose(new ProposeIdea("Dropless routing", "Never drop tokens.", BuildsOn: [parentId]), bob);
        await parent.JoinTeam(ada);
        await parent.JoinTeam(bob);

        var setAside = await parent.SetAside("Dropping hurts long-tail domains.", ada);

        Assert.Equal(IdeaStatus.SetAside, setAside.Status);
        Assert.Empty(setAside.Members);
        Assert.Equal([ada, bob], setAside.FormerMembers);
        Assert.Equal([childId], setAside.InvitedTo);
        await Assert.ThrowsAsync<LabRefusedException>(() => parent.JoinTeam(ada));
        var revived = await parent.Revive("New evidence.", bob);
        Assert.Equal(IdeaStatus.Exploring, revived.Status);
    }

    [Fact]
    public async Task A_collaboration_is_a_link_both_ideas_see_and_only_a_team_member_can_ask()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var bob = await Members.JoinAsync(lab.Client, "bob");
        var a = Guid.CreateVersion7();
        var b = Guid.CreateVersion7();
        await lab.Client.GetGrain<IIdeaGrain>(a).Propose(new ProposeIdea("Routing", "Sigmoid routing."), ada);
        await lab.Client.GetGrain<IIdeaGrain>(b).Propose(new ProposeIdea("Balancing", "Bias balancing."), bob);

        var forbidden = await Assert.ThrowsAsync<LabRefusedException>(() => lab.Client.GetGrain<IIdeaGrain>(a).RequestCollaboration(b, bob));
        Assert.Equal(LabRefusal.Forbidden, forbidden.Kind);
        await lab.Client.GetGrain<IIdeaGrain>(a).JoinTeam(ada);
        var linked = await lab.Client.GetGrain<IIdeaGrain>(a).RequestCollaboration(b, ada);

        Assert.Equal([b], linked.Collaborators);
        Assert.Equal([a], (await lab.Client.GetGrain<IIdeaGrain>(b).Get())!.Collaborators);
        var missing = await Assert.ThrowsAsync<LabRefusedException>(() => lab.Client.GetGrain<IIdeaGrain>(a).RequestCollaboration(Guid.CreateVersion7(), ada));
        Assert.Equal(LabRefusal.NotFound, missing.Kind);
    }

    [Fact]
    public async Task Two_teams_asking_each_other_at_the_same_moment_are_both_answered_and_linked_once()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var bob = await Members.JoinAsync(lab.Client, "bob");
        var a = Guid.CreateVersion7();
        var b = Guid.CreateVersion7();
        await lab.Client.GetGrain<IIdeaGrain>(a).Propose(new ProposeIdea("Shared experts", "One shared expert."), ada);
        await lab.Client.GetGrain<IIdeaGrain>(b).Propose(new ProposeIdea("Expert count", "Sixty-four experts."), bob);
        await lab.Client.GetGrain<IIdeaGrain>(a).JoinTeam(ada);
        await lab.Client.GetGrain<IIdeaGrain>(b).JoinTeam(bob);

        // Neither idea waits on the other, so neither waits for a timeout.
        var answers = await Task.WhenAll(
            lab.Client.GetGrain<IIdeaGrain>(a).RequestCollaboration(b, ada),
            lab.Client.GetGrain<IIdeaGrain>(b).RequestCollaboration(a, bob));

        Assert.Equal([b], answers[0].Collaborators);
        Assert.Equal([a], answers[1].Collaborators);
        // Each side is derived from what is stored, whichever grain wrote it, and survives reactivation.
        await lab.DeactivateAllAsync();
        Assert.Equal([b], (await lab.Client.GetGrain<IIdeaGrain>(a).Get())!.Collaborators);
        Assert.Equal([a], (await lab.Client.GetGrain<IIdeaGrain>(b).Get())!.Collaborators);
        await using var session = lab.Store.QuerySession();
        Assert.Equal([a], (await IdeaLinks.ViewAsync(session, b))!.Collaborators);
    }

    [Fact]
    public async Task The_idea_asked_to_collaborate_shows_the_request_in_its_timeline()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var a = Guid.CreateVersion7();
        var b = Guid.CreateVersion7();
        await lab.Client.GetGrain<IIdeaGrain>(a).Propose(new ProposeIdea("Asking", "We ask."), ada);
        await lab.Client.GetGrain<IIdeaGrain>(b).Propose(new ProposeIdea("Asked", "We are asked."), ada);
        await lab.Client.GetGrain<IIdeaGrain>(a).JoinTeam(ada);
        await lab.Client.GetGrain<IIdeaGrain>(a).RequestCollaboration(b, ada);

        await using var session = lab.Store.QuerySession();
        var timeline = await LabHistory.TimelineAsync(session, b, CancellationToken.None);
        Assert.Equal(["idea-proposed", "collaboration"], timeline.Select(e => e.Kind).ToList());
        Assert.Contains("linked “Asking” with “Asked”", timeline[1].Summary, StringComparison.Ordinal);
    }
}
