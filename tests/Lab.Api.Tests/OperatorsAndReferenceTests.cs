using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Contracts;

namespace Lab.Api.Tests;

/// <summary>
/// What the API offers beyond its operations: an OpenAPI document that says how to authenticate (so its reference can
/// send a token), and the Orleans dashboard, for operators only.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OperatorsAndReferenceTests(ApiFixture api)
{
    private const string Dashboard = OperatorDashboardAccess.Path + "/";

    [Fact]
    public async Task The_openapi_document_declares_the_bearer_scheme_that_every_operation_requires()
    {
        var document = await Answers.Ok(api.Anonymous.GetAsync("/openapi/v1.json"));

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.Contains("token", scheme.GetProperty("description").GetString(), StringComparison.Ordinal);
        var required = Assert.Single(document.GetProperty("security").EnumerateArray());
        Assert.Equal(["bearer"], required.EnumerateObject().Select(p => p.Name));

        // No operation lifts the requirement: without a token every one of them is refused. The operators' dashboard is
        // not one of the API's operations.
        Assert.All(document.GetProperty("paths").EnumerateObject(), path => Assert.StartsWith("/api/v1/", path.Name, StringComparison.Ordinal));
        var operations = document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject()).ToList();
        Assert.True(operations.Count >= 40, $"only {operations.Count} operations");
        Assert.All(operations, operation => Assert.False(operation.Value.TryGetProperty("security", out _), operation.Name));
        using var anonymous = await api.Anonymous.GetAsync("/api/v1/ideas");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task The_api_reference_offers_the_token_scheme_loads_nothing_from_elsewhere_and_leads_back_to_the_portal()
    {
        using var response = await api.Anonymous.GetAsync("/scalar/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"bearer\"", html, StringComparison.Ordinal); // the preferred security scheme, in the page's configuration
        Assert.Contains("id=\"back-to-portal\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_orleans_dashboard_is_served_to_operators_and_refused_to_members_and_anonymous_callers()
    {
        var (member, _) = await api.NewMemberAsync("curious");
        using (member)
        {
            using var anonymous = await api.Anonymous.GetAsync(Dashboard);
            await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);
            using var refused = await member.GetAsync(Dashboard);
            await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "operators");

            using var shown = await api.Http.GetAsync(Dashboard);
            Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
            Assert.Contains("Orleans Dashboard", await shown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var policy = string.Join(";", shown.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
            Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_browser_reaches_the_dashboard_with_an_operators_token_in_its_cookie_and_nowhere_else()
    {
        var (member, _) = await api.NewMemberAsync("cookie");
        var memberToken = member.DefaultRequestHeaders.Authorization!.Parameter!;
        member.Dispose();

        using var operatorBrowser = CookieClient(api.Token);
        using (var shown = await operatorBrowser.GetAsync(Dashboard))
        {
            Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        }
        // The cookie counts on the dashboard's address only: the rest of the API still wants the header.
        using (var elsewhere = await operatorBrowser.GetAsync("/api/v1/me"))
        {
            await AssertProblemAsync(elsewhere, HttpStatusCode.Unauthorized);
        }
        using var memberBrowser = CookieClient(memberToken);
        using (var refused = await memberBrowser.GetAsync(Dashboard))
        {
            await AssertProblemAsync(refused, HttpStatusCode.Forbidden);
        }
        using var forged = CookieClient("lab_" + new string('x', 43));
        using (var unknown = await forged.GetAsync(Dashboard))
        {
            await AssertProblemAsync(unknown, HttpStatusCode.Unauthorized, "unknown or revoked");
        }
    }

    /// <summary>A client that sends <paramref name="token"/> the way the portal hands it to a browser: in the dashboard's cookie.</summary>
    private HttpClient CookieClient(string token)
    {
        var client = api.ClientWith(null);
        client.DefaultRequestHeaders.Add("Cookie", $"{OperatorDashboardAccess.Cookie}={token}");
        return client;
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detailContains = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }
}
