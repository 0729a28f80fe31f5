using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// The <c>lab</c> command takes ids as people copy them: a whole id or any start of one that names exactly one thing;
/// what it cannot use is refused in one sentence (an ambiguous start with what it could mean), never with a parse
/// error and the command's whole help.
/// </summary>
[Collection(RunningLabCollection.Name)]
public sealed class ClientIdsTests(RunningLabFixture lab)
{
    [Fact]
    public async Task A_unique_start_of_an_id_works_wherever_an_id_is_asked_for()
    {
        var idea = await CreatedAsync("/api/v1/ideas", new { title = $"Starts {Guid.NewGuid():N}"[..20], hypothesis = "Short ids are enough." });
        var run = await CreatedAsync("/api/v1/runs", new { ideaId = idea, config = new { preset = "tiny", training = new { steps = 4 } } });
        var start = idea.ToString()[..23];

        var shown = await LabAsync("ideas", "show", start, "--json");
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Equal(idea, shown.Json().GetProperty("idea").GetProperty("id").GetGuid());

        var joined = await LabAsync("teams", "join", idea.ToString("N")[..20], "--json");
        Assert.True(joined.ExitCode == 0, joined.ToString());
        Assert.Equal(idea, joined.Json().GetProperty("id").GetGuid());

        var note = await LabAsync("notes", "write", "--title", "About a start", "--body", "Written with a short id.", "--idea", start, "--json");
        Assert.True(note.ExitCode == 0, note.ToString());
        Assert.Equal(idea, note.Json().GetProperty("attachedId").GetGuid());

        var runShown = await LabAsync("runs", "show", run.ToString("N")[..20], "--json");
        Assert.True(runShown.ExitCode == 0, runShown.ToString());
        Assert.Equal(run, runShown.Json().GetProperty("id").GetGuid());

        // A run as the portal's runs table names it: the last eight digits of its id.
        var byEnding = await LabAsync("runs", "show", run.ToString("N")[^8..], "--json");
        Assert.True(byEnding.ExitCode == 0, byEnding.ToString());
        Assert.Equal(run, byEnding.Json().GetProperty("id").GetGuid());

        var listed = await LabAsync("runs", "list", "--idea", start, "--json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Contains(listed.Json().GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetGuid() == run);
    }

    [Fact]
    public async Task An_ambiguous_start_is_refused_in_one_sentence_with_the_ideas_it_could_mean()
    {
        var first = await CreatedAsync("/api/v1/ideas", new { title = "Twin idea one", hypothesis = "Made a moment before the other." });
        var second = await CreatedAsync("/api/v1/ideas", new { title = "Twin idea two", hypothesis = "Made a moment after the other." });
        var shared = string.Concat(first.ToString("N").Zip(second.ToString("N")).TakeWhile(p => p.First == p.Second).Select(p => p.First));
        Assert.True(shared.Length >= 8, $"{first} and {second} were made moments apart");
        var before = await IdeaCountAsync();

        var refused = await LabAsync("teams", "join", shared);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"begin with {shared}: give more of the id", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains(first.ToString(), refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("Twin idea one", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains(second.ToString(), refused.Stderr, StringComparison.Ordinal);
        AssertNoHelp(refused);
        Assert.Equal(before, await IdeaCountAsync());
        var team = await lab.Http.GetFromJsonAsync<JsonElement>($"/api/v1/ideas/{first}/team");
        Assert.Equal(0, team.GetProperty("members").GetArrayLength());
    }

    [Theory]
    [InlineData("xyz", "'xyz' is not an idea id")]
    [InlineData("01a", "'01a' is not an idea id")]
    [InlineData("ffffffff", "No idea's id begins with ffffffff.")]
    public async Task An_id_that_cannot_be_used_is_refused_in_one_sentence_without_the_help(string id, string said)
    {
        var refused = await LabAsync("ideas", "show", id);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(said, refused.Stderr, StringComparison.Ordinal);
        Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        AssertNoHelp(refused);
    }

    [Fact]
    public async Task Search_says_what_a_misspelt_query_meant()
    {
        var word = "zq" + string.Concat(Guid.NewGuid().ToString("N")[..8].Select(c => (char)('a' + (c % 26))));
        await CreatedAsync("/api/v1/ideas", new { title = $"Sigmoid {word} gates", hypothesis = "Sigmoid gates balance load." });

        var searched = await LabAsync("search", $"sigmiod {word}");

        Assert.True(searched.ExitCode == 0, searched.ToString());
        Assert.Contains($"Did you mean sigmoid {word}?", searched.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Sigmoid {word} gates", searched.Stdout, StringComparison.Ordinal);
    }

    private static void AssertNoHelp(LabCommandResult result)
    {
        Assert.DoesNotContain("Usage:", result.Stdout + result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Options:", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    private async Task<int> IdeaCountAsync() => (await lab.Http.GetFromJsonAsync<JsonElement>("/api/v1/ideas")).GetProperty("total").GetInt32();

    private async Task<Guid> CreatedAsync(string path, object body)
    {
        using var response = await lab.Http.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private Task<LabCommandResult> LabAsync(params string[] arguments) =>
        LabCommand.RunAsync([.. arguments, "--url", lab.Lab.Url], new Dictionary<string, string?> { ["LAB_TOKEN"] = lab.Token, ["LAB_CONFIG"] = "/nonexistent/lab.json" });
}
