using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using static Lab.Api.Tests.Answers;

namespace Lab.Api.Tests;

/// <summary>
/// Ids by their start: a start that begins exactly one id names it, in every lookup of one thing and in <c>/ids/{prefix}</c>;
/// a start that begins several is refused with them as candidates. Ids made within a minute share their first eight digits.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class IdsApiTests(ApiFixture api)
{
    [Fact]
    public async Task A_start_that_begins_one_id_names_it_in_every_lookup()
    {
        var idea = await IdeaAsync("Unique starts");
        var note = (await Created(api.Http.PostAsJsonAsync("/api/v1/notes", new { title = "A note to find by its start", body = "Text." }))).GetProperty("id").GetGuid();
        var insight = (await Created(api.Http.PostAsJsonAsync("/api/v1/insights", new { claim = "Starts are enough", evidence = new[] { new { kind = "Note", id = note } } })))
            .GetProperty("id").GetGuid();
        var run = (await Created(api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = new { preset = "tiny", training = new { steps = 10 } } })))
            .GetProperty("id").GetGuid();

        // Twenty digits reach into the random part of a version 7 id: no other id begins like that.
        Assert.Equal(idea, (await Ok(api.Http.GetAsync($"/api/v1/ideas/{Start(idea, 20)}"))).GetProperty("id").GetGuid());
        Assert.Equal(note, (await Ok(api.Http.GetAsync($"/api/v1/notes/{Start(note, 20)}"))).GetProperty("id").GetGuid());
        Assert.Equal(insight, (await Ok(api.Http.GetAsync($"/api/v1/insights/{Start(insight, 20)}"))).GetProperty("id").GetGuid());
        Assert.Equal(run, (await Ok(api.Http.GetAsync($"/api/v1/runs/{Start(run, 20)}"))).GetProperty("id").GetGuid());
        var member = (await Ok(api.Http.GetAsync($"/api/v1/researchers/{Start(api.MemberId, 20)}"))).GetProperty("researcher");
        Assert.Equal(api.MemberId, member.GetProperty("id").GetGuid());

        // As ids are written, with their hyphens, upper case or not.
        Assert.Equal(idea, (await Ok(api.Http.GetAsync($"/api/v1/ideas/{idea.ToString()[..23].ToUpperInvariant()}"))).GetProperty("id").GetGuid());

        var match = await Ok(api.Http.GetAsync($"/api/v1/ids/{Start(idea, 20)}?kind=idea"));
        Assert.Equal("idea", match.GetProperty("kind").GetString());
        Assert.Equal(idea, match.GetProperty("id").GetGuid());
        Assert.StartsWith("Unique starts", match.GetProperty("title").GetString(), StringComparison.Ordinal);
        var anyKind = await Ok(api.Http.GetAsync($"/api/v1/ids/{Start(run, 20)}"));
        Assert.Equal("run", anyKind.GetProperty("kind").GetString());
        Assert.Contains("Unique starts", anyKind.GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_start_that_begins_several_ids_is_refused_with_them_as_candidates_and_changes_nothing()
    {
        var first = await IdeaAsync("Twin one");
        var second = await IdeaAsync("Twin two");
        var shared = CommonStart(first, second);
        Assert.True(shared.Length >= 4, $"{first} and {second} were made moments apart");
        var before = await api.EventCountAsync();

        foreach (var path in new[] { $"/api/v1/ids/{shared}?kind=idea", $"/api/v1/ideas/{shared}" })
        {
            using var response = await api.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains($"begin with {shared}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var candidates = problem.GetProperty("candidates").EnumerateArray().ToList();
            Assert.InRange(candidates.Count, 2, 10);
            Assert.All(candidates, c => Assert.Equal("idea", c.GetProperty("kind").GetString()));
            Assert.All(candidates, c => Assert.StartsWith(shared, c.GetProperty("id").GetGuid().ToString("N"), StringComparison.Ordinal));
            Assert.Contains(candidates, c => c.GetProperty("id").GetGuid() == first && c.GetProperty("title").GetString()!.StartsWith("Twin one", StringComparison.Ordinal));
            Assert.Contains(candidates, c => c.GetProperty("id").GetGuid() == second);
        }
        // Past the moment they were made, the random digits tell them apart.
        Assert.Equal(first, (await Ok(api.Http.GetAsync($"/api/v1/ideas/{Start(first, 16)}"))).GetProperty("id").GetGuid());
        Assert.Equal(before, await api.EventCountAsync());
    }

    [Fact]
    public async Task Many_things_sharing_a_start_are_listed_ten_at_most()
    {
        for (var i = 0; i < 3; i++)
        {
            await IdeaAsync($"Crowd {i}");
        }
        // Four digits: every id made in the last weeks.
        var crowd = Start(await IdeaAsync("Crowd last"), 4);

        using var response = await api.Http.GetAsync($"/api/v1/ids/{crowd}");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.InRange(problem.GetProperty("candidates").GetArrayLength(), 4, 10);
    }

    [Theory]
    [InlineData("/api/v1/ids/abc", HttpStatusCode.BadRequest, "id")]
    [InlineData("/api/v1/ids/xyz0123", HttpStatusCode.BadRequest, "id")]
    [InlineData("/api/v1/ids/0123%27%20or%201=1", HttpStatusCode.BadRequest, "id")]
    [InlineData("/api/v1/ids/0123?kind=ideas", HttpStatusCode.BadRequest, "kind")]
    [InlineData("/api/v1/ideas/abc", HttpStatusCode.BadRequest, "id")]
    [InlineData("/api/v1/notes/not-an-id", HttpStatusCode.BadRequest, "id")]
    [InlineData("/api/v1/runs/12", HttpStatusCode.BadRequest, "id")]
    [InlineData("/api/v1/ids/ffffffff", HttpStatusCode.NotFound, null)]
    [InlineData("/api/v1/insights/ffffffff-ffff", HttpStatusCode.NotFound, null)]
    [InlineData("/api/v1/researchers/fffffffff", HttpStatusCode.NotFound, null)]
    public async Task What_is_no_start_of_an_id_or_the_start_of_none_is_refused_with_a_problem(string path, HttpStatusCode status, string? field)
    {
        var before = await api.EventCountAsync();

        using var response = await api.Http.GetAsync(path);

        Assert.Equal(status, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        Assert.Equal(before, await api.EventCountAsync());
    }

    [Fact]
    public async Task A_run_is_found_by_the_end_of_its_id_as_the_portal_shows_it_and_only_a_run()
    {
        var idea = await IdeaAsync("Run endings");
        var run = (await Created(api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = new { preset = "tiny", training = new { steps = 10 } } })))
            .GetProperty("id").GetGuid();
        var ending = run.ToString("N")[^8..];

        Assert.Equal(run, (await Ok(api.Http.GetAsync($"/api/v1/runs/{ending}"))).GetProperty("id").GetGuid());
        Assert.Equal(run, (await Ok(api.Http.GetAsync($"/api/v1/ids/{ending}?kind=run"))).GetProperty("id").GetGuid());
        Assert.Equal(run, (await Ok(api.Http.GetAsync($"/api/v1/ids/{run.ToString("N")[^12..].ToUpperInvariant()}"))).GetProperty("id").GetGuid());

        using var notAnIdea = await api.Http.GetAsync($"/api/v1/ideas/{idea.ToString("N")[^8..]}");
        Assert.Equal(HttpStatusCode.NotFound, notAnIdea.StatusCode);
        using var none = await api.Http.GetAsync("/api/v1/runs/00000000");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal("No run's id begins or ends with 00000000.", (await none.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_lookup_needs_a_token()
    {
        using var response = await api.Anonymous.GetAsync($"/api/v1/ids/{Start(api.MemberId, 8)}");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<Guid> IdeaAsync(string title) =>
        (await Created(api.Http.PostAsJsonAsync("/api/v1/ideas", new { title = $"{title} {Guid.NewGuid():N}"[..(title.Length + 7)], hypothesis = "Ids are found by their start." })))
            .GetProperty("id").GetGuid();

    private static string Start(Guid id, int digits) => id.ToString("N")[..digits];

    private static string CommonStart(Guid a, Guid b)
    {
        var (x, y) = (a.ToString("N"), b.ToString("N"));
        var length = 0;
        while (length < 32 && x[length] == y[length])
        {
            length++;
        }
        return x[..length];
    }
}
