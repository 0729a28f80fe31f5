using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lab.Contracts.Ideas;

namespace Lab.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class IdeasApiTests(ApiFixture api)
{
    [Fact]
    public async Task A_proposed_idea_can_be_read_back_and_is_on_the_board()
    {
        using var response = await api.Http.PostAsJsonAsync("/api/v1/ideas", new { title = "Shared experts", hypothesis = "Two shared experts beat one." });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/ideas/{id}", response.Headers.Location?.OriginalString);

        var one = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/ideas/{id}");
        Assert.Equal("Shared experts", one.GetProperty("title").GetString());
        Assert.Equal("Proposed", one.GetProperty("status").GetString());

        var board = await api.Http.GetFromJsonAsync<JsonElement>("/api/v1/ideas?limit=100");
        Assert.Contains(board.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetGuid() == id);
        Assert.True(board.GetProperty("total").GetInt32() >= 1);
    }

    public static TheoryData<string, string> BadProposals => new()
    {
        { """{"hypothesis":"no title"}""", "title" },
        { """{"title":"   ","hypothesis":"blank title"}""", "title" },
        { """{"title":"no hypothesis"}""", "hypothesis" },
        { JsonSerializer.Serialize(new { title = new string('t', IdeaRules.TitleMaxLength + 1), hypothesis = "h" }), "title" },
        { JsonSerializer.Serialize(new { title = "t", hypothesis = new string('h', IdeaRules.HypothesisMaxLength + 1) }), "hypothesis" },
        { JsonSerializer.Serialize(new { title = "bell\u0007", hypothesis = "h" }), "title" },
    };

    [Theory]
    [MemberData(nameof(BadProposals))]
    public async Task An_invalid_proposal_is_a_validation_problem_and_writes_nothing(string body, string field)
    {
        var before = await api.EventCountAsync();

        using var response = await PostRawAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error on '{field}': {problem}");
        Assert.Equal(before, await api.EventCountAsync());
    }

    [Theory]
    [InlineData("""{"title":""")]
    [InlineData("not json at all")]
    [InlineData("""{"title":42,"hypothesis":"h"}""")]
    [InlineData("""{"title":"t","hypothesis":"h","owner":"someone else"}""")]
    [InlineData("")]
    public async Task An_unreadable_body_is_a_problem_and_writes_nothing(string body)
    {
        var before = await api.EventCountAsync();

        using var response = await PostRawAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.Equal(before, await api.EventCountAsync());
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_refused()
    {
        var before = await api.EventCountAsync();
        var huge = JsonSerializer.Serialize(new { title = "t", hypothesis = new string('h', 2 * 1024 * 1024) });

        using var response = await PostRawAsync(huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before, await api.EventCountAsync());
    }

    [Fact]
    public async Task An_unknown_idea_is_a_404_problem()
    {
        using var response = await api.Http.GetAsync($"/api/v1/ideas/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1000")]
    [InlineData("offset=-1")]
    public async Task Bad_paging_is_a_validation_problem(string query)
    {
        using var response = await api.Http.GetAsync($"/api/v1/ideas?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Paging_returns_the_requested_slice_newest_first()
    {
        for (var i = 0; i < 3; i++)
        {
            using var created = await api.Http.PostAsJsonAsync("/api/v1/ideas", new { title = $"Paging {i}", hypothesis = "h" });
            created.EnsureSuccessStatusCode();
        }

        var page = await api.Http.GetFromJsonAsync<JsonElement>("/api/v1/ideas?offset=0&limit=2");

        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal("Paging 2", items[0].GetProperty("title").GetString());
        Assert.True(items[0].GetProperty("proposedAt").GetDateTimeOffset() >= items[1].GetProperty("proposedAt").GetDateTimeOffset());
    }

    private Task<HttpResponseMessage> PostRawAsync(string body) =>
        api.Http.PostAsync("/api/v1/ideas", new StringContent(body, Encoding.UTF8, "application/json"));
}
