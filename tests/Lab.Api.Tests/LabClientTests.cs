using System.Net;
using Lab.Client;
using Lab.Contracts.Ideas;
using Lab.Contracts.Runs;

namespace Lab.Api.Tests;

/// <summary>
/// The typed client the portal, the <c>lab</c> command and the worker share, against the real API: answers as the
/// contracts' records, refusals as one exception with the field errors, batch lookups, and following a run's metrics.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class LabClientTests(ApiFixture api)
{
    private LabClient Lab => new(api.Http);

    [Fact]
    public async Task Answers_are_the_contracts_records_and_a_refusal_carries_the_field_errors()
    {
        var idea = await Lab.ProposeIdeaAsync(new ProposeIdea("Typed " + Guid.NewGuid().ToString("N")[..8], "One client serves every front-end."));
        var read = await Lab.GetIdeaAsync(idea.Id);
        Assert.Equal((idea.Id, idea.Title, IdeaStatus.Proposed), (read.Id, read.Title, read.Status));
        Assert.Equal(api.MemberId, (await Lab.GetMeAsync()).Id);

        var refused = await Assert.ThrowsAsync<LabClientException>(() => Lab.ProposeIdeaAsync(new ProposeIdea("", "")));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.True(refused.IsRefusal);
        Assert.Contains("title", refused.Errors.Keys);
        Assert.Contains("hypothesis", refused.Errors.Keys);
        var notThere = await Assert.ThrowsAsync<LabClientException>(() => Lab.GetIdeaAsync(Guid.NewGuid()));
        Assert.True(notThere.IsNotFound);
        Assert.Contains("No idea has the id", notThere.Detail);
        Assert.Null(await Lab.GetIdeaAsync(Guid.NewGuid()).OrNullWhenNotFound());
    }

    [Fact]
    public async Task A_rejected_token_and_an_unreachable_lab_are_told_apart()
    {
        using var stranger = api.ClientWith("lab_not-a-real-token");
        var rejected = await Assert.ThrowsAsync<LabClientException>(() => new LabClient(stranger).GetMeAsync());
        Assert.True(rejected.IsUnauthorized);
        Assert.False(rejected.IsRefusal);
        Assert.Null(await Lab.WhoIsAsync("lab_not-a-real-token"));
        Assert.Equal(api.MemberId, (await Lab.WhoIsAsync(api.Token))!.Id);

        using var nowhere = LabClient.HttpClientFor(new Uri("http://127.0.0.1:9/"), api.Token);
        var unreachable = await Assert.ThrowsAsync<LabClientException>(() => new LabClient(nowhere).GetPoolAsync());
        Assert.True(unreachable.IsUnreachable);
        Assert.StartsWith("Cannot reach Lab at http://127.0.0.1:9/", unreachable.Message);
    }

    [Fact]
    public async Task Ideas_and_members_are_looked_up_by_id_however_many_there_are()
    {
        var ideas = new List<IdeaView>();
        for (var i = 0; i < 3; i++)
        {
            ideas.Add(await Lab.ProposeIdeaAsync(new ProposeIdea($"Looked up {i} {Guid.NewGuid():N}"[..20], "Found by id.")));
        }
        // More ids than one call takes: the client asks in batches.
        var asked = ideas.Select(i => i.Id).Concat(Enumerable.Range(0, LabClient.MaxIdsPerLookup + 5).Select(_ => Guid.NewGuid())).Append(ideas[0].Id).ToList();

        var found = await Lab.GetIdeasAsync(asked);

        Assert.Equal(ideas.ToDictionary(i => i.Id, i => i.Title), found.ToDictionary(f => f.Key, f => f.Value.Title));
        Assert.Equal(api.MemberId, Assert.Single(await Lab.GetResearchersAsync([api.MemberId, Guid.NewGuid()])).Key);
        Assert.Empty(await Lab.GetIdeasAsync([]));
    }

    [Fact]
    public async Task Following_a_run_continues_after_the_line_given_and_ends_with_the_line_that_ends_the_run()
    {
        var idea = await Lab.ProposeIdeaAsync(new ProposeIdea("Followed " + Guid.NewGuid().ToString("N")[..8], "A run is followed to its end."));
        var run = await Lab.SubmitRunAsync(new RunSubmission(idea.Id, RunSubmission.Configuration(null, "tiny", steps: 30, seed: 3), 1, null));
        Assert.Contains("\"steps\":30", run.Config);

        var stored = await Lab.ReadRunMetricsAsync(run.Id, follow: false).ToListAsync();
        Assert.Equal("submitted", Assert.Single(stored).Detail);
        // A run's version is the seq of its last line: a reader of the run continues from there.
        Assert.Equal(run.Version, stored[^1].Seq);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var following = Lab.FollowRunMetricsAsync(run.Id, after: run.Version, timeout.Token).ToListAsync(timeout.Token).AsTask();
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(following.IsCompleted, "the stream ended while the run was waiting");
        await Lab.CancelRunAsync(run.Id);
        var followed = await following;

        Assert.Equal(RunStatus.Cancelled, followed[^1].Status);
        Assert.All(followed, line => Assert.True(line.Seq > run.Version, $"line {line.Seq} was read before"));
    }
}
