using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Contracts.Knowledge;
using Lab.Contracts.Runs;
using Lab.Knowledge.Reading;
using Lab.Knowledge.Runs;
using Marten;

namespace Lab.Grains.Tests;

/// <summary>Runs are part of the knowledge base: notes about them, insights citing them (with their compute), search and the feed.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class RunKnowledgeTests(GrainClusterFixture lab)
{
    [Fact]
    public async Task Notes_and_insights_can_be_about_runs_and_an_insight_shows_the_compute_behind_it()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var ideaId = Guid.CreateVersion7();
        await lab.Client.GetGrain<IIdeaGrain>(ideaId).Propose(new ProposeIdea("Compute behind claims", "Insights show their cost."), ada);
        var runId = await RecordRunAsync(ideaId, ada, deviceSeconds: 90);

        var note = await lab.Client.GetGrain<INoteGrain>(Guid.CreateVersion7()).Write(new WriteNote("On the run", "It converged.", AttachmentKind.Run, runId), ada);
        Assert.Equal(runId, note.AttachedId);
        var missing = await Assert.ThrowsAsync<LabRefusedException>(() =>
            lab.Client.GetGrain<INoteGrain>(Guid.CreateVersion7()).Write(new WriteNote("Lost", "No such run.", AttachmentKind.Run, Guid.CreateVersion7()), ada));
        Assert.Equal(LabRefusal.NotFound, missing.Kind);

        var insight = await lab.Client.GetGrain<IInsightGrain>(Guid.CreateVersion7())
            .Publish(new PublishInsight("The run supports the idea", [new Evidence(EvidenceKind.Run, runId), new Evidence(EvidenceKind.Note, note.Id)], IdeaId: ideaId), ada);
        Assert.Equal(90, insight.CitedDeviceSeconds);
    }

    [Fact]
    public async Task A_finished_run_is_found_by_search_and_its_life_is_in_the_feed()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var ideaId = Guid.CreateVersion7();
        var word = "platypus" + Guid.NewGuid().ToString("N")[..6];
        await lab.Client.GetGrain<IIdeaGrain>(ideaId).Propose(new ProposeIdea($"{word} routing", "Runs are knowledge."), ada);
        var runId = await RecordRunAsync(ideaId, ada, deviceSeconds: 10);

        await using var session = lab.Store.QuerySession();
        var hits = await KnowledgeSearch.SearchAsync(session, word, 10, kind: "run");
        Assert.Equal(runId, Assert.Single(hits).Id);
        var (feed, _) = await LabHistory.FeedAsync(session, 0, 3, CancellationToken.None);
        Assert.Equal("run-finished", feed[0].Kind);
        Assert.Contains(word, feed[0].Summary, StringComparison.Ordinal);
        Assert.Equal("run-submitted", feed.First(e => e.Kind.StartsWith("run-s", StringComparison.Ordinal)).Kind);
    }

    [Fact]
    public async Task A_run_found_by_its_configuration_shows_it_in_words_not_as_json()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var ideaId = Guid.CreateVersion7();
        var word = "wombat" + Guid.NewGuid().ToString("N")[..6];
        await lab.Client.GetGrain<IIdeaGrain>(ideaId).Propose(new ProposeIdea("Gating functions", "Runs are knowledge."), ada);
        var runId = await RecordRunAsync(ideaId, ada, deviceSeconds: 10,
            config: $$$"""{"preset":"small","model":{"gating":"{{{word}}}","routed_experts":16,"shared_experts":1},"training":{"steps":40,"lr":0.003}}""");

        await using var session = lab.Store.QuerySession();
        var hit = Assert.Single(await KnowledgeSearch.SearchAsync(session, word, 10, kind: "run"));

        Assert.Equal(runId, hit.Id);
        Assert.Contains($"<mark>{word}</mark>", hit.Snippet, StringComparison.Ordinal);
        Assert.DoesNotContain("{", hit.Snippet, StringComparison.Ordinal);
        Assert.DoesNotContain("&quot;", hit.Snippet, StringComparison.Ordinal);
        // Each name is its words, so that "routed experts" finds the run too.
        Assert.Contains(runId, (await KnowledgeSearch.SearchAsync(session, $"{word} routed experts 16", 10, kind: "run")).Select(h => h.Id));
    }

    [Theory]
    [InlineData("""{"preset":"tiny"}""", "preset tiny.")]
    [InlineData("""{"preset":"small","model":{"gating":"sigmoid","routed_experts":16,"attention":{"kind":"mla","kv_lora_rank":32}},"training":{"steps":200}}""",
        "preset small; model: gating sigmoid, routed experts 16, attention kind mla, attention kv lora rank 32; training: steps 200.")]
    [InlineData("""{"data":{"source":"synthetic","domains":["code","prose"]},"seed":null}""", "seed none; data: source synthetic, domains code prose.")]
    [InlineData("not json {", "not json {")]
    [InlineData("[1, 2]", "[1, 2]")]
    public void A_configuration_in_words_keeps_every_setting_and_no_json(string config, string words) =>
        Assert.Equal(words, RunEntry.InWords(config));

    /// <summary>Writes a run's life straight into its stream (the pool's grains are tested elsewhere); its knowledge entry is projected from it.</summary>
    private async Task<Guid> RecordRunAsync(Guid ideaId, Guid by, double deviceSeconds, string config = """{"preset":"tiny"}""")
    {
        var runId = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        var outcome = new RunOutcome(40, 2.1, 2.3, 1000, 1.5, 1.2, "checkpoints/step-40");
        await using var session = lab.Store.LightweightSession();
        session.Events.StartStream<RunSummary>(runId,
            new RunSubmitted(runId, ideaId, by, config, 40, 1, null, now),
            new RunPlaced(runId, "node-a", [0], 1, now),
            new RunStarted(runId, 1, now),
            new RunLeaseReleased(runId, ideaId, "node-a", 1, deviceSeconds, now),
            new RunFinished(runId, outcome, now));
        await session.SaveChangesAsync();
        return runId;
    }
}
