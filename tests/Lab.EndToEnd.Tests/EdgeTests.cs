using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lab.Testing;
using Microsoft.Playwright;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// What the one front door promises whoever knocks: big bodies, unknown hosts and every other refusal answered with a
/// problem document by the gateway itself; security headers on every page and answer; a public /health that says only
/// whether all is well; pages that run under their Content-Security-Policy without a violation.
/// </summary>
[Collection(RunningLabCollection.Name)]
public sealed partial class EdgeTests(RunningLabFixture lab)
{
    private const int TenMiB = 10 * 1024 * 1024;

    [Fact]
    public async Task A_body_over_the_limit_is_refused_by_the_gateway_with_a_problem_whether_its_length_is_known_or_not()
    {
        var huge = new byte[TenMiB];
        Array.Fill(huge, (byte)'a');

        using var sized = await lab.Http.PostAsync("/api/v1/ideas", new ByteArrayContent(huge) { Headers = { { "Content-Type", "application/json" } } });
        // A stream of unknown length goes out chunked: the gateway cannot know the size until it has read it.
        using var chunked = await lab.Http.PostAsync("/api/v1/notes", new StreamContent(new UnknownLengthStream(huge)) { Headers = { { "Content-Type", "application/json" } } });
        using var toPortal = await lab.Http.PostAsync("/login", new StreamContent(new UnknownLengthStream(huge)) { Headers = { { "Content-Type", "application/x-www-form-urlencoded" } } });

        foreach (var refused in new[] { sized, chunked, toPortal })
        {
            var problem = await ProblemAnswer.AssertAsync(refused, HttpStatusCode.RequestEntityTooLarge);
            Assert.Contains("1024 KiB", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        // A chunked body within the limit is passed on whole.
        var small = Encoding.UTF8.GetBytes("""{"title":"Sent in chunks","hypothesis":"The gateway passes a small chunked body on."}""");
        using var accepted = await lab.Http.PostAsync("/api/v1/ideas", new StreamContent(new UnknownLengthStream(small)) { Headers = { { "Content-Type", "application/json" } } });
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Fact]
    public async Task A_data_set_may_be_larger_than_other_bodies_and_passes_the_gateway_sized_or_chunked()
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("the router sends each token to its experts\n", 50_000)));
        Assert.True(text.Length > 2 * 1024 * 1024);

        using var sized = await lab.Http.PostAsync("/api/v1/datasets?name=Sized", new ByteArrayContent(text) { Headers = { { "Content-Type", "text/plain" } } });
        using var chunked = await lab.Http.PostAsync("/api/v1/datasets?name=Chunked", new StreamContent(new UnknownLengthStream(text)) { Headers = { { "Content-Type", "text/plain" } } });

        foreach (var upload in new[] { sized, chunked })
        {
            Assert.True(upload.StatusCode == HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());
            Assert.Equal(text.Length, (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bytes").GetInt64());
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/login")]
    [InlineData("/api/v1/ideas")]
    [InlineData("/health")]
    public async Task A_request_for_another_host_is_refused_and_the_host_is_never_repeated(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = "attacker.example";

        using var response = await lab.Http.SendAsync(request);

        await ProblemAnswer.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.DoesNotContain("attacker", response.Headers.ToString() + response.Content.Headers + await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public async Task The_machines_own_names_are_answered(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/login");
        request.Headers.Host = $"{host}:{lab.Lab.Port}";

        using var response = await lab.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_login_redirect_is_a_path_on_the_portal_never_an_address_built_from_the_host()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(lab.Lab.Url) };

        using var response = await anonymous.GetAsync("/runs");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login?ReturnUrl=%2Fruns", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/login", "script-src 'self';")]
    [InlineData("/app.css", "script-src 'self';")]
    [InlineData("/api/v1/ideas", "default-src 'none'")]
    [InlineData("/api/v1/nothing-here", "default-src 'none'")]
    [InlineData("/openapi/v1.json", "default-src 'none'")]
    [InlineData("/health", "default-src 'none'")]
    public async Task Every_answer_carries_the_security_headers_and_a_policy_for_what_it_is(string path, string policy)
    {
        using var response = await lab.Http.GetAsync(path);

        AssertSecurityHeaders(response);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains(policy, csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_reference_allows_only_its_own_scripts_by_a_nonce_made_for_each_answer()
    {
        using var first = await lab.Http.GetAsync("/scalar/");
        using var second = await lab.Http.GetAsync("/scalar/");

        AssertSecurityHeaders(first);
        var nonces = new List<string>();
        foreach (var response in new[] { first, second })
        {
            var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            var nonce = NonceOf().Match(csp).Groups[1].Value;
            Assert.NotEmpty(nonce);
            var html = await response.Content.ReadAsStringAsync();
            Assert.All(ScriptTag().Matches(html), script => Assert.Contains($"nonce=\"{nonce}\"", script.Value, StringComparison.Ordinal));
            Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
            nonces.Add(nonce);
        }
        Assert.NotEqual(nonces[0], nonces[1]);
    }

    [Fact]
    public async Task Health_says_only_whether_all_is_well_unless_an_operator_asks()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(lab.Lab.Url) };
        using var member = await LabMembers.JoinAsync(lab.Lab.Url, lab.Http, "healthy");

        foreach (var client in new[] { anonymous, member.Http })
        {
            using var response = await client.GetAsync("/health");
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["status"], JsonDocument.Parse(body).RootElement.EnumerateObject().Select(p => p.Name));
            Assert.Equal("Healthy", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
            Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        }
        var operatorView = await lab.Http.GetFromJsonAsync<JsonElement>("/health");
        Assert.True(operatorView.GetProperty("entries").TryGetProperty("api", out _), operatorView.ToString());
    }

    [Fact]
    public async Task The_portal_and_the_api_reference_run_under_their_policies_without_a_violation()
    {
        await using var portal = await PortalBrowser.StartAsync();
        var idea = await lab.Http.PostAsJsonAsync("/api/v1/ideas", new { title = "Policies " + Guid.NewGuid().ToString("N")[..6], hypothesis = "Pages run under their policy." });
        var ideaId = (await idea.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        // Waits for a CUDA device that this machine does not have: its page keeps the live chart and its script.
        using var submitted = await lab.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId, config = new { preset = "tiny" }, kind = "cuda" });
        var runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var violations = new List<string>();
        var page = await portal.LoggedInPageAsync(lab.Lab.Url, lab.Token);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add($"{page.Url}: {message.Text}");
            }
        };
        try
        {
            foreach (var path in new[] { "/login", "/", $"/ideas/{ideaId}", "/pool", "/runs", "/feed", "/search?q=policies" })
            {
                await page.GotoAsync(lab.Lab.Url + path, new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
            }
            // The run page keeps its metrics stream open (so no waiting for the network to go quiet): its script reads it.
            await page.RunAndWaitForRequestAsync(() => page.GotoAsync($"{lab.Lab.Url}/runs/{runId}"), $"**/runs/{runId}/metrics*");
            Assert.Empty(violations);

            // The browser does report a violation when there is one (here an image from elsewhere, blocked before any request).
            await page.EvaluateAsync("() => { const i = document.createElement('img'); i.src = 'https://elsewhere.example/x.png'; document.body.append(i); }");
            await Polling.UntilAsync(() => Task.FromResult(violations.Count > 0), "the browser reported the blocked image", TimeSpan.FromSeconds(10));
            Assert.Contains("elsewhere.example", Assert.Single(violations), StringComparison.Ordinal);
            violations.Clear();

            await page.GotoAsync(lab.Lab.Url + "/scalar/", new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
            // Scalar has read the OpenAPI document and drawn it.
            await page.GetByText("Lab.Api | v1").First.WaitForAsync();
            await page.GetByText("Everyone in the lab, in the order they joined").First.WaitForAsync();
            Assert.Empty(violations);
        }
        finally
        {
            using var _ = await lab.Http.PostAsync($"/api/v1/runs/{runId}/cancel", null);
        }
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", string.Join(",", response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", string.Join(",", response.Headers.GetValues("Referrer-Policy")));
        Assert.Contains("frame-ancestors 'none'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"'nonce-([^']+)'")]
    private static partial Regex NonceOf();

    [GeneratedRegex(@"<script\b[^>]*>")]
    private static partial Regex ScriptTag();

    /// <summary>A stream that does not say its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] content) : MemoryStream(content, writable: false)
    {
        public override bool CanSeek => false;
    }
}
