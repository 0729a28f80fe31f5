using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// The OWASP API Security Top 10 (2023), one test per item, tried against a running lab through its gateway by two
/// members (Ada and Bob) and the lab's operator (its first member). Every refusal must be a clean problem document
/// (<see cref="ProblemAnswer"/>) and must leave what it aimed at as it was.
/// </summary>
[Collection(RunningLabCollection.Name)]
public sealed class OwaspApiTopTenTests(RunningLabFixture lab) : IAsyncLifetime
{
    private LabMember _ada = null!;
    private LabMember _bob = null!;

    private HttpClient Operator => lab.Http;

    public async Task InitializeAsync()
    {
        _ada = await LabMembers.JoinAsync(lab.Lab.Url, Operator, "ada");
        _bob = await LabMembers.JoinAsync(lab.Lab.Url, Operator, "bob");
    }

    public Task DisposeAsync()
    {
        _ada.Dispose();
        _bob.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>API1: Broken Object Level Authorization. Every member reads everything (that is the lab's design); what is
    /// someone's own (a note's text, their tokens) no one else changes, whatever id they name.</summary>
    [Fact]
    public async Task API1_a_member_cannot_change_or_see_what_belongs_to_another_by_naming_its_id()
    {
        var note = await CreatedAsync(_ada.Http.PostAsJsonAsync("/api/v1/notes", new { title = "Ada's note", body = "Only Ada edits this." }));
        var noteId = note.GetProperty("id").GetGuid();
        var adaToken = await CreatedAsync(_ada.Http.PostAsJsonAsync("/api/v1/me/tokens", new { name = "ada's laptop" }));

        using (var edit = await _bob.Http.PutAsJsonAsync($"/api/v1/notes/{noteId}", new { title = "Bob's now", body = "Overwritten." }))
        {
            await ProblemAnswer.AssertAsync(edit, HttpStatusCode.Forbidden);
        }
        using (var revoke = await _bob.Http.DeleteAsync($"/api/v1/me/tokens/{adaToken.GetProperty("id").GetGuid()}"))
        {
            await ProblemAnswer.AssertAsync(revoke, HttpStatusCode.NotFound);
        }
        using (var tokens = await _bob.Http.GetAsync($"/api/v1/researchers/{_ada.Id}/tokens"))
        {
            await ProblemAnswer.AssertAsync(tokens, HttpStatusCode.Forbidden);
        }

        Assert.Equal("Only Ada edits this.", (await Operator.GetFromJsonAsync<JsonElement>($"/api/v1/notes/{noteId}")).GetProperty("body").GetString());
        using var laptop = LabProcess.Client(lab.Lab.Url, adaToken.GetProperty("token").GetString());
        Assert.Equal(_ada.Id, (await laptop.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("id").GetGuid());
        // What Bob does is recorded as Bob's, whatever he claims.
        var idea = await CreatedAsync(_bob.Http.PostAsJsonAsync("/api/v1/ideas", new { title = "Bob's idea", hypothesis = "Recorded as Bob's." }));
        Assert.Equal(_bob.Id, idea.GetProperty("proposedBy").GetGuid());
    }

    /// <summary>API2: Broken Authentication. Only a live personal access token authenticates; everything else is a 401 problem that says why.</summary>
    [Fact]
    public async Task API2_only_a_live_token_authenticates_and_every_other_credential_is_a_401_problem()
    {
        var issued = await CreatedAsync(_ada.Http.PostAsJsonAsync("/api/v1/me/tokens", new { name = "to revoke" }));
        using (var revoked = await _ada.Http.DeleteAsync($"/api/v1/me/tokens/{issued.GetProperty("id").GetGuid()}"))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }
        var invitation = await CreatedAsync(Operator.PostAsync("/api/v1/invitations", null));
        var code = invitation.GetProperty("code").GetString()!;
        using (var invitee = LabProcess.Client(lab.Lab.Url, code))
        using (var joined = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = "once" + Guid.NewGuid().ToString("N")[..8], name = "Once" }))
        {
            Assert.Equal(HttpStatusCode.Created, joined.StatusCode);
        }

        string?[] credentials =
        [
            null, "Bearer", "Bearer lab_" + Guid.NewGuid().ToString("N"), "Basic YWRhOnBhc3N3b3Jk", "Bearer " + new string('x', 5000),
            "Bearer labinv_" + Guid.NewGuid().ToString("N"), "Bearer " + issued.GetProperty("token").GetString(), "Bearer " + code,
        ];
        foreach (var credential in credentials)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, credential == "Bearer " + code ? "/api/v1/join" : "/api/v1/ideas")
            {
                Content = JsonContent.Create(new { title = "Anyone?", hypothesis = "Nobody gets in.", handle = "nobody", name = "Nobody" }),
            };
            if (credential is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", credential);
            }
            using var client = new HttpClient { BaseAddress = new Uri(lab.Lab.Url) };
            using var response = await client.SendAsync(request);
            var problem = await ProblemAnswer.AssertAsync(response, HttpStatusCode.Unauthorized);
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        }
        var listed = await _ada.Http.GetStringAsync("/api/v1/me/tokens");
        Assert.DoesNotContain(_ada.Token, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(issued.GetProperty("token").GetString()!, listed, StringComparison.Ordinal);
    }

    /// <summary>API3: Broken Object Property Level Authorization. Nobody sets a property they may not (mass assignment:
    /// operator rights, authorship) and no answer carries a property its reader may not see (secrets, hashes).</summary>
    [Fact]
    public async Task API3_properties_a_caller_may_not_set_are_refused_and_secrets_are_never_in_an_answer()
    {
        var invitation = await CreatedAsync(Operator.PostAsync("/api/v1/invitations", null));
        using var invitee = LabProcess.Client(lab.Lab.Url, invitation.GetProperty("code").GetString());
        var handle = "eve" + Guid.NewGuid().ToString("N")[..8];

        using (var asOperator = await invitee.PostAsJsonAsync("/api/v1/join", new { handle, name = "Eve", operatesLab = true }))
        {
            var problem = await ProblemAnswer.AssertAsync(asOperator, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("operatesLab", out _), problem.ToString());
        }
        // The refusal used nothing up: the same invitation joins, as a member like any other.
        var eve = await CreatedAsync(invitee.PostAsJsonAsync("/api/v1/join", new { handle, name = "Eve" }));
        Assert.False(eve.GetProperty("researcher").GetProperty("operatesLab").GetBoolean());

        using (var asBob = await _ada.Http.PostAsJsonAsync("/api/v1/ideas", new { title = "Bob's, says Ada", hypothesis = "h", proposedBy = _bob.Id }))
        {
            var problem = await ProblemAnswer.AssertAsync(asBob, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("proposedBy", out _), problem.ToString());
        }
        var note = await CreatedAsync(_ada.Http.PostAsJsonAsync("/api/v1/notes", new { title = "Mine", body = "By Ada." }));
        using (var reassigned = await _ada.Http.PutAsJsonAsync($"/api/v1/notes/{note.GetProperty("id").GetGuid()}", new { title = "Mine", body = "By Bob?", author = _bob.Id }))
        {
            await ProblemAnswer.AssertAsync(reassigned, HttpStatusCode.BadRequest);
        }

        foreach (var path in new[] { "/api/v1/me/tokens", "/api/v1/researchers?limit=200", $"/api/v1/researchers/{_ada.Handle}", "/api/v1/feed?limit=100" })
        {
            var answer = await _bob.Http.GetStringAsync(path);
            Assert.DoesNotContain(_ada.Token, answer, StringComparison.Ordinal);
            Assert.DoesNotContain(lab.Token, answer, StringComparison.Ordinal);
            Assert.DoesNotContain("hash", answer, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("labinv_", answer, StringComparison.Ordinal);
        }
    }

    /// <summary>API4: Unrestricted Resource Consumption. Bodies, pages, queries and nesting are bounded, and refused beyond the bound
    /// before any work. (Bounds on training runs and rate limits per token belong to the pool's resource limits.)</summary>
    [Fact]
    public async Task API4_bodies_pages_queries_and_nesting_are_bounded()
    {
        var huge = new byte[10 * 1024 * 1024];
        Array.Fill(huge, (byte)' ');
        using (var tooBig = await _ada.Http.PostAsync("/api/v1/notes", new ByteArrayContent(huge) { Headers = { { "Content-Type", "application/json" } } }))
        {
            await ProblemAnswer.AssertAsync(tooBig, HttpStatusCode.RequestEntityTooLarge);
        }
        foreach (var path in new[] { "/api/v1/ideas?limit=100000", "/api/v1/feed?limit=100000", "/api/v1/researchers?limit=100000", "/api/v1/runs?limit=100000",
                     "/api/v1/knowledge/search?q=" + new string('q', 5000), "/api/v1/ideas/similar?text=" + new string('t', 7000) })
        {
            using var response = await _ada.Http.GetAsync(path);
            await ProblemAnswer.AssertAsync(response, HttpStatusCode.BadRequest);
        }
        var deep = new string('[', 1000) + new string(']', 1000);
        using (var nested = await _ada.Http.PostAsync("/api/v1/ideas", new StringContent($$"""{"title":"t","hypothesis":"h","buildsOn":{{deep}}}""", Encoding.UTF8, "application/json")))
        {
            await ProblemAnswer.AssertAsync(nested, HttpStatusCode.BadRequest);
        }
    }

    /// <summary>API5: Broken Function Level Authorization. The few operator functions (nodes, other members' tokens) refuse
    /// members; joining refuses members; an invitation code does nothing but join.</summary>
    [Fact]
    public async Task API5_operator_functions_refuse_members_and_an_invitation_does_nothing_but_join()
    {
        var bobsToken = await CreatedAsync(_bob.Http.PostAsJsonAsync("/api/v1/me/tokens", new { name = "bob's phone" }));
        var heartbeat = new { node = "rogue-" + Guid.NewGuid().ToString("N")[..6], devices = new[] { new { id = "cpu:0", kind = "cpu", description = "cpu" } }, workerUrl = (string?)null };

        (HttpMethod Method, string Path, object? Body)[] operatorOnly =
        [
            (HttpMethod.Post, "/api/v1/pool/heartbeats", heartbeat),
            (HttpMethod.Get, $"/api/v1/researchers/{_bob.Id}/tokens", null),
            (HttpMethod.Delete, $"/api/v1/researchers/{_bob.Id}/tokens/{bobsToken.GetProperty("id").GetGuid()}", null),
        ];
        foreach (var (method, path, body) in operatorOnly)
        {
            using var response = await _ada.Http.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) });
            var problem = await ProblemAnswer.AssertAsync(response, HttpStatusCode.Forbidden);
            Assert.Contains("operators", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        using (var join = await _ada.Http.PostAsJsonAsync("/api/v1/join", new { handle = "ada2", name = "Ada again" }))
        {
            await ProblemAnswer.AssertAsync(join, HttpStatusCode.Forbidden);
        }
        var invitation = await CreatedAsync(Operator.PostAsync("/api/v1/invitations", null));
        using (var invitee = LabProcess.Client(lab.Lab.Url, invitation.GetProperty("code").GetString()))
        {
            foreach (var path in new[] { "/api/v1/ideas", "/api/v1/me", $"/api/v1/researchers/{_bob.Id}/tokens" })
            {
                using var response = await invitee.GetAsync(path);
                await ProblemAnswer.AssertAsync(response, HttpStatusCode.Forbidden);
            }
        }

        var pool = await Operator.GetFromJsonAsync<JsonElement>("/api/v1/pool");
        Assert.DoesNotContain(pool.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == heartbeat.node);
        using var bobsPhone = LabProcess.Client(lab.Lab.Url, bobsToken.GetProperty("token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await bobsPhone.GetAsync("/api/v1/me")).StatusCode);
        // The operator may.
        Assert.Equal(HttpStatusCode.OK, (await Operator.GetAsync($"/api/v1/researchers/{_bob.Id}/tokens")).StatusCode);
    }

    /// <summary>API6: Unrestricted Access to Sensitive Business Flows. The flow that creates identities (joining) is bound to
    /// one invitation per member, gives no more rights than a member has, and cannot be steered by the newcomer. Proposing,
    /// joining teams and running experiments are open to every member without approval by design (the README's principle).</summary>
    [Fact]
    public async Task API6_an_invitation_makes_exactly_one_plain_member_whose_token_the_lab_chooses()
    {
        var invitation = await CreatedAsync(_ada.Http.PostAsync("/api/v1/invitations", null));
        using var invitee = LabProcess.Client(lab.Lab.Url, invitation.GetProperty("code").GetString());
        var chosen = "lab_" + new string('c', 43);

        using (var choosing = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = "fay" + Guid.NewGuid().ToString("N")[..8], name = "Fay", token = chosen }))
        {
            await ProblemAnswer.AssertAsync(choosing, HttpStatusCode.BadRequest);
        }
        var fay = await CreatedAsync(invitee.PostAsJsonAsync("/api/v1/join", new { handle = "fay" + Guid.NewGuid().ToString("N")[..8], name = "Fay" }));
        using (var second = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = "fay" + Guid.NewGuid().ToString("N")[..8], name = "Fay's friend" }))
        {
            var problem = await ProblemAnswer.AssertAsync(second, HttpStatusCode.Unauthorized);
            Assert.Contains("invitation", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.False(fay.GetProperty("researcher").GetProperty("operatesLab").GetBoolean());
        Assert.NotEqual(chosen, fay.GetProperty("token").GetProperty("token").GetString());
        using var chosenClient = LabProcess.Client(lab.Lab.Url, chosen);
        Assert.Equal(HttpStatusCode.Unauthorized, (await chosenClient.GetAsync("/api/v1/me")).StatusCode);
    }

    /// <summary>API7: Server Side Request Forgery. No Lab server fetches an address a caller names: the gateway forwards only to
    /// its own services whatever the request's target or Host, and the one address a caller can give (a worker's) is an
    /// operator's to give, must be http(s), and is only shown, never fetched.</summary>
    [Fact]
    public async Task API7_no_request_makes_the_lab_fetch_an_address_the_caller_names()
    {
        var metadata = await RawHttp.SendAsync(lab.Lab.Port, "GET http://169.254.169.254/latest/meta-data/ HTTP/1.1", "Host: 169.254.169.254");
        var forged = await RawHttp.SendAsync(lab.Lab.Port, "GET /api/v1/ideas HTTP/1.1", "Host: 169.254.169.254", $"Authorization: Bearer {lab.Token}");
        foreach (var answer in new[] { metadata, forged })
        {
            Assert.Equal(400, answer.Status);
            Assert.Null(ProblemAnswer.Fault(answer.Status, answer.Header("Content-Type")?.Split(';')[0], answer.Body));
            Assert.DoesNotContain("169.254", answer.Head + answer.Body, StringComparison.Ordinal);
        }

        var node = "ssrf-" + Guid.NewGuid().ToString("N")[..6];
        using (var byMember = await _ada.Http.PostAsJsonAsync("/api/v1/pool/heartbeats", Heartbeat(node, workerUrl: "http://169.254.169.254/latest/meta-data/")))
        {
            await ProblemAnswer.AssertAsync(byMember, HttpStatusCode.Forbidden);
        }
        foreach (var url in new[] { "file:///etc/passwd", "gopher://127.0.0.1:5432/", "javascript:alert(1)", "not a url" })
        {
            using var response = await Operator.PostAsJsonAsync("/api/v1/pool/heartbeats", Heartbeat(node, workerUrl: url));
            var problem = await ProblemAnswer.AssertAsync(response, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("workerUrl", out _), problem.ToString());
        }
        var pool = await Operator.GetFromJsonAsync<JsonElement>("/api/v1/pool");
        Assert.DoesNotContain(pool.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == node);
    }

    /// <summary>API8: Security Misconfiguration. Hardening headers everywhere, no cross-origin access, no TRACE, no server
    /// banner, errors that give nothing away, a public health answer without internals.</summary>
    [Fact]
    public async Task API8_the_lab_is_served_hardened()
    {
        foreach (var path in new[] { "/login", "/api/v1/ideas", "/scalar/", "/health" })
        {
            using var response = await _ada.Http.GetAsync(path);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.False(response.Headers.Contains("Server"), $"{path} names its server: {response.Headers}");
        }

        using (var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/ideas"))
        {
            preflight.Headers.Add("Origin", "https://elsewhere.example");
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            using var response = await _ada.Http.SendAsync(preflight);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), response.Headers.ToString());
        }
        using (var crossOrigin = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me"))
        {
            crossOrigin.Headers.Add("Origin", "https://elsewhere.example");
            using var response = await _ada.Http.SendAsync(crossOrigin);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), response.Headers.ToString());
        }
        foreach (var path in new[] { "/api/v1/ideas", "/login" })
        {
            using var trace = await _ada.Http.SendAsync(new HttpRequestMessage(HttpMethod.Trace, path) { Headers = { { "X-Echo", "secret-header" } } });
            await ProblemAnswer.AssertAsync(trace, HttpStatusCode.MethodNotAllowed);
            Assert.DoesNotContain("secret-header", await trace.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var malformed = await _ada.Http.PostAsync("/api/v1/ideas", new StringContent("""{"title":[1,2,{"x":""", Encoding.UTF8, "application/json")))
        {
            await ProblemAnswer.AssertAsync(malformed, HttpStatusCode.BadRequest);
        }
        using var anonymous = new HttpClient { BaseAddress = new Uri(lab.Lab.Url) };
        Assert.Equal(["status"], (await anonymous.GetFromJsonAsync<JsonElement>("/health")).EnumerateObject().Select(p => p.Name));
    }

    /// <summary>API9: Improper Inventory Management. One version of the API, all of it in the OpenAPI document and all of it
    /// behind a token; no other version, no internal endpoint (a service's own health, the silo) reachable through the gateway.</summary>
    [Fact]
    public async Task API9_every_operation_served_is_documented_versioned_and_behind_a_token()
    {
        var document = await _ada.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        using var anonymous = new HttpClient { BaseAddress = new Uri(lab.Lab.Url) };
        var operations = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            Assert.StartsWith("/api/v1/", path.Name, StringComparison.Ordinal);
            var concrete = System.Text.RegularExpressions.Regex.Replace(path.Name, @"\{[^}]+\}", Guid.NewGuid().ToString());
            foreach (var method in path.Value.EnumerateObject())
            {
                using var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method.Name.ToUpperInvariant()), concrete));
                await ProblemAnswer.AssertAsync(response, HttpStatusCode.Unauthorized);
                operations++;
            }
        }
        Assert.True(operations >= 40, $"only {operations} operations documented");

        foreach (var path in new[] { "/api/ideas", "/api/v0/ideas", "/api/v2/ideas", "/api/v1/admin", "/api/health", "/api/v1/health", "/api/alive" })
        {
            using var response = await Operator.GetAsync(path);
            await ProblemAnswer.AssertAsync(response, HttpStatusCode.NotFound);
        }
        foreach (var path in new[] { "/dashboard", "/orleans", "/metrics" })
        {
            using var response = await anonymous.GetAsync(path);
            await ProblemAnswer.AssertAsync(response, HttpStatusCode.NotFound);
        }
    }

    /// <summary>API10: Unsafe Consumption of APIs. What Lab takes from other systems (its workers' heartbeats and the reports of
    /// their training processes) is checked like any other input before it changes anything; the gateway trusts nothing a
    /// caller says about itself when it asks the API whose token it holds.</summary>
    [Fact]
    public async Task API10_what_workers_report_is_validated_before_it_changes_anything()
    {
        var node = "worker-" + Guid.NewGuid().ToString("N")[..6];
        var report = new { runId = Guid.NewGuid(), attempt = 1, kind = "Failed", at = DateTimeOffset.UtcNow, message = new string('m', 5000) };
        object[] bad =
        [
            new { node, devices = new[] { new { id = "cpu:0", kind = "cpu", description = "cpu" } }, workerUrl = (string?)null, reports = new[] { report } },
            new { node, devices = new[] { new { id = "tpu:0", kind = "tpu", description = "tpu" } }, workerUrl = (string?)null },
            new { node = "../" + node, devices = new[] { new { id = "cpu:0", kind = "cpu", description = "cpu" } }, workerUrl = (string?)null },
            new { node, devices = Enumerable.Range(0, 65).Select(i => new { id = $"cpu:{i}", kind = "cpu", description = "cpu" }).ToArray(), workerUrl = (string?)null },
            new { node, devices = new[] { new { id = "cpu:0", kind = "cpu", description = "cpu" } }, workerUrl = (string?)null, reports = new[] { new { runId = Guid.NewGuid(), attempt = 0, kind = "Finished", at = DateTimeOffset.UtcNow } } },
        ];
        foreach (var heartbeat in bad)
        {
            using var response = await Operator.PostAsJsonAsync("/api/v1/pool/heartbeats", heartbeat);
            await ProblemAnswer.AssertAsync(response, HttpStatusCode.BadRequest);
        }
        var pool = await Operator.GetFromJsonAsync<JsonElement>("/api/v1/pool");
        Assert.DoesNotContain(pool.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString()!.Contains(node, StringComparison.Ordinal));

        // A caller who claims to operate the lab (headers the gateway might be fooled by) still gets the public health answer.
        using var claims = new HttpRequestMessage(HttpMethod.Get, "/health");
        claims.Headers.TryAddWithoutValidation("Authorization", "Bearer lab_" + new string('o', 43));
        claims.Headers.Add("X-Forwarded-For", "127.0.0.1");
        claims.Headers.Add("X-Operator", "true");
        using var client = new HttpClient { BaseAddress = new Uri(lab.Lab.Url) };
        using var health = await client.SendAsync(claims);
        Assert.Equal(["status"], JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.EnumerateObject().Select(p => p.Name));
    }

    private static object Heartbeat(string node, string workerUrl) =>
        new { node, devices = new[] { new { id = "cpu:0", kind = "cpu", description = "cpu" } }, workerUrl };

    private static async Task<JsonElement> CreatedAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.RequestMessage?.RequestUri}: {response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
