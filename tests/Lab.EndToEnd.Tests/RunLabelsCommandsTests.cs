using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary><c>lab runs name</c>, <c>tag</c>, <c>untag</c> and the run list's filters and order, as a person or a script runs them.</summary>
[Collection(RunningLabCollection.Name)]
public sealed class RunLabelsCommandsTests(RunningLabFixture lab) : IDisposable
{
    private readonly string _folder = TestFolders.Create("cli-labels");

    [Fact]
    public async Task A_member_names_tags_and_untags_a_run_lists_runs_by_tag_and_order_and_is_refused_what_is_not_theirs()
    {
        var (token, member) = await NewMemberAsync("namer");
        using var http = LabProcess.Client(lab.Lab.Url, token);
        var idea = await IdeaAsync(http);
        var tag = "cli-" + Guid.NewGuid().ToString("N")[..6];
        // Waiting for a kind of device no node has: listed and labelled, never trained.
        var first = await SubmitAsync(http, idea, 30);
        var second = await SubmitAsync(http, idea, 90);

        var named = await LabAsync(token, "runs", "name", first.ToString(), "tiny baseline", "--json");
        Assert.True(named.ExitCode == 0, named.ToString());
        Assert.Equal("tiny baseline", named.Json().GetProperty("name").GetString());
        var said = await LabAsync(token, "runs", "name", second.ToString(), "longer run");
        Assert.True(said.ExitCode == 0, said.ToString());
        Assert.Contains("Named", said.Stdout, StringComparison.Ordinal);
        Assert.Contains("longer run", said.Stdout, StringComparison.Ordinal);

        var tagged = await LabAsync(token, "runs", "tag", first.ToString(), tag, "Baseline");
        Assert.True(tagged.ExitCode == 0, tagged.ToString());
        Assert.Contains($"carries: {tag} baseline", tagged.Stdout, StringComparison.Ordinal);
        var untagged = await LabAsync(token, "runs", "untag", first.ToString(), "baseline", "typo");
        Assert.True(untagged.ExitCode == 0, untagged.ToString());
        Assert.Contains("carried no tag typo", untagged.Stdout, StringComparison.Ordinal);
        Assert.Contains($"carries: {tag}", untagged.Stdout, StringComparison.Ordinal);
        await LabAsync(token, "runs", "tag", second.ToString(), tag);

        // The list by tag, sorted by steps, both ways; the table shows names, tags and what each trains.
        var bySteps = await LabAsync(token, "runs", "list", "--tag", tag, "--sort", "Steps", "--json");
        Assert.True(bySteps.ExitCode == 0, bySteps.ToString());
        Assert.Equal([second, first], Ids(bySteps.Json()));
        var ascending = await LabAsync(token, "runs", "list", "--tag", tag, "--sort", "steps", "--order", "asc", "--json");
        Assert.Equal([first, second], Ids(ascending.Json()));
        var byName = await LabAsync(token, "runs", "list", "--search", "BASELINE", "--idea", idea.ToString(), "--json");
        Assert.Equal([first], Ids(byName.Json()));
        var table = await LabAsync(token, "runs", "list", "--tag", tag);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("tiny baseline", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("tiny moe d64x2", table.Stdout, StringComparison.Ordinal);
        var shown = await LabAsync(token, "runs", "show", first.ToString());
        Assert.Contains("\"tiny baseline\"", shown.Stdout, StringComparison.Ordinal);
        Assert.Contains($"tags: {tag}", shown.Stdout, StringComparison.Ordinal);
        Assert.Contains("30 steps of batch 8", shown.Stdout, StringComparison.Ordinal);

        // The history tells each act and who did it.
        var logs = await LabAsync(token, "runs", "logs", first.ToString(), "--json");
        var acts = logs.JsonLines().Select(l => l.GetProperty("event").GetString()).Where(e => e is "named" or "tagged" or "untagged");
        Assert.Equal(["named", "tagged", "untagged"], acts);

        // Someone else's run: refused with the API's sentence, nothing changed.
        var refused = await LabAsync(lab.Token, "runs", "name", first.ToString(), "not mine");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Only the member who submitted a run or a member of its idea's team can name it", refused.Stderr, StringComparison.Ordinal);
        // Bad input: refused with the field, nothing changed.
        var badTag = await LabAsync(token, "runs", "tag", first.ToString(), "no spaces!");
        Assert.Equal(1, badTag.ExitCode);
        Assert.Contains("tags", badTag.Stderr, StringComparison.Ordinal);
        var neither = await LabAsync(token, "runs", "name", first.ToString());
        Assert.Equal(1, neither.ExitCode);
        var run = await http.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{first}");
        Assert.Equal("tiny baseline", run.GetProperty("name").GetString());
        Assert.Equal([tag], run.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var cleared = await LabAsync(token, "runs", "name", first.ToString(), "--clear", "--json");
        Assert.Equal(JsonValueKind.Null, cleared.Json().GetProperty("name").ValueKind);
        Assert.Equal(member, (await http.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{first}")).GetProperty("history").EnumerateArray().Last().GetProperty("by").GetGuid());

        foreach (var id in new[] { first, second })
        {
            using var _ = await http.PostAsync($"/api/v1/runs/{id}/cancel", null);
        }
    }

    public void Dispose() => TestFolders.TryDelete(_folder);

    private static List<Guid> Ids(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetGuid())];

    /// <summary>Runs the built <c>lab</c> command against the running lab as the member with <paramref name="token"/>.</summary>
    private Task<LabCommandResult> LabAsync(string token, params string[] arguments) =>
        LabCommand.RunAsync([.. arguments, "--url", lab.Lab.Url], new Dictionary<string, string?>
        {
            ["LAB_CONFIG"] = Path.Combine(_folder, "lab.json"),
            ["LAB_TOKEN"] = token,
        });

    private static async Task<Guid> IdeaAsync(HttpClient member)
    {
        using var proposed = await member.PostAsJsonAsync("/api/v1/ideas", new { title = "Labelled runs " + Guid.NewGuid().ToString("N")[..6], hypothesis = "Names make runs easy to find." });
        Assert.Equal(HttpStatusCode.Created, proposed.StatusCode);
        return (await proposed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<Guid> SubmitAsync(HttpClient member, Guid idea, int steps)
    {
        using var created = await member.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, kind = "cuda", config = new { preset = "tiny", training = new { steps } } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private async Task<(string Token, Guid Id)> NewMemberAsync(string name)
    {
        using var invited = await lab.Http.PostAsync("/api/v1/invitations", null);
        var code = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
        using var invitee = LabProcess.Client(lab.Lab.Url, code);
        using var joined = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)], name });
        Assert.Equal(HttpStatusCode.Created, joined.StatusCode);
        var body = await joined.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("token").GetProperty("token").GetString()!, body.GetProperty("researcher").GetProperty("id").GetGuid());
    }
}
