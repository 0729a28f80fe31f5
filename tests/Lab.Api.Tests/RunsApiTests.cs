using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;

namespace Lab.Api.Tests;

/// <summary>Runs through the API: submission refused with the training engine's own validation, cancellation rights, the metrics stream, the pool view.</summary>
[Collection(ApiCollection.Name)]
public sealed class RunsApiTests(ApiFixture api)
{
    private static readonly object Tiny = new { preset = "tiny", training = new { steps = 30, seed = 3 } };

    [Fact]
    public async Task A_bad_configuration_is_refused_with_the_engines_reason_and_nothing_is_written()
    {
        var idea = await IdeaAsync();
        var before = await api.EventCountAsync();

        using var topK = await api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = new { preset = "tiny", model = new { top_k = 9, routed_experts = 4 } } });
        Assert.Equal(HttpStatusCode.BadRequest, topK.StatusCode);
        Assert.Contains("top_k", (await topK.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("config")[0].GetString());
        // Every problem of the configuration, one message each.
        using var twoWrongs = await api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = new { preset = "tiny", model = new { layers = -1 }, training = new { learning_rate = 0 } } });
        Assert.Equal(HttpStatusCode.BadRequest, twoWrongs.StatusCode);
        var problems = (await twoWrongs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("config").EnumerateArray().Select(m => m.GetString()!).ToList();
        Assert.Contains(problems, m => m.Contains("model.layers", StringComparison.Ordinal) && !m.Contains("learning_rate", StringComparison.Ordinal));
        Assert.Contains(problems, m => m.Contains("training.learning_rate", StringComparison.Ordinal) && !m.Contains("model.layers", StringComparison.Ordinal));
        using var misspelt = await api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = new { training = new { stepz = 10 } } });
        Assert.Equal(HttpStatusCode.BadRequest, misspelt.StatusCode);
        using var noPreset = await api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = new { preset = "huge" } });
        Assert.Equal(HttpStatusCode.BadRequest, noPreset.StatusCode);
        using var noConfig = await api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea });
        Assert.Equal(HttpStatusCode.BadRequest, noConfig.StatusCode);
        using var tooWide = await api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = Tiny, devices = 65 });
        Assert.Equal(HttpStatusCode.BadRequest, tooWide.StatusCode);
        using var badKind = await api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = Tiny, kind = "tpu" });
        Assert.Equal(HttpStatusCode.BadRequest, badKind.StatusCode);
        using var noIdea = await api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = Guid.NewGuid(), config = Tiny });
        Assert.Equal(HttpStatusCode.NotFound, noIdea.StatusCode);

        Assert.Equal(before, await api.EventCountAsync());
    }

    [Fact]
    public async Task A_submitted_run_is_listed_streamed_and_cancellable_only_by_its_submitter_or_the_ideas_team()
    {
        var idea = await IdeaAsync();
        using var created = await api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = Tiny });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var run = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = run.GetProperty("id").GetGuid();
        Assert.Equal(30, run.GetProperty("totalSteps").GetInt32());
        Assert.Contains("\"seed\":3", run.GetProperty("config").GetString());
        Assert.Contains("\"model_dim\":64", run.GetProperty("config").GetString()); // the preset, resolved

        var list = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/runs?ideaId={idea}");
        Assert.Equal(id, Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        var metrics = await api.Http.GetStringAsync($"/api/v1/runs/{id}/metrics?follow=false");
        Assert.Equal("submitted", JsonDocument.Parse(metrics.Split('\n')[0]).RootElement.GetProperty("detail").GetString());

        var (stranger, _) = await NewMemberAsync("stranger");
        using (stranger)
        {
            using var refused = await stranger.PostAsync($"/api/v1/runs/{id}/cancel", null);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        Assert.NotEqual("Cancelled", (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{id}")).GetProperty("status").GetString());

        using var cancelled = await api.Http.PostAsync($"/api/v1/runs/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("Cancelled", (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{id}")).GetProperty("status").GetString());
        // Status filters take the names in any case, as the ideas' do.
        var cancelledRuns = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/runs?ideaId={idea}&status=cancelled");
        Assert.Equal(id, Assert.Single(cancelledRuns.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        var runningRuns = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/runs?ideaId={idea}&status=Running");
        Assert.Empty(runningRuns.GetProperty("items").EnumerateArray());

        // Each metrics line has its seq; a reader that lost the stream continues after the last one it read.
        var lines = (await api.Http.GetStringAsync($"/api/v1/runs/{id}/metrics?follow=false"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var seqs = lines.Select(l => l.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal("cancelled", lines[^1].GetProperty("detail").GetString());
        // The run is over, so even a following reader gets what is left and the stream ends.
        var rest = (await api.Http.GetStringAsync($"/api/v1/runs/{id}/metrics?after={seqs[0]}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(seqs.Skip(1), rest);
        Assert.Empty((await api.Http.GetStringAsync($"/api/v1/runs/{id}/metrics?after={seqs[^1]}")).Trim());
        using var again = await api.Http.PostAsync($"/api/v1/runs/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var unknown = await api.Http.PostAsync($"/api/v1/runs/{Guid.NewGuid()}/cancel", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // Its submitter, and only its submitter, puts it back in the queue.
        var (other, _) = await NewMemberAsync("other");
        using (other)
        {
            using var notTheirs = await other.PostAsync($"/api/v1/runs/{id}/resume", null);
            Assert.Equal(HttpStatusCode.Forbidden, notTheirs.StatusCode);
        }
        using var resumed = await api.Http.PostAsync($"/api/v1/runs/{id}/resume", null);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var history = (await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(("cancelled", api.MemberId), (history[^2].GetProperty("event").GetString(), history[^2].GetProperty("by").GetGuid()));
        Assert.Equal("reopened", history[^1].GetProperty("event").GetString());
        Assert.NotEqual("Cancelled", (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{id}")).GetProperty("status").GetString());
        using var resumedAgain = await api.Http.PostAsync($"/api/v1/runs/{id}/resume", null);
        Assert.Equal(HttpStatusCode.Conflict, resumedAgain.StatusCode);
        using var cancelledAgain = await api.Http.PostAsync($"/api/v1/runs/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelledAgain.StatusCode);
    }

    [Fact]
    public async Task The_pool_shows_the_queue_with_a_reason_for_each_waiting_run_and_the_ideas_fair_shares()
    {
        var idea = await IdeaAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            using var created = await api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = Tiny, kind = "cuda", devices = 2 });
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }
        var pool = await api.Http.GetFromJsonAsync<JsonElement>("/api/v1/pool");
        var queued = pool.GetProperty("queue").EnumerateArray().Where(q => ids.Contains(q.GetProperty("runId").GetGuid())).ToList();
        Assert.Equal(ids, queued.Select(q => q.GetProperty("runId").GetGuid()));
        Assert.All(queued, q => Assert.Equal("no live node has 2 cuda devices", q.GetProperty("reason").GetString()));
        Assert.Contains(pool.GetProperty("shares").EnumerateArray(), s => s.GetProperty("ideaId").GetGuid() == idea && s.GetProperty("demand").GetInt32() == 6);
        foreach (var id in ids)
        {
            using var _ = await api.Http.PostAsync($"/api/v1/runs/{id}/cancel", null);
        }
    }

    [Fact]
    public async Task Metrics_streams_share_one_reader_of_the_database_and_each_member_may_keep_only_a_few_open()
    {
        var idea = await IdeaAsync();
        using var created = await api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = Tiny });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(); // waits: no worker here
        var members = new List<HttpClient>();
        var streams = new List<HttpResponseMessage>();
        try
        {
            for (var m = 0; m < 5; m++)
            {
                var (member, _) = await NewMemberAsync("reader");
                members.Add(member);
                for (var s = 0; s < Lab.Api.Infrastructure.RunEventsFeed.MaxFollowersPerMember; s++)
                {
                    streams.Add(await member.GetAsync($"/api/v1/runs/{id}/metrics", HttpCompletionOption.ResponseHeadersRead));
                    Assert.Equal(HttpStatusCode.OK, streams[^1].StatusCode);
                }
            }
            using (var oneTooMany = await members[0].GetAsync($"/api/v1/runs/{id}/metrics", HttpCompletionOption.ResponseHeadersRead))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, oneTooMany.StatusCode);
                Assert.Equal("application/problem+json", oneTooMany.Content.Headers.ContentType?.MediaType);
            }
            using (var snapshot = await members[0].GetAsync($"/api/v1/runs/{id}/metrics?follow=false"))
            {
                Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode); // reading what is there needs no open stream
            }

            // Forty open streams for three seconds: the database sees the API's few pooled connections, not one per stream.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.InRange(await ConnectionsToTheDatabaseAsync(), 1, 12);

            // A line appended now reaches an open stream.
            using var cancelled = await api.Http.PostAsync($"/api/v1/runs/{id}/cancel", null);
            using var reader = new StreamReader(await streams[^1].Content.ReadAsStreamAsync());
            var lines = new List<string>();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (await reader.ReadLineAsync(patience.Token) is { } line)
            {
                lines.Add(line);
            }
            Assert.Equal("cancelled", JsonDocument.Parse(lines[^1]).RootElement.GetProperty("detail").GetString());
        }
        finally
        {
            streams.ForEach(s => s.Dispose());
            members.Skip(1).ToList().ForEach(m => m.Dispose());
        }

        // Closed streams free their places.
        using var secondRun = await api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = Tiny });
        var second = (await secondRun.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using (var member = members[0])
        {
            var open = new List<HttpResponseMessage>();
            for (var s = 0; s < Lab.Api.Infrastructure.RunEventsFeed.MaxFollowersPerMember; s++)
            {
                open.Add(await member.GetAsync($"/api/v1/runs/{second}/metrics", HttpCompletionOption.ResponseHeadersRead));
            }
            Assert.All(open, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            open[0].Dispose();
            await Polling.UntilAsync(async () =>
            {
                using var again = await member.GetAsync($"/api/v1/runs/{second}/metrics", HttpCompletionOption.ResponseHeadersRead);
                return again.StatusCode == HttpStatusCode.OK;
            }, "a closed stream freed its place", TimeSpan.FromSeconds(20));
            open.ForEach(r => r.Dispose());
        }
        using var _ = await api.Http.PostAsync($"/api/v1/runs/{second}/cancel", null);
    }

    private async Task<long> ConnectionsToTheDatabaseAsync()
    {
        await using var session = api.Store.QuerySession();
        return (await session.QueryAsync<long>("select count(*) from pg_stat_activity where datname = current_database()"))[0];
    }

    private async Task<Guid> IdeaAsync()
    {
        using var created = await api.Http.PostAsJsonAsync("/api/v1/ideas", new { title = "Runs " + Guid.NewGuid().ToString("N")[..6], hypothesis = "Runs can be put on the pool." });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private async Task<(HttpClient Client, Guid Id)> NewMemberAsync(string name)
    {
        using var invitation = await api.Http.PostAsync("/api/v1/invitations", null);
        var code = (await invitation.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
        using var invitee = api.ClientWith(code);
        using var joined = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)], name });
        var body = await joined.Content.ReadFromJsonAsync<JsonElement>();
        return (api.ClientWith(body.GetProperty("token").GetProperty("token").GetString()), body.GetProperty("researcher").GetProperty("id").GetGuid());
    }
}
