using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Contracts.Researchers;
using Marten;

namespace Lab.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class AuthenticationTests(ApiFixture api)
{
    public static TheoryData<string, string> ApiCalls => new()
    {
        { "GET", "/api/v1/ideas" },
        { "POST", "/api/v1/ideas" },
        { "GET", $"/api/v1/ideas/{Guid.Empty}" },
        { "GET", "/api/v1/me" },
        { "GET", "/api/v1/me/tokens" },
        { "POST", "/api/v1/me/tokens" },
        { "GET", "/api/v1/pool" },
        { "POST", "/api/v1/pool/heartbeats" },
        { "GET", "/api/v1/ideas/similar?text=experts" },
        { "POST", $"/api/v1/ideas/{Guid.Empty}/team/join" },
        { "POST", $"/api/v1/ideas/{Guid.Empty}/validate" },
        { "GET", $"/api/v1/ideas/{Guid.Empty}/timeline" },
        { "GET", "/api/v1/notes" },
        { "POST", "/api/v1/notes" },
        { "PUT", $"/api/v1/notes/{Guid.Empty}" },
        { "POST", "/api/v1/insights" },
        { "GET", "/api/v1/researchers" },
        { "POST", "/api/v1/invitations" },
        { "GET", "/api/v1/invitations" },
        { "DELETE", $"/api/v1/invitations/{Guid.Empty}" },
        { "POST", "/api/v1/join" },
        { "GET", "/api/v1/knowledge/search?q=experts" },
        { "GET", "/api/v1/feed" },
        { "GET", "/api/v1/lab" },
    };

    [Theory]
    [MemberData(nameof(ApiCalls))]
    public async Task Every_api_call_without_a_token_is_401_and_changes_nothing(string method, string path)
    {
        var before = await api.EventCountAsync();

        using var response = await api.Anonymous.SendAsync(WithBody(method, path));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await api.EventCountAsync());
    }

    [Theory]
    [InlineData("Bearer lab_not-a-real-token")]
    [InlineData("Bearer something-else")]
    [InlineData("Basic Zm91bmRlcjpwYXNzd29yZA==")]
    public async Task A_wrong_credential_is_401(string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/ideas");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await api.Anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_token_shows_its_member_and_works_until_revoked()
    {
        using var issued = await api.Http.PostAsJsonAsync("/api/v1/me/tokens", new { name = "laptop" });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var token = await issued.Content.ReadFromJsonAsync<JsonElement>();
        var secret = token.GetProperty("token").GetString()!;
        using var laptop = api.ClientWith(secret);

        var me = await laptop.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal(api.MemberId, me.GetProperty("id").GetGuid());

        using var revoked = await api.Http.DeleteAsync($"/api/v1/me/tokens/{token.GetProperty("id").GetGuid()}");
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);

        using var after = await laptop.GetAsync("/api/v1/ideas");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        using var stillFine = await api.Http.GetAsync("/api/v1/ideas");
        Assert.Equal(HttpStatusCode.OK, stillFine.StatusCode);
    }

    [Fact]
    public async Task Token_listings_never_show_secrets_and_only_hashes_are_stored()
    {
        var tokens = await api.Http.GetStringAsync("/api/v1/me/tokens");

        Assert.DoesNotContain(api.Token, tokens, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", tokens, StringComparison.OrdinalIgnoreCase);
        await using var session = api.Store.QuerySession();
        var stored = await session.Query<Lab.Knowledge.Researchers.AccessToken>().ToListAsync();
        Assert.DoesNotContain(stored, t => t.Hash.Contains(api.Token, StringComparison.Ordinal) || t.Hash == api.Token);
    }

    [Fact]
    public async Task One_member_cannot_revoke_another_members_token()
    {
        var otherId = Guid.CreateVersion7();
        var other = api.Grains.GetGrain<IResearcherGrain>(otherId);
        await other.Join(new JoinLab($"other{Guid.NewGuid():N}"[..20], "Other Member"), operatesLab: false);
        var otherToken = await other.IssueToken("other's laptop");
        var before = await api.EventCountAsync();

        // The first member aims at the other member's token through their own token list.
        using var response = await api.Http.DeleteAsync($"/api/v1/me/tokens/{otherToken.Id}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(before, await api.EventCountAsync());
        using var otherClient = api.ClientWith(otherToken.Token);
        using var stillWorks = await otherClient.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.OK, stillWorks.StatusCode);
    }

    [Fact]
    public async Task Only_operators_may_revoke_another_members_tokens()
    {
        var leaver = api.Grains.GetGrain<IResearcherGrain>(Guid.CreateVersion7());
        var leaverView = await leaver.Join(new JoinLab($"leaver{Guid.NewGuid():N}"[..20], "Leaving Member"), operatesLab: false);
        var leaverToken = await leaver.IssueToken("old laptop");
        var peer = api.Grains.GetGrain<IResearcherGrain>(Guid.CreateVersion7());
        await peer.Join(new JoinLab($"peer{Guid.NewGuid():N}"[..20], "Peer"), operatesLab: false);
        using var peerClient = api.ClientWith((await peer.IssueToken("cli")).Token);
        var path = $"/api/v1/researchers/{leaverView.Id}/tokens/{leaverToken.Id}";
        var before = await api.EventCountAsync();

        using var refused = await peerClient.DeleteAsync(path);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(before, await api.EventCountAsync());

        using var revoked = await api.Http.DeleteAsync(path);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        using var leaverClient = api.ClientWith(leaverToken.Token);
        using var after = await leaverClient.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Only_operators_may_register_nodes()
    {
        var memberId = Guid.CreateVersion7();
        var member = api.Grains.GetGrain<IResearcherGrain>(memberId);
        await member.Join(new JoinLab($"member{Guid.NewGuid():N}"[..20], "Plain Member"), operatesLab: false);
        using var client = api.ClientWith((await member.IssueToken("cli")).Token);
        var heartbeat = new { node = "rogue-node", devices = new[] { new { id = "cpu:0", kind = "cpu", description = "cpu" } }, workerUrl = (string?)null };

        using var refused = await client.PostAsJsonAsync("/api/v1/pool/heartbeats", heartbeat);
        using var accepted = await api.Http.PostAsJsonAsync("/api/v1/pool/heartbeats", heartbeat with { node = "real-node" });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var pool = await api.Http.GetFromJsonAsync<JsonElement>("/api/v1/pool");
        Assert.DoesNotContain(pool.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == "rogue-node");
    }

    [Fact]
    public async Task The_openapi_document_and_health_need_no_token()
    {
        using var openApi = await api.Anonymous.GetAsync("/openapi/v1.json");
        using var health = await api.Anonymous.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static HttpRequestMessage WithBody(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT")
        {
            request.Content = JsonContent.Create(new { title = "t", hypothesis = "h", name = "n" });
        }
        return request;
    }
}
