using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using static Lab.Api.Tests.Answers;

namespace Lab.Api.Tests;

/// <summary>Search that says what a misspelt query meant, run hits, and insights that name what they cite with the device time behind it.</summary>
[Collection(ApiCollection.Name)]
public sealed class KnowledgeApiTests(ApiFixture api)
{
    [Fact]
    public async Task A_misspelt_search_finds_the_word_and_says_what_was_meant()
    {
        // Ending in a letter English stemming leaves as it is: without it, a word ending in "e" (or "s") and the same word
        // missing that letter share their stem, and the shorter one rightly finds the longer without a correction.
        var word = "kestrel" + Letters() + "k";
        var idea = (await Created(api.Http.PostAsJsonAsync("/api/v1/ideas", new { title = $"Sigmoid {word} gates", hypothesis = "Sigmoid gates balance experts." })))
            .GetProperty("id").GetGuid();
        var swapped = word[..2] + word[3] + word[2] + word[4..];

        var typo = await Ok(api.Http.GetAsync($"/api/v1/knowledge/search?q={Uri.EscapeDataString($"Sigmiod {swapped}")}"));
        var exact = await Ok(api.Http.GetAsync($"/api/v1/knowledge/search?q={Uri.EscapeDataString($"sigmoid {word}")}"));
        var missing = await Ok(api.Http.GetAsync($"/api/v1/knowledge/search?q={Uri.EscapeDataString(word[..^1] + " gates")}"));

        Assert.Contains(typo.GetProperty("items").EnumerateArray(), h => h.GetProperty("id").GetGuid() == idea);
        Assert.Equal($"sigmoid {word}", typo.GetProperty("didYouMean").GetString());
        Assert.Equal($"Sigmiod {swapped}", typo.GetProperty("query").GetString());
        Assert.Contains(exact.GetProperty("items").EnumerateArray(), h => h.GetProperty("id").GetGuid() == idea);
        Assert.True(!exact.TryGetProperty("didYouMean", out var none) || none.ValueKind == JsonValueKind.Null, exact.ToString());
        Assert.Equal($"{word} gates", missing.GetProperty("didYouMean").GetString());
    }

    [Fact]
    public async Task Runs_are_a_kind_to_search_in_and_no_other_kind_is_made_up()
    {
        using var runs = await api.Http.GetAsync("/api/v1/knowledge/search?q=routing&kind=run");
        using var plural = await api.Http.GetAsync("/api/v1/knowledge/search?q=routing&kind=runs");

        Assert.Equal(HttpStatusCode.OK, runs.StatusCode);
        Assert.All((await runs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray(), h => Assert.Equal("run", h.GetProperty("kind").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, plural.StatusCode);
    }

    [Fact]
    public async Task An_insight_names_what_it_cites_and_the_device_time_of_the_runs()
    {
        var word = "ptarmigan" + Letters();
        var idea = (await Created(api.Http.PostAsJsonAsync("/api/v1/ideas", new { title = $"Idea about {word}", hypothesis = "Insights name their evidence." })))
            .GetProperty("id").GetGuid();
        var note = (await Created(api.Http.PostAsJsonAsync("/api/v1/notes", new { title = $"Note about {word}", body = "Measured.", attachedTo = "Idea", attachedId = idea })))
            .GetProperty("id").GetGuid();
        var run = (await Created(api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = new { preset = "tiny", training = new { steps = 10 } } })))
            .GetProperty("id").GetGuid();
        var earlier = (await Created(api.Http.PostAsJsonAsync("/api/v1/insights", new { claim = $"Earlier claim on {word}", evidence = new[] { new { kind = "Note", id = note } } })))
            .GetProperty("id").GetGuid();

        var published = await Created(api.Http.PostAsJsonAsync("/api/v1/insights", new
        {
            claim = $"Everything about {word}",
            evidence = new object[] { new { kind = "Run", id = run }, new { kind = "Note", id = note }, new { kind = "Idea", id = idea }, new { kind = "Insight", id = earlier } },
            ideaId = idea,
        }));
        var id = published.GetProperty("id").GetGuid();
        var read = await Ok(api.Http.GetAsync($"/api/v1/insights/{id}"));
        var listed = (await Ok(api.Http.GetAsync($"/api/v1/insights?ideaId={idea}"))).GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == id);

        foreach (var insight in new[] { published, read, listed })
        {
            var cited = insight.GetProperty("cited").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetGuid());
            Assert.Equal($"Note about {word}", cited[note].GetProperty("title").GetString());
            Assert.Equal($"Idea about {word}", cited[idea].GetProperty("title").GetString());
            Assert.Equal($"Earlier claim on {word}", cited[earlier].GetProperty("title").GetString());
            // The run has not finished (no worker here): it is named after its idea and where it stands.
            Assert.Equal("Run", cited[run].GetProperty("kind").GetString());
            Assert.StartsWith($"Run for \"Idea about {word}\" (queued", cited[run].GetProperty("title").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, cited[run].GetProperty("deviceSeconds").GetDouble());
            Assert.True(!cited[note].TryGetProperty("deviceSeconds", out var seconds) || seconds.ValueKind == JsonValueKind.Null);
        }
    }

    private static string Letters() => string.Concat(Guid.NewGuid().ToString("N")[..8].Select(c => (char)('a' + (c % 26))));
}
