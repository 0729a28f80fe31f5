using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lab.Contracts;
using Lab.Contracts.Runs;
using Lab.Knowledge.Runs;

namespace Lab.Api.Tests;

/// <summary>
/// How the API refuses: strict JSON types, refusals that name the field in the caller's terms (never a .NET type, a
/// framework message or a server path), and a problem document for every refusal, whatever the client accepts.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class RefusalTests(ApiFixture api)
{
    private static readonly string[] Insides = ["Lab.", "System.", "Nullable", ".NET", "Implicit body", "Exception", "Microsoft."];

    [Fact]
    public async Task A_string_where_a_number_is_expected_is_a_400_naming_the_field_and_writes_nothing()
    {
        using var idea = await api.Http.PostAsJsonAsync("/api/v1/ideas", new { title = "Strict types", hypothesis = "A number is a number." });
        var ideaId = (await idea.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var before = await api.EventCountAsync();

        using var response = await PostAsync("/api/v1/runs", $$"""{"ideaId":"{{ideaId}}","config":{"preset":"tiny"},"devices":"1"}""");

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("The devices must be a whole number.", problem.GetProperty("errors").GetProperty("devices")[0].GetString());
        Assert.Equal(before, await api.EventCountAsync());
        using var asNumber = await PostAsync("/api/v1/runs", $$"""{"ideaId":"{{ideaId}}","config":{"preset":"tiny"},"devices":1}""");
        Assert.Equal(HttpStatusCode.Created, asNumber.StatusCode);
        using var _ = await api.Http.PostAsync($"/api/v1/runs/{(await asNumber.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid()}/cancel", null);
    }

    public static TheoryData<string, string, string, string> UnreadableRequests => new()
    {
        { "/api/v1/ideas", """{"title":1,"hypothesis":"h"}""", "title", "must be a string" },
        { "/api/v1/ideas", """{"title":"t","hypothesis":"h","owner":"someone"}""", "owner", "is not a field" },
        { "/api/v1/ideas", """{"title":"t","hypothesis":"h","buildsOn":"x"}""", "buildsOn", "must be a list" },
        { "/api/v1/ideas", "[]", "body", "must be an object" },
        { "/api/v1/ideas", """{"title":""", "title", "not valid JSON" },
        { "/api/v1/notes", """{"title":"t","body":"b","attachedTo":"Nowhere"}""", "attachedTo", "one of Lab, Idea, Run" },
        { "/api/v1/notes", """{"title":"t","body":"b","attachedTo":1}""", "attachedTo", "one of Lab, Idea, Run" },
        { "/api/v1/insights", """{"claim":"c","evidence":[{"kind":"Note","id":5}]}""", "evidence[0].id", "must be an id" },
        { "/api/v1/runs", """{"config":{"preset":"tiny","training":{"steps":"200"}}}""", "config.training.steps", "must be a whole number" },
        { "/api/v1/runs", """{"config":{"preset":"tiny","training":{"stepz":200}}}""", "config.training.stepz", "is not a field" },
        { "/api/v1/runs", """{"config":{"preset":null}}""", "config.preset", "name of one of the engine's presets" },
        { "/api/v1/runs", """{"config":{"preset":"tiny"},"kind":7}""", "kind", "must be a string" },
        { "/api/v1/pool/heartbeats", """{"node":"n","devices":{},"workerUrl":null}""", "devices", "must be a list" },
    };

    [Theory]
    [MemberData(nameof(UnreadableRequests))]
    public async Task An_unreadable_body_is_refused_naming_the_field_in_the_callers_terms(string path, string body, string field, string says)
    {
        var before = await api.EventCountAsync();

        using var response = await PostAsync(path, body);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        var messages = problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(m => m.GetString()!).ToList();
        Assert.Contains(messages, m => m.Contains(says, StringComparison.Ordinal));
        Assert.Equal(before, await api.EventCountAsync());
    }

    [Theory]
    [InlineData("/api/v1/ideas?limit=abc", "limit", "The limit must be a whole number.")]
    [InlineData("/api/v1/lab?asOf=yesterday", "asOf", "The asOf must be a date and time such as 2026-11-27T10:00:00Z.")]
    [InlineData("/api/v1/notes?ideaId=xyz", "ideaId", "The ideaId must be an id (a GUID such as 0198c3a2-5b7e-7c41-9a0e-2f4d6b8c1e3a).")]
    [InlineData("/api/v1/runs/00000000-0000-0000-0000-000000000001/metrics?follow=maybe", "follow", "The follow must be true or false.")]
    public async Task A_query_value_of_the_wrong_kind_is_refused_naming_it(string path, string field, string message)
    {
        using var response = await api.Http.GetAsync(path);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(message, problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task Joining_without_a_body_asks_for_one_and_uses_nothing_up()
    {
        using var invitation = await api.Http.PostAsync("/api/v1/invitations", null);
        using var invitee = api.ClientWith((await invitation.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var before = await api.EventCountAsync();

        using var empty = await invitee.PostAsync("/api/v1/join", null);

        var problem = await ProblemAsync(empty, HttpStatusCode.BadRequest);
        Assert.Equal("This request takes a JSON object as its body.", problem.GetProperty("errors").GetProperty("body")[0].GetString());
        Assert.Equal(before, await api.EventCountAsync());
        using var joined = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = "body" + Guid.NewGuid().ToString("N")[..8], name = "Body" });
        Assert.Equal(HttpStatusCode.Created, joined.StatusCode);
    }

    [Fact]
    public async Task A_used_invitation_is_a_401_problem_that_says_why()
    {
        using var invitation = await api.Http.PostAsync("/api/v1/invitations", null);
        using var invitee = api.ClientWith((await invitation.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        using var first = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = "used" + Guid.NewGuid().ToString("N")[..8], name = "First" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        using var again = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = "used" + Guid.NewGuid().ToString("N")[..8], name = "Second" });

        var problem = await ProblemAsync(again, HttpStatusCode.Unauthorized);
        Assert.Equal("The invitation is unknown, used, withdrawn or expired.", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("GET", "/api/v1/ideas", false, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "/api/v1/nothing-here", true, HttpStatusCode.NotFound)]
    [InlineData("DELETE", "/api/v1/ideas", true, HttpStatusCode.MethodNotAllowed)]
    [InlineData("POST", "/api/v1/ideas", true, HttpStatusCode.UnsupportedMediaType)]
    [InlineData("GET", "/api/v1/pool/heartbeats", true, HttpStatusCode.MethodNotAllowed)]
    public async Task Every_refusal_is_a_problem_document_even_for_a_client_that_asks_for_a_web_page(string method, string path, bool withToken, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
        if (method == "POST")
        {
            request.Content = new StringContent("title=t", Encoding.UTF8, "text/plain");
        }

        using var response = await (withToken ? api.Http : api.Anonymous).SendAsync(request);

        var problem = await ProblemAsync(response, status);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Answers_tell_browsers_to_trust_them_no_further_than_data()
    {
        using var response = await api.Http.GetAsync("/api/v1/ideas");

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.StartsWith("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public void A_run_as_members_read_it_shows_no_path_of_the_server()
    {
        var id = Guid.NewGuid();
        var at = DateTimeOffset.UtcNow;
        var run = RunSummary.Fold(null, new RunSubmitted(id, Guid.NewGuid(), Guid.NewGuid(), "{}", 10, 1, null, at));
        foreach (var change in new ILabEvent[]
        {
            new RunCheckpointed(id, 5, "/var/lib/lab/checkpoints/runs/x/step-00000005.ckpt", at),
            new RunRequeued(id, "its worker stopped it: checkpoint '/var/lib/lab/checkpoints/runs/x/step-00000005.ckpt' cannot be read", 5, at),
            new RunFinished(id, new RunOutcome(10, 1.5, 1.6, 100, 1, 1.1, "/var/lib/lab/checkpoints/runs/x/step-00000010.ckpt"), at),
            new RunFailed(id, "The training process could not start (/usr/share/dotnet/dotnet /srv/lab/lab.dll train): No such file", 10, at),
        })
        {
            run = RunSummary.Fold(run, change);
        }

        var view = run.ToView(at);

        var json = JsonSerializer.Serialize(view);
        Assert.DoesNotContain("/var/lib", json, StringComparison.Ordinal);
        Assert.DoesNotContain("/usr/share", json, StringComparison.Ordinal);
        Assert.DoesNotContain("/srv", json, StringComparison.Ordinal);
        Assert.Equal("step-00000010.ckpt", view.Outcome!.Checkpoint);
        Assert.Equal("The training process could not start ([path] [path] train): No such file", view.FailureReason);
        Assert.Contains(view.History, h => h.Detail.Contains("checkpoint '[path]' cannot be read", StringComparison.Ordinal));
    }

    private Task<HttpResponseMessage> PostAsync(string path, string body) =>
        api.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")));

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        foreach (var inside in Insides)
        {
            Assert.DoesNotContain(inside, body, StringComparison.Ordinal);
        }
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }
}
