using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Client;
using Lab.Contracts.Runs;

namespace Lab.Api.Tests;

/// <summary>
/// Runs named and tagged through the API: only by those who may act on the run, every change in its history and
/// reversible, bad input refused before anything is written; the run list filtered by tag and text and sorted by any
/// column, with what each run trains.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class RunLabelsApiTests(ApiFixture api)
{
    private static readonly object Tiny = new { preset = "tiny", training = new { steps = 30, seed = 3 } };

    [Fact]
    public async Task Its_submitter_names_and_tags_a_run_and_every_change_is_in_its_history_and_can_be_undone()
    {
        var (ada, adaId) = await api.NewMemberAsync("ada");
        using var _ = ada;
        var idea = await IdeaAsync(ada);
        var run = await SubmitAsync(ada, idea, Tiny);
        var tag = "sweep-" + Guid.NewGuid().ToString("N")[..6];

        var named = await Answers.Ok(ada.PutAsJsonAsync($"/api/v1/runs/{run}/name", new { name = "  tiny, lr 3e-3  " }));
        Assert.Equal("tiny, lr 3e-3", named.GetProperty("name").GetString());
        var tagged = await Answers.Ok(ada.PostAsJsonAsync($"/api/v1/runs/{run}/tags", new { tags = new[] { "Baseline", tag, "baseline" } }));
        Assert.Equal(["baseline", tag], Tags(tagged));
        // Tags it carries already change nothing, and write nothing.
        var events = await api.EventCountAsync();
        Assert.Equal(["baseline", tag], Tags(await Answers.Ok(ada.PostAsJsonAsync($"/api/v1/runs/{run}/tags", new { tags = new[] { "baseline" } }))));
        Assert.Equal(events, await api.EventCountAsync());

        var renamed = await Answers.Ok(ada.PutAsJsonAsync($"/api/v1/runs/{run}/name", new { name = "tiny baseline" }));
        Assert.Equal("tiny baseline", renamed.GetProperty("name").GetString());
        var untagged = await Answers.Ok(ada.DeleteAsync($"/api/v1/runs/{run}/tags?tag=BASELINE&tag=never-there"));
        Assert.Equal([tag], Tags(untagged));
        var cleared = await Answers.Ok(ada.PutAsJsonAsync($"/api/v1/runs/{run}/name", new { name = (string?)null }));
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("name").ValueKind);

        var history = (await ada.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{run}")).GetProperty("history").EnumerateArray()
            .Where(h => h.GetProperty("event").GetString() is "named" or "tagged" or "untagged")
            .Select(h => (Event: h.GetProperty("event").GetString(), Detail: h.GetProperty("detail").GetString(), By: h.GetProperty("by").GetGuid()))
            .ToList();
        Assert.Equal(
            [
                ("named", "\"tiny, lr 3e-3\"", adaId),
                ("tagged", $"baseline, {tag}", adaId),
                ("named", "\"tiny baseline\" (was \"tiny, lr 3e-3\")", adaId),
                ("untagged", "baseline", adaId),
                ("named", "its name \"tiny baseline\" cleared", adaId),
            ],
            history);

        // The list finds it by its tag, and counts the tag.
        var byTag = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/runs?tag={tag.ToUpperInvariant()}");
        Assert.Equal(run, Assert.Single(byTag.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        var tags = await ada.GetFromJsonAsync<JsonElement>("/api/v1/runs/tags");
        Assert.Contains(tags.EnumerateArray(), t => t.GetProperty("tag").GetString() == tag && t.GetProperty("runs").GetInt32() == 1);
        await CancelAsync(ada, run);
    }

    [Fact]
    public async Task Only_its_submitter_and_its_ideas_team_may_name_or_tag_a_run_and_a_refusal_writes_nothing()
    {
        var (ada, _) = await api.NewMemberAsync("ada");
        var (bob, _) = await api.NewMemberAsync("bob");
        var (cat, _) = await api.NewMemberAsync("cat");
        using var _a = ada;
        using var _b = bob;
        using var _c = cat;
        var idea = await IdeaAsync(ada);
        var run = await SubmitAsync(ada, idea, Tiny);
        await Answers.Ok(ada.PostAsJsonAsync($"/api/v1/runs/{run}/tags", new { tags = new[] { "keep" } }));
        var before = await api.EventCountAsync();

        // Someone neither submitted it nor is on its idea's team: refused, in a full sentence, and nothing is written.
        foreach (var call in new Func<HttpClient, Task<HttpResponseMessage>>[]
        {
            c => c.PutAsJsonAsync($"/api/v1/runs/{run}/name", new { name = "mine now" }),
            c => c.PostAsJsonAsync($"/api/v1/runs/{run}/tags", new { tags = new[] { "hijacked" } }),
            c => c.DeleteAsync($"/api/v1/runs/{run}/tags?tag=keep"),
        })
        {
            var refused = await Answers.Expect(call(bob), HttpStatusCode.Forbidden);
            Assert.StartsWith("Only the member who submitted a run or a member of its idea's team can", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(before, await api.EventCountAsync());
        var unchanged = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{run}");
        Assert.Equal(JsonValueKind.Null, unchanged.GetProperty("name").ValueKind);
        Assert.Equal(["keep"], Tags(unchanged));

        // Cat joins the idea's team and may then: the act is recorded as Cat's, never as anyone else's.
        await Answers.Ok(cat.PostAsync($"/api/v1/ideas/{idea}/team/join", null));
        var named = await Answers.Ok(cat.PutAsJsonAsync($"/api/v1/runs/{run}/name", new { name = "named by the team" }));
        var me = await cat.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal(me.GetProperty("id").GetGuid(), named.GetProperty("history").EnumerateArray().Last().GetProperty("by").GetGuid());

        // Without a token: 401, nothing written.
        var count = await api.EventCountAsync();
        using (var anonymous = await api.Anonymous.PutAsJsonAsync($"/api/v1/runs/{run}/name", new { name = "x" }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        Assert.Equal(count, await api.EventCountAsync());
        await CancelAsync(ada, run);
    }

    [Fact]
    public async Task Bad_names_and_tags_are_refused_with_the_field_at_fault_and_change_nothing()
    {
        var (ada, _) = await api.NewMemberAsync("ada");
        using var _ = ada;
        var idea = await IdeaAsync(ada);
        var run = await SubmitAsync(ada, idea, Tiny);
        var bounds = await ada.GetFromJsonAsync<JsonElement>("/api/v1/bounds");
        var maxName = bounds.GetProperty("maxRunNameLength").GetInt32();
        var maxTags = bounds.GetProperty("maxTagsPerRun").GetInt32();
        var maxTag = bounds.GetProperty("maxTagLength").GetInt32();
        var before = await api.EventCountAsync();

        await Refused(ada.PutAsJsonAsync($"/api/v1/runs/{run}/name", new { name = new string('n', maxName + 1) }), "name");
        await Refused(ada.PutAsJsonAsync($"/api/v1/runs/{run}/name", new { name = "two\nlines" }), "name");
        await Refused(ada.PostAsJsonAsync($"/api/v1/runs/{run}/tags", new { tags = Array.Empty<string>() }), "tags");
        await Refused(ada.PostAsJsonAsync($"/api/v1/runs/{run}/tags", new { tags = new[] { "two words" } }), "tags");
        await Refused(ada.PostAsJsonAsync($"/api/v1/runs/{run}/tags", new { tags = new[] { "-leading" } }), "tags");
        await Refused(ada.PostAsJsonAsync($"/api/v1/runs/{run}/tags", new { tags = new[] { new string('t', maxTag + 1) } }), "tags");
        await Refused(ada.PostAsJsonAsync($"/api/v1/runs/{run}/tags", new { tags = Enumerable.Range(0, maxTags + 1).Select(i => $"t{i}").ToArray() }), "tags");
        await Refused(ada.PostAsJsonAsync($"/api/v1/runs/{run}/tags", new { tags = new[] { "ok", "<script>" } }), "tags");
        await Refused(ada.DeleteAsync($"/api/v1/runs/{run}/tags"), "tag");
        await Refused(ada.DeleteAsync($"/api/v1/runs/{run}/tags?tag=a%20b"), "tag");
        using (var notJson = await ada.PostAsync($"/api/v1/runs/{run}/tags", new StringContent("{\"tags\": 7}", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
            Assert.Equal("application/problem+json", notJson.Content.Headers.ContentType?.MediaType);
        }
        await Answers.Expect(ada.PutAsJsonAsync($"/api/v1/runs/{Guid.NewGuid()}/name", new { name = "nobody" }), HttpStatusCode.NotFound);
        await Answers.Expect(ada.PostAsJsonAsync($"/api/v1/runs/{Guid.NewGuid()}/tags", new { tags = new[] { "nobody" } }), HttpStatusCode.NotFound);
        Assert.Equal(before, await api.EventCountAsync());

        // Up to the bound, one tag more than it carries is refused as a whole.
        await Answers.Ok(ada.PostAsJsonAsync($"/api/v1/runs/{run}/tags", new { tags = Enumerable.Range(0, maxTags).Select(i => $"t{i}").ToArray() }));
        var full = await api.EventCountAsync();
        await Refused(ada.PostAsJsonAsync($"/api/v1/runs/{run}/tags", new { tags = new[] { "one-more" } }), "tags");
        Assert.Equal(full, await api.EventCountAsync());

        // The list's filters are checked too.
        await Refused(ada.GetAsync("/api/v1/runs?tag=a%20b"), "tag");
        await Refused(ada.GetAsync("/api/v1/runs?sort=colour"), "sort");
        await Refused(ada.GetAsync("/api/v1/runs?order=up"), "order");
        await Refused(ada.GetAsync($"/api/v1/runs?q={new string('q', RunsApiLimits.MaxText + 1)}"), "q");
        await Refused(ada.GetAsync("/api/v1/runs?q=%1B%5B31m"), "q");
        await CancelAsync(ada, run);
    }

    [Fact]
    public async Task The_run_list_shows_what_each_run_trains_finds_runs_by_text_and_sorts_by_any_column_with_unknowns_last()
    {
        var (ada, _) = await api.NewMemberAsync("ada");
        using var _ = ada;
        var word = "Kestrel" + Guid.NewGuid().ToString("N")[..6];
        var idea = await IdeaAsync(ada, $"{word} widths");
        var tiny = await SubmitAsync(ada, idea, Tiny);
        var wide = await SubmitAsync(ada, idea, new { preset = "tiny", model = new { model_dim = 128 }, training = new { steps = 50 } });
        var small = await SubmitAsync(ada, idea, new { preset = "small", training = new { steps = 40 } });
        var dense = await SubmitAsync(ada, idea, new { preset = "tiny", model = new { feed_forward = "dense" }, training = new { steps = 20 } });
        await Answers.Ok(ada.PutAsJsonAsync($"/api/v1/runs/{wide}/name", new { name = "beta wide" }));
        await Answers.Ok(ada.PutAsJsonAsync($"/api/v1/runs/{small}/name", new { name = "Alpha small" }));

        var list = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/runs?ideaId={idea}");
        var setups = list.GetProperty("items").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetGuid(), r => r.GetProperty("setup"));
        Assert.Equal(("tiny", "moe", 64, 2, 8, 2, 1, 30, "synthetic", 3L), Setup(setups[tiny]));
        Assert.Equal((null, "moe", 128, 2, 8, 2, 1, 50, "synthetic", 1L), Setup(setups[wide]));
        Assert.Equal(("small", "moe", 256, 4, 16, 4, 1, 40, "synthetic", 1L), Setup(setups[small]));
        Assert.Equal("dense", setups[dense].GetProperty("feedForward").GetString());

        // Text: a name holding it (any case), or the idea's title.
        Assert.Equal([small], await IdsAsync(ada, $"ideaId={idea}&q=ALPHA"));
        Assert.Equal(4, (await IdsAsync(ada, $"q={word.ToLowerInvariant()}")).Count);

        // Each column, each way: runs without a name (or a figure) come last whichever way.
        Assert.Equal([small, wide, dense, tiny], await IdsAsync(ada, $"ideaId={idea}&sort=name"));
        Assert.Equal([wide, small, dense, tiny], await IdsAsync(ada, $"ideaId={idea}&sort=name&order=desc"));
        Assert.Equal([small, wide], (await IdsAsync(ada, $"ideaId={idea}&sort=modelDim")).Take(2));
        Assert.Equal([small, wide], (await IdsAsync(ada, $"ideaId={idea}&sort=modeldim&order=desc")).Take(2));
        Assert.Equal([dense, tiny, wide, small], await IdsAsync(ada, $"ideaId={idea}&sort=modelDim&order=asc"));
        Assert.Equal([wide, small, tiny, dense], await IdsAsync(ada, $"ideaId={idea}&sort=steps"));
        Assert.Equal([dense, tiny, small, wide], await IdsAsync(ada, $"ideaId={idea}&sort=steps&order=asc"));
        Assert.Equal(small, (await IdsAsync(ada, $"ideaId={idea}&sort=layers"))[0]);
        Assert.Equal(small, (await IdsAsync(ada, $"ideaId={idea}&sort=experts"))[0]);
        // No run has a loss yet: the order falls back to the newest first.
        Assert.Equal([dense, small, wide, tiny], await IdsAsync(ada, $"ideaId={idea}&sort=loss"));
        Assert.Equal([dense, small, wide, tiny], await IdsAsync(ada, $"ideaId={idea}&sort=valLoss&order=desc"));
        Assert.Equal([tiny, wide, small, dense], await IdsAsync(ada, $"ideaId={idea}&order=asc"));
        foreach (var column in Enum.GetNames<RunSort>())
        {
            foreach (var order in new[] { "asc", "desc" })
            {
                Assert.Equal(4, (await IdsAsync(ada, $"ideaId={idea}&sort={column}&order={order}")).Count);
            }
        }
        // Pages of a sorted list never overlap.
        var first = await IdsAsync(ada, $"ideaId={idea}&sort=status&limit=2");
        var second = await IdsAsync(ada, $"ideaId={idea}&sort=status&limit=2&offset=2");
        Assert.Equal(4, first.Concat(second).Distinct().Count());

        // The typed client asks for the same.
        using var http = LabClientFor(ada);
        var client = new LabClient(http);
        var page = await client.ListRunsAsync(new RunQuery(IdeaId: idea, Order: RunSort.Name, Direction: SortDirection.Desc));
        Assert.Equal([wide, small, dense, tiny], page.Items.Select(r => r.Id));
        Assert.Equal("beta wide", page.Items[0].Name);
        Assert.Equal(128, page.Items[0].Setup!.ModelDim);
        var tagged = await client.TagRunAsync(tiny, ["Client-Tag"]);
        Assert.Equal(["client-tag"], tagged.Tags);
        Assert.Equal([tiny], (await client.ListRunsAsync(new RunQuery(Tag: "client-tag", IdeaId: idea))).Items.Select(r => r.Id));
        Assert.Empty((await client.UntagRunAsync(tiny, ["client-tag"])).Tags!);
        Assert.Equal("renamed", (await client.NameRunAsync(tiny, "renamed")).Name);
        var problem = await Assert.ThrowsAsync<LabClientException>(() => client.TagRunAsync(tiny, ["no spaces please"]));
        Assert.Contains("tags", problem.Errors.Keys);

        foreach (var run in new[] { tiny, wide, small, dense })
        {
            await CancelAsync(ada, run);
        }
    }

    private HttpClient LabClientFor(HttpClient member)
    {
        var http = api.ClientWith(null);
        http.DefaultRequestHeaders.Authorization = member.DefaultRequestHeaders.Authorization;
        return http;
    }

    private static (string?, string?, int, int, int, int, int, int, string?, long) Setup(JsonElement s) => (
        s.GetProperty("preset").GetString(), s.GetProperty("feedForward").GetString(), s.GetProperty("modelDim").GetInt32(), s.GetProperty("layers").GetInt32(),
        s.GetProperty("routedExperts").GetInt32(), s.GetProperty("topK").GetInt32(), s.GetProperty("sharedExperts").GetInt32(), s.GetProperty("steps").GetInt32(),
        s.GetProperty("data").GetString(), s.GetProperty("seed").GetInt64());

    private static async Task<List<Guid>> IdsAsync(HttpClient member, string query) =>
        [.. (await Answers.Ok(member.GetAsync($"/api/v1/runs?{query}"))).GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetGuid())];

    private static List<string> Tags(JsonElement run) => [.. run.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)];

    private static async Task Refused(Task<HttpResponseMessage> call, string field)
    {
        var problem = await Answers.Expect(call, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"the problem names {field}: {problem}");
    }

    private static async Task<Guid> IdeaAsync(HttpClient member, string? title = null) =>
        (await Answers.Created(member.PostAsJsonAsync("/api/v1/ideas", new { title = title ?? "Labels " + Guid.NewGuid().ToString("N")[..6], hypothesis = "Named runs are easier to compare." })))
            .GetProperty("id").GetGuid();

    private static async Task<Guid> SubmitAsync(HttpClient member, Guid idea, object config) =>
        (await Answers.Created(member.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config }))).GetProperty("id").GetGuid();

    /// <summary>No worker runs here: the run would wait for ever and count against its submitter's waiting runs.</summary>
    private static async Task CancelAsync(HttpClient member, Guid run) => await Answers.Ok(member.PostAsync($"/api/v1/runs/{run}/cancel", null));

    private static class RunsApiLimits
    {
        public const int MaxText = Lab.Api.Apis.RunsApi.MaxTextFilterLength;
    }
}
