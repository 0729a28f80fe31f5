using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

[Collection(RunningLabCollection.Name)]
public sealed class GatewayTests(RunningLabFixture lab)
{
    [Fact]
    public async Task Health_on_the_gateway_reports_every_service_behind_it()
    {
        var health = await lab.Http.GetFromJsonAsync<JsonElement>("/health");

        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        var entries = health.GetProperty("entries");
        foreach (var service in new[] { "api", "portal", "worker" })
        {
            Assert.Equal("Healthy", entries.GetProperty(service).GetProperty("status").GetString());
        }
        var api = entries.GetProperty("api").GetProperty("data").GetProperty("report");
        Assert.Equal("Healthy", api.GetProperty("entries").GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_api_its_openapi_document_and_the_portal_share_the_one_url()
    {
        using var openApi = await lab.Http.GetAsync("/openapi/v1.json");
        using var portal = await lab.Http.GetAsync("/login");
        using var ideas = await lab.Http.GetAsync("/api/v1/ideas");

        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ideas.StatusCode);
        Assert.Equal(HttpStatusCode.OK, portal.StatusCode);
        Assert.Contains("Personal access token", await portal.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_worker_has_offered_this_machines_devices_to_the_pool()
    {
        var pool = await Polling.UntilAsync(lab.Http, "/api/v1/pool", p => p.GetProperty("liveDevices").GetInt32() > 0, "the worker offered its devices", TimeSpan.FromSeconds(10));

        var node = Assert.Single(pool.GetProperty("nodes").EnumerateArray());
        Assert.True(node.GetProperty("alive").GetBoolean());
        Assert.NotEmpty(node.GetProperty("devices").EnumerateArray());
    }

    [Fact]
    public async Task A_bad_request_through_the_gateway_is_a_problem_document()
    {
        using var response = await lab.Http.PostAsync("/api/v1/ideas", new StringContent("{", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
