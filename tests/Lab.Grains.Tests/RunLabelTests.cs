using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Knowledge.Reading;
using Lab.Knowledge.Runs;

namespace Lab.Grains.Tests;

/// <summary>A run's name and tags, decided by its grain: who may, what its knowledge entry and search say, and its state after a restart.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class RunLabelTests(GrainClusterFixture lab)
{
    [Fact]
    public async Task A_run_named_and_tagged_before_and_after_it_finished_is_found_by_its_name_and_tags()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var ideaId = Guid.CreateVersion7();
        await lab.Client.GetGrain<IIdeaGrain>(ideaId).Propose(new ProposeIdea("Labels on runs", "Runs are easier to find by name."), ada);
        var runId = Guid.CreateVersion7();
        var run = lab.Client.GetGrain<IRunGrain>(runId);
        var word = "ocelot" + Guid.NewGuid().ToString("N")[..6];
        await run.Submit(new SubmitRun(ideaId, """{"preset":"tiny"}""", 40), ada);
        await run.Tag(["early"], ada);
        await run.Place("node-a", [0], 1);
        var now = DateTimeOffset.UtcNow;
        await run.Record(new RunReport(runId, 1, RunReportKind.Started, now));
        await run.End(new RunReport(runId, 1, RunReportKind.Finished, now, Step: 40, Loss: 2.5, ValLoss: 2.7, TokensPerS: 1000,
            ModelGflopsPerS: 1.5, ExpertLoadMaxOverMean: 1.2, Checkpoint: "checkpoints/step-40"));
        await run.Name($"{word} baseline", ada);
        await run.Tag(["late-" + word], ada);

        await using (var session = lab.Store.QuerySession())
        {
            var entry = await session.LoadAsync<RunEntry>(runId);
            Assert.Equal($"{word} baseline", entry!.Name);
            Assert.Equal(["early", "late-" + word], entry.Tags);
            Assert.StartsWith($"Run \"{word} baseline\" for \"Labels on runs\"", entry.Title, StringComparison.Ordinal);
            Assert.Equal(runId, Assert.Single(await KnowledgeSearch.SearchAsync(session, word, 10, kind: "run")).Id);
        }

        // Renamed: the entry says what members call it now, and the old name finds it no more.
        await run.Name("renamed", ada);
        await run.Untag(["late-" + word, "early"], ada);
        await using (var session = lab.Store.QuerySession())
        {
            var entry = await session.LoadAsync<RunEntry>(runId);
            Assert.Equal("renamed", entry!.Name);
            Assert.Empty(entry.Tags);
            Assert.Empty(await KnowledgeSearch.SearchAsync(session, word, 10, kind: "run"));
        }

        // Its grain, started again from the store, knows its name and tags.
        await lab.DeactivateAllAsync();
        var view = (await run.Get())!;
        Assert.Equal("renamed", view.Name);
        Assert.Empty(view.Tags!);
        Assert.Equal(["submitted", "tagged", "placed", "started", "finished", "named", "tagged", "named", "untagged"],
            view.History.Select(h => h.Event).Where(e => e != "checkpointed"));
    }

    [Fact]
    public async Task Nobody_but_its_submitter_and_its_ideas_team_names_or_tags_a_run_and_a_refusal_records_nothing()
    {
        var ada = await Members.JoinAsync(lab.Client, "ada");
        var bob = await Members.JoinAsync(lab.Client, "bob");
        var ideaId = Guid.CreateVersion7();
        await lab.Client.GetGrain<IIdeaGrain>(ideaId).Propose(new ProposeIdea("Who labels runs", "Only the people the run is for."), ada);
        var run = lab.Client.GetGrain<IRunGrain>(Guid.CreateVersion7());
        var version = (await run.Submit(new SubmitRun(ideaId, """{"preset":"tiny"}""", 40), ada)).Version;

        foreach (var act in new Func<Task>[] { () => run.Name("bob's", bob), () => run.Tag(["bob"], bob), () => run.Untag(["bob"], bob) })
        {
            Assert.Equal(LabRefusal.Forbidden, (await Assert.ThrowsAsync<LabRefusedException>(act)).Kind);
        }
        // Input the API would refuse is refused here too, whoever sends it.
        await Assert.ThrowsAsync<LabRefusedException>(() => run.Name(new string('n', 10_000), ada));
        await Assert.ThrowsAsync<LabRefusedException>(() => run.Tag(["not a tag"], ada));
        await Assert.ThrowsAsync<LabRefusedException>(() => run.Untag([], ada));
        Assert.Equal(version, (await run.Get())!.Version);

        await lab.Client.GetGrain<IIdeaGrain>(ideaId).JoinTeam(bob);
        Assert.Equal("bob's", (await run.Name("bob's", bob)).Name);
        Assert.Equal(bob, (await run.Get())!.History[^1].By);
    }
}
