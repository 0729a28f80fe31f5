using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lab.EndToEnd.Tests;

/// <summary>The organisation issue's promise, on one URL: several researchers run the lab together through the gateway.</summary>
[Collection(RunningLabCollection.Name)]
public sealed class OrganisationThroughGatewayTests(RunningLabFixture lab)
{
    [Fact]
    public async Task Researchers_join_propose_form_teams_write_and_find_knowledge_and_see_the_history()
    {
        var ada = await JoinAsync("ada");
        var bob = await JoinAsync("bob");
        var word = "wombatrouting" + Guid.NewGuid().ToString("N")[..5];

        var idea = await Send(ada.PostAsJsonAsync("/api/v1/ideas", new { title = $"{word} experts", hypothesis = "Routing by domain specialises experts." }), HttpStatusCode.Created);
        var ideaId = idea.GetProperty("id").GetGuid();
        await Send(ada.PostAsync($"/api/v1/ideas/{ideaId}/team/join", null), HttpStatusCode.OK);
        var team = await Send(bob.PostAsync($"/api/v1/ideas/{ideaId}/team/join", null), HttpStatusCode.OK);
        Assert.Equal(2, team.GetProperty("members").GetArrayLength());
        var note = await Send(bob.PostAsJsonAsync("/api/v1/notes", new { title = "First run", body = $"The {word} run converged.", attachedTo = "Idea", attachedId = ideaId }), HttpStatusCode.Created);
        await Send(ada.PostAsJsonAsync("/api/v1/insights", new { claim = $"{word} works", evidence = new[] { new { kind = "Note", id = note.GetProperty("id").GetGuid() } }, ideaId }), HttpStatusCode.Created);
        await Send(bob.PostAsync($"/api/v1/ideas/{ideaId}/team/leave", null), HttpStatusCode.OK);

        using var othersNote = await ada.PutAsJsonAsync($"/api/v1/notes/{note.GetProperty("id").GetGuid()}", new { title = "Mine", body = "Not mine to edit." });
        Assert.Equal(HttpStatusCode.Forbidden, othersNote.StatusCode);

        var found = await ada.GetFromJsonAsync<JsonElement>($"/api/v1/knowledge/search?q={word}");
        Assert.Equal(3, found.GetProperty("items").GetArrayLength());

        var feed = await bob.GetFromJsonAsync<JsonElement>("/api/v1/feed?limit=7");
        Assert.Equal(["team-left", "insight-published", "note-written", "team-joined", "team-joined", "idea-proposed", "member-joined"],
            feed.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList());

        using var anonymous = new HttpClient { BaseAddress = new Uri(lab.Lab.Url) };
        using var refused = await anonymous.GetAsync($"/api/v1/knowledge/search?q={word}");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private async Task<HttpClient> JoinAsync(string name) => (await LabMembers.JoinAsync(lab.Lab.Url, lab.Http, name)).Http;

    private static async Task<JsonElement> Send(Task<HttpResponseMessage> call, HttpStatusCode expected)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
