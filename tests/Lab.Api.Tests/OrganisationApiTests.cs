using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

using static Lab.Api.Tests.Answers;

namespace Lab.Api.Tests;

/// <summary>Several researchers running the lab together through the API: joining, ideas, teams, notes, insights, search, history.</summary>
[Collection(ApiCollection.Name)]
public sealed class OrganisationApiTests(ApiFixture api)
{
    [Fact]
    public async Task An_invitation_lets_exactly_one_person_join_and_nothing_else()
    {
        var code = await InviteAsync();
        using var invitee = api.ClientWith(code);

        using var elsewhere = await invitee.GetAsync("/api/v1/ideas");
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);

        var handle = Handle("newcomer");
        using var joined = await invitee.PostAsJsonAsync("/api/v1/join", new { handle, name = "New Comer", interests = new[] { "routing" }, background = "Came from vision." });
        Assert.Equal(HttpStatusCode.Created, joined.StatusCode);
        var body = await joined.Content.ReadFromJsonAsync<JsonElement>();
        using var member = api.ClientWith(body.GetProperty("token").GetProperty("token").GetString());
        var me = await member.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal(handle, me.GetProperty("handle").GetString());

        var before = await api.EventCountAsync();
        using var again = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = Handle("second"), name = "Second Comer" });
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        Assert.Equal(before, await api.EventCountAsync());
    }

    [Fact]
    public async Task Researchers_propose_form_and_leave_teams_and_the_board_and_pages_follow()
    {
        var (ada, adaId) = await NewMemberAsync("ada");
        var (bob, bobId) = await NewMemberAsync("bob");
        var idea = await ProposeAsync(ada, "Fine-grained experts " + Guid.NewGuid().ToString("N")[..6], "Many small experts specialise better than a few big ones.");
        var id = idea.GetProperty("id").GetGuid();
        Assert.Equal(adaId, idea.GetProperty("proposedBy").GetGuid());

        await Ok(ada.PostAsync($"/api/v1/ideas/{id}/team/join", null));
        await Ok(bob.PostAsync($"/api/v1/ideas/{id}/team/join", null));
        var left = await Ok(bob.PostAsync($"/api/v1/ideas/{id}/team/leave", null));
        Assert.Equal([adaId], Ids(left.GetProperty("members")));

        var roster = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/ideas/{id}/team");
        Assert.Equal(adaId, roster.GetProperty("members")[0].GetProperty("id").GetGuid());
        Assert.Equal(bobId, roster.GetProperty("formerMembers")[0].GetProperty("id").GetGuid());

        var byPeople = await ada.GetFromJsonAsync<JsonElement>("/api/v1/ideas?sort=people&status=Proposed&limit=100");
        Assert.Contains(byPeople.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetGuid() == id);
        Assert.All(byPeople.GetProperty("items").EnumerateArray(), i => Assert.Equal("Proposed", i.GetProperty("status").GetString()));
        var sizes = byPeople.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("members").GetArrayLength()).ToList();
        Assert.Equal(sizes.OrderDescending().ToList(), sizes);

        var bobPage = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/researchers/{bobId}");
        Assert.Contains(bobPage.GetProperty("pastTeams").EnumerateArray(), t => t.GetProperty("id").GetGuid() == id);
        var adaPage = await bob.GetFromJsonAsync<JsonElement>($"/api/v1/researchers/{adaPageHandle(adaId)}");
        Assert.Contains(adaPage.GetProperty("currentTeams").EnumerateArray(), t => t.GetProperty("id").GetGuid() == id);
        Assert.Contains(adaPage.GetProperty("proposed").EnumerateArray(), t => t.GetProperty("id").GetGuid() == id);

        string adaPageHandle(Guid member) => member.ToString();
    }

    [Fact]
    public async Task When_an_idea_is_set_aside_its_team_is_invited_to_the_ideas_that_build_on_it()
    {
        var (ada, adaId) = await NewMemberAsync("ada");
        var parent = (await ProposeAsync(ada, "Token dropping", "Dropping overflow tokens is harmless.")).GetProperty("id").GetGuid();
        var child = (await Created(ada.PostAsJsonAsync("/api/v1/ideas", new { title = "Dropless routing", hypothesis = "Never drop.", buildsOn = new[] { parent } }))).GetProperty("id").GetGuid();
        await Ok(ada.PostAsync($"/api/v1/ideas/{parent}/team/join", null));

        var setAside = await Ok(ada.PostAsJsonAsync($"/api/v1/ideas/{parent}/set-aside", new { learned = "Dropping hurts rare domains." }));

        Assert.Equal(0, setAside.GetProperty("members").GetArrayLength());
        Assert.Equal([child], Ids(setAside.GetProperty("invitedTo")));
        var page = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/researchers/{adaId}");
        Assert.Equal(child, Assert.Single(page.GetProperty("invitedTo").EnumerateArray()).GetProperty("id").GetGuid());
        await Ok(ada.PostAsync($"/api/v1/ideas/{child}/team/join", null));
        page = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/researchers/{adaId}");
        Assert.Empty(page.GetProperty("invitedTo").EnumerateArray());
    }

    [Fact]
    public async Task An_idea_is_explored_validated_and_celebrated_in_the_feed_and_its_past_can_be_seen()
    {
        var (ada, _) = await NewMemberAsync("ada");
        var idea = await ProposeAsync(ada, "Sigmoid gating", "Sigmoid affinities route better than softmax.");
        var id = idea.GetProperty("id").GetGuid();
        var proposedAt = idea.GetProperty("proposedAt").GetDateTimeOffset();

        await Ok(ada.PostAsync($"/api/v1/ideas/{id}/explore", null));
        using var noSummary = await ada.PostAsJsonAsync($"/api/v1/ideas/{id}/validate", new { summary = "" });
        Assert.Equal(HttpStatusCode.BadRequest, noSummary.StatusCode);
        var validated = await Ok(ada.PostAsJsonAsync($"/api/v1/ideas/{id}/validate", new { summary = "3 % lower loss at equal compute." }));
        Assert.Equal("Validated", validated.GetProperty("status").GetString());
        using var impossible = await ada.PostAsJsonAsync($"/api/v1/ideas/{id}/revive", new { reason = "Again" });
        Assert.Equal(HttpStatusCode.Conflict, impossible.StatusCode);

        var feed = await ada.GetFromJsonAsync<JsonElement>("/api/v1/feed?limit=10");
        var top = feed.GetProperty("items")[0];
        Assert.Equal("idea-validated", top.GetProperty("kind").GetString());
        Assert.True(top.GetProperty("celebrate").GetBoolean());
        Assert.Equal(id, top.GetProperty("subjectId").GetGuid());

        var timeline = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/ideas/{id}/timeline");
        Assert.Equal(["idea-proposed", "idea-exploring", "idea-validated"], timeline.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList());

        var then = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/ideas/{id}?asOf={Uri.EscapeDataString(proposedAt.ToString("O"))}");
        Assert.Equal("Proposed", then.GetProperty("status").GetString());
        using var beforeItExisted = await ada.GetAsync($"/api/v1/ideas/{id}?asOf=2001-01-01T00:00:00Z");
        Assert.Equal(HttpStatusCode.NotFound, beforeItExisted.StatusCode);
        var labThen = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/lab?asOf={Uri.EscapeDataString(proposedAt.ToString("O"))}");
        Assert.Equal("Proposed", labThen.GetProperty("ideas").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == id).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Only_a_notes_author_can_edit_it_and_a_refused_edit_changes_nothing()
    {
        var (ada, _) = await NewMemberAsync("ada");
        var (bob, _) = await NewMemberAsync("bob");
        var note = await Created(ada.PostAsJsonAsync("/api/v1/notes", new { title = "Warmup", body = "# Warmup\n200 steps is enough.", attachedTo = "Lab" }));
        var noteId = note.GetProperty("id").GetGuid();
        var before = await api.EventCountAsync();

        using var refused = await bob.PutAsJsonAsync($"/api/v1/notes/{noteId}", new { title = "Mine", body = "Overwritten." });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await api.EventCountAsync());
        var unchanged = await bob.GetFromJsonAsync<JsonElement>($"/api/v1/notes/{noteId}");
        Assert.Equal("Warmup", unchanged.GetProperty("title").GetString());
        var edited = await Ok(ada.PutAsJsonAsync($"/api/v1/notes/{noteId}", new { title = "Warmup", body = "100 steps is enough." }));
        Assert.Equal(2, edited.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Notes_and_insights_are_found_again_by_search_with_highlights()
    {
        var (ada, _) = await NewMemberAsync("ada");
        var word = "quokkaburrow" + Guid.NewGuid().ToString("N")[..6];
        var idea = await ProposeAsync(ada, $"Routing by {word}", "An idea to hang notes on.");
        var ideaId = idea.GetProperty("id").GetGuid();
        var note = await Created(ada.PostAsJsonAsync("/api/v1/notes", new { title = "Observation", body = $"The {word} router kept loads even.", attachedTo = "Idea", attachedId = ideaId }));
        var insight = await Created(ada.PostAsJsonAsync("/api/v1/insights", new
        {
            claim = $"{word} routing balances load",
            evidence = new object[] { new { kind = "Note", id = note.GetProperty("id").GetGuid() }, new { kind = "Idea", id = ideaId } },
            ideaId,
        }));

        var results = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/knowledge/search?q={word}");
        var kinds = results.GetProperty("items").EnumerateArray().Select(h => h.GetProperty("kind").GetString()).Order().ToList();
        Assert.Equal(["idea", "insight", "note"], kinds);
        Assert.All(results.GetProperty("items").EnumerateArray(), h => Assert.Contains("<mark>", h.GetProperty("snippet").GetString() + h.GetProperty("title").GetString() + "<mark>", StringComparison.Ordinal));
        var noteHit = results.GetProperty("items").EnumerateArray().Single(h => h.GetProperty("kind").GetString() == "note");
        Assert.Contains($"<mark>{word}</mark>", noteHit.GetProperty("snippet").GetString(), StringComparison.Ordinal);

        var onlyInsights = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/knowledge/search?q={word}&kind=insight");
        Assert.Equal(insight.GetProperty("id").GetGuid(), Assert.Single(onlyInsights.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());

        var typo = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/knowledge/search?q={word[..8]}{word[9]}{word[8]}{word[10..]}");
        Assert.NotEmpty(typo.GetProperty("items").EnumerateArray());

        var similar = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/ideas/similar?text={Uri.EscapeDataString($"Better {word} routing for experts")}");
        Assert.Contains(similar.GetProperty("items").EnumerateArray(), h => h.GetProperty("id").GetGuid() == ideaId);

        var onIdea = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/notes?ideaId={ideaId}");
        Assert.Equal(1, onIdea.GetProperty("total").GetInt32());
    }

    public static TheoryData<string> HostileQueries => new()
    {
        "'); drop table lab.mt_events; --",
        "a & | ! :* (( <script>alert(1)</script>",
        "\"unterminated",
        "-",
        "🙂 ünïcödé",
    };

    [Theory]
    [MemberData(nameof(HostileQueries))]
    public async Task Hostile_search_strings_are_just_text(string query)
    {
        var before = await api.EventCountAsync();
        using var response = await api.Http.GetAsync($"/api/v1/knowledge/search?q={Uri.EscapeDataString(query)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(query.Trim(), results.GetProperty("query").GetString());
        Assert.All(results.GetProperty("items").EnumerateArray(), h => Assert.DoesNotContain("<script>", h.GetProperty("snippet").GetString(), StringComparison.Ordinal));
        Assert.Equal(before, await api.EventCountAsync());
    }

    public static TheoryData<string, string, string?, string> BadRequests => new()
    {
        { "GET", "/api/v1/knowledge/search", null, "q" },
        { "GET", "/api/v1/knowledge/search?q=", null, "q" },
        { "GET", $"/api/v1/knowledge/search?q={new string('x', 201)}", null, "q" },
        { "GET", "/api/v1/knowledge/search?q=a%07b", null, "q" },
        { "GET", "/api/v1/knowledge/search?q=a&kind=runs", null, "kind" },
        { "GET", "/api/v1/knowledge/search?q=a&limit=0", null, "limit" },
        { "GET", "/api/v1/ideas?status=Finished", null, "status" },
        { "GET", "/api/v1/ideas?status=7", null, "status" },
        { "GET", "/api/v1/ideas?sort=7", null, "sort" },
        { "GET", "/api/v1/runs?status=Done", null, "status" },
        { "GET", "/api/v1/runs?status=7", null, "status" },
        { "GET", $"/api/v1/runs/{Guid.Empty}/metrics?after=-1", null, "after" },
        { "GET", "/api/v1/ideas?limit=1000", null, "limit" },
        { "GET", "/api/v1/ideas/similar", null, "text" },
        { "GET", "/api/v1/feed?offset=-1", null, "offset" },
        { "GET", "/api/v1/lab?asOf=yesterday", null, "" },
        { "GET", "/api/v1/notes?ideaId=not-a-guid", null, "" },
        { "POST", "/api/v1/notes", """{"title":"t"}""", "body" },
        { "POST", "/api/v1/notes", """{"title":"t","body":"b","attachedTo":"Idea"}""", "attachedId" },
        { "POST", "/api/v1/notes", """{"title":"t","body":"b","attachedTo":"Galaxy"}""", "" },
        { "POST", "/api/v1/notes", """{"title":"t","body":"b","attachedTo":"Lab","colour":"red"}""", "" },
        { "POST", "/api/v1/notes", """{"title":"t","body":""", "" },
        { "POST", "/api/v1/notes", """{"title":5,"body":"b"}""", "" },
        { "POST", "/api/v1/insights", """{"claim":"c","evidence":[]}""", "evidence" },
        { "POST", "/api/v1/insights", """{"claim":"","evidence":[{"kind":"Note","id":"00000000-0000-0000-0000-000000000000"}]}""", "claim" },
        { "POST", "/api/v1/ideas", """{"title":"t","hypothesis":"h","buildsOn":["00000000-0000-0000-0000-000000000000"]}""", "buildsOn" },
        { "POST", $"/api/v1/ideas/{Guid.Empty}/collaborations", """{}""", "ideaId" },
        { "POST", "/api/v1/join", """{"handle":"x"}""", "" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_a_400_problem_that_names_the_field_and_changes_nothing(string method, string path, string? json, string field)
    {
        var before = await api.EventCountAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await api.Http.SendAsync(request);

        var problem = await response.Content.ReadAsStringAsync();
        // Joining is for invitees: a member's token is not an invitation.
        var expected = path == "/api/v1/join" ? HttpStatusCode.Forbidden : HttpStatusCode.BadRequest;
        Assert.True(expected == response.StatusCode, $"{response.StatusCode}: {problem}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field.Length > 0)
        {
            Assert.True(JsonDocument.Parse(problem).RootElement.GetProperty("errors").TryGetProperty(field, out _), problem);
        }
        Assert.Equal(before, await api.EventCountAsync());
    }

    public static TheoryData<string, string, string?> UnknownIds => new()
    {
        { "GET", $"/api/v1/ideas/{Guid.NewGuid()}", null },
        { "GET", $"/api/v1/ideas/{Guid.NewGuid()}/team", null },
        { "GET", $"/api/v1/ideas/{Guid.NewGuid()}/timeline", null },
        { "POST", $"/api/v1/ideas/{Guid.NewGuid()}/team/join", null },
        { "POST", $"/api/v1/ideas/{Guid.NewGuid()}/explore", null },
        { "POST", $"/api/v1/ideas/{Guid.NewGuid()}/validate", """{"summary":"s"}""" },
        { "GET", $"/api/v1/notes/{Guid.NewGuid()}", null },
        { "PUT", $"/api/v1/notes/{Guid.NewGuid()}", """{"title":"t","body":"b"}""" },
        { "GET", $"/api/v1/insights/{Guid.NewGuid()}", null },
        { "GET", "/api/v1/researchers/nobody-by-that-name", null },
        { "POST", "/api/v1/notes", $$"""{"title":"t","body":"b","attachedTo":"Idea","attachedId":"{{Guid.NewGuid()}}"}""" },
        { "POST", "/api/v1/ideas", $$"""{"title":"t","hypothesis":"h","buildsOn":["{{Guid.NewGuid()}}"]}""" },
        { "POST", "/api/v1/insights", $$"""{"claim":"c","evidence":[{"kind":"Insight","id":"{{Guid.NewGuid()}}"}]}""" },
    };

    [Theory]
    [MemberData(nameof(UnknownIds))]
    public async Task Unknown_ids_are_a_404_problem_and_change_nothing(string method, string path, string? json)
    {
        var before = await api.EventCountAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await api.Http.SendAsync(request);

        Assert.True(HttpStatusCode.NotFound == response.StatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await api.EventCountAsync());
    }

    private async Task<string> InviteAsync()
    {
        var invitation = await Created(api.Http.PostAsync("/api/v1/invitations", null));
        return invitation.GetProperty("code").GetString()!;
    }

    private async Task<(HttpClient Client, Guid Id)> NewMemberAsync(string name)
    {
        using var invitee = api.ClientWith(await InviteAsync());
        var joined = await Created(invitee.PostAsJsonAsync("/api/v1/join", new { handle = Handle(name), name }));
        return (api.ClientWith(joined.GetProperty("token").GetProperty("token").GetString()), joined.GetProperty("researcher").GetProperty("id").GetGuid());
    }

    private static async Task<JsonElement> ProposeAsync(HttpClient client, string title, string hypothesis) =>
        await Created(client.PostAsJsonAsync("/api/v1/ideas", new { title, hypothesis }));

    private static string Handle(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];

    private static List<Guid> Ids(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetGuid())];
}
