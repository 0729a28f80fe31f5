using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Contracts.Knowledge;
using Lab.Knowledge.Reading;
using Marten;

namespace Lab.Grains.Tests;

[Collection(GrainClusterCollection.Name)]
public sealed class KnowledgeTests(GrainClusterFixture lab)
{
    [Fact]
    public async Task Only_a_notes_author_edits_it_and_a_refused_edit_changes_nothing()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var bob = await Members.JoinAsync(lab.Client, "bob");
        var noteId = Guid.CreateVersion7();
        var note = lab.Client.GetGrain<INoteGrain>(noteId);
        await note.Write(new WriteNote("Warmup", "Warmup of 200 steps is enough."), ada);

        var refused = await Assert.ThrowsAsync<LabRefusedException>(() => note.Edit(new EditNote("Mine now", "Overwritten."), bob));
        Assert.Equal(LabRefusal.Forbidden, refused.Kind);
        var edited = await note.Edit(new EditNote("Warmup", "Warmup of 100 steps is enough."), ada);

        Assert.Equal(2, edited.Version);
        await using var session = lab.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(noteId);
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.NotEqual(bob, e.Data is NoteEdited x ? x.EditorId : Guid.Empty));
    }

    [Fact]
    public async Task A_note_about_an_unknown_idea_is_refused()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var refused = await Assert.ThrowsAsync<LabRefusedException>(() =>
            lab.Client.GetGrain<INoteGrain>(Guid.CreateVersion7()).Write(new WriteNote("Lost", "About nothing.", AttachmentKind.Idea, Guid.CreateVersion7()), ada));
        Assert.Equal(LabRefusal.NotFound, refused.Kind);
    }

    [Fact]
    public async Task An_insight_rests_on_evidence_that_exists()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var ideaId = Guid.CreateVersion7();
        await lab.Client.GetGrain<IIdeaGrain>(ideaId).Propose(new ProposeIdea("Bias balancing", "Balance without a loss."), ada);
        var noteId = Guid.CreateVersion7();
        await lab.Client.GetGrain<INoteGrain>(noteId).Write(new WriteNote("Loads", "Max over mean fell to 1.1.", AttachmentKind.Idea, ideaId), ada);

        var insight = await lab.Client.GetGrain<IInsightGrain>(Guid.CreateVersion7())
            .Publish(new PublishInsight("Bias balancing keeps loads even", [new Evidence(EvidenceKind.Note, noteId), new Evidence(EvidenceKind.Idea, ideaId)], IdeaId: ideaId), ada);
        Assert.Equal(2, insight.Evidence.Count);

        var missingId = Guid.CreateVersion7();
        var refused = await Assert.ThrowsAsync<LabRefusedException>(() => lab.Client.GetGrain<IInsightGrain>(missingId)
            .Publish(new PublishInsight("Unsupported", [new Evidence(EvidenceKind.Note, Guid.CreateVersion7())]), ada));
        Assert.Equal(LabRefusal.NotFound, refused.Kind);
        await using var session = lab.Store.QuerySession();
        Assert.Empty(await session.Events.FetchStreamAsync(missingId));
    }

    [Fact]
    public async Task Search_ranks_matches_highlights_them_and_forgives_typos()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var word = "zebrafinch" + Guid.NewGuid().ToString("N")[..6];
        var ideaId = Guid.CreateVersion7();
        await lab.Client.GetGrain<IIdeaGrain>(ideaId).Propose(new ProposeIdea($"Experts named {word}", $"The {word} experts learn syntax."), ada);
        var noteId = Guid.CreateVersion7();
        await lab.Client.GetGrain<INoteGrain>(noteId).Write(new WriteNote("Side remark", $"<b>Quoted</b> \"words\" mention {word} once."), ada);

        await using var session = lab.Store.QuerySession();
        var hits = await KnowledgeSearch.SearchAsync(session, word, 10);
        Assert.Equal([ideaId, noteId], hits.Select(h => h.Id).ToList());
        Assert.True(hits[1].Snippet.Contains($"<mark>{word}</mark>", StringComparison.Ordinal), hits[1].Snippet);
        Assert.DoesNotContain("<b>", hits[1].Snippet, StringComparison.Ordinal);
        Assert.True(hits[1].Snippet.Contains("&quot;words&quot;", StringComparison.Ordinal), hits[1].Snippet);

        var titleOnly = await KnowledgeSearch.SearchAsync(session, $"experts named {word}", 10, kind: "idea");
        Assert.Contains("<mark>", Assert.Single(titleOnly).Snippet, StringComparison.Ordinal);

        var typo = word[..3] + word[4] + word[3] + word[5..];
        var fuzzy = await KnowledgeSearch.SearchAsync(session, typo, 10);
        Assert.Contains(fuzzy, h => h.Id == ideaId);

        // Query syntax and SQL in a query are words to look for: they find the note that holds them, as text.
        var hostileNote = Guid.CreateVersion7();
        await lab.Client.GetGrain<INoteGrain>(hostileNote).Write(new WriteNote("Injection", $"Someone typed {word}drop table lab.mt_events <script>."), ada);
        var hostile = await KnowledgeSearch.SearchAsync(session, $"'); {word}drop table lab.mt_events; -- & | ! :*", 10);
        var found = Assert.Single(hostile, h => h.Id == hostileNote);
        Assert.DoesNotContain("<script>", found.Snippet, StringComparison.Ordinal);
        Assert.NotEmpty(await session.Events.FetchStreamAsync(ideaId));
    }

    [Fact]
    public async Task The_lab_can_be_seen_as_it_was_at_any_moment()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var ideaId = Guid.CreateVersion7();
        var idea = lab.Client.GetGrain<IIdeaGrain>(ideaId);
        // One clock: the moment the grain says the idea was proposed is the moment the log has it at.
        var proposedAt = (await idea.Propose(new ProposeIdea("Time travel", "The past is in the log."), ada)).ProposedAt;
        await idea.StartExploring(ada);

        await using var session = lab.Store.QuerySession();
        var then = await LabHistory.AsOfAsync(session, proposedAt, CancellationToken.None);
        var now = await LabHistory.AsOfAsync(session, DateTimeOffset.UtcNow.AddSeconds(1), CancellationToken.None);

        Assert.Equal(IdeaStatus.Proposed, then.Ideas.Single(i => i.Id == ideaId).Status);
        Assert.Equal(IdeaStatus.Exploring, now.Ideas.Single(i => i.Id == ideaId).Status);
        var timeline = await LabHistory.TimelineAsync(session, ideaId, CancellationToken.None);
        Assert.Equal(["idea-proposed", "idea-exploring"], timeline.Select(e => e.Kind).ToList());
        var (feed, _) = await LabHistory.FeedAsync(session, 0, 5, CancellationToken.None);
        Assert.Equal("idea-exploring", feed.First(e => e.SubjectId == ideaId).Kind);
    }
}
