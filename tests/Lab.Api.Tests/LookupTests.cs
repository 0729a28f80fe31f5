using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lab.Api.Tests;

/// <summary>Batch lookups by ids (<c>?ids=A&amp;ids=B</c>): what a page of runs or ideas needs to name them, in one call.</summary>
[Collection(ApiCollection.Name)]
public sealed class LookupTests(ApiFixture api)
{
    [Fact]
    public async Task Several_ideas_are_read_in_one_call_and_an_id_of_nothing_is_left_out()
    {
        var (first, second, third) = (await IdeaAsync("first"), await IdeaAsync("second"), await IdeaAsync("third"));

        var page = await Answers.Ok(api.Http.GetAsync($"/api/v1/ideas?ids={first}&ids={third}&ids={Guid.NewGuid()}"));

        Assert.Equal(2, page.GetProperty("total").GetInt32());
        Assert.Equal([third, first], Ids(page));
        // The other filters still apply, and a limit still pages.
        var limited = await Answers.Ok(api.Http.GetAsync($"/api/v1/ideas?ids={first}&ids={second}&ids={third}&limit=1&offset=1"));
        Assert.Equal(3, limited.GetProperty("total").GetInt32());
        Assert.Equal([second], Ids(limited));
        var none = await Answers.Ok(api.Http.GetAsync($"/api/v1/ideas?ids={first}&status=Validated"));
        Assert.Equal(0, none.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Several_members_are_read_in_one_call()
    {
        var (member, memberId) = await api.NewMemberAsync("looked-up");
        member.Dispose();

        var page = await Answers.Ok(api.Http.GetAsync($"/api/v1/researchers?ids={memberId}&ids={api.MemberId}&ids={Guid.NewGuid()}"));

        Assert.Equal(2, page.GetProperty("total").GetInt32());
        Assert.Equal([api.MemberId, memberId], Ids(page));
    }

    [Theory]
    [InlineData("ideas")]
    [InlineData("researchers")]
    public async Task More_ids_than_one_call_takes_or_ids_that_are_no_ids_are_refused_and_nothing_is_written(string list)
    {
        var before = await api.EventCountAsync();

        using var tooMany = await api.Http.GetAsync($"/api/v1/{list}?" + string.Join('&', Enumerable.Range(0, 101).Select(_ => $"ids={Guid.NewGuid()}")));
        using var notIds = await api.Http.GetAsync($"/api/v1/{list}?ids=first&ids={Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("at most 100", (await tooMany.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("ids")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, notIds.StatusCode);
        Assert.Equal(before, await api.EventCountAsync());
    }

    private static List<Guid> Ids(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];

    private async Task<Guid> IdeaAsync(string title)
    {
        var idea = await Answers.Created(api.Http.PostAsJsonAsync("/api/v1/ideas", new { title = $"Lookup {title} {Guid.NewGuid():N}"[..24], hypothesis = "Ideas are looked up by id." }));
        return idea.GetProperty("id").GetGuid();
    }
}
