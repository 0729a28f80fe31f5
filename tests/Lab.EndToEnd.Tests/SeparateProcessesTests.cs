using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// The same services that <c>lab up</c> hosts in one process, each run on its own with only Aspire-style
/// settings (<c>ConnectionStrings__lab</c>, <c>services__name__http__0</c>), as Aspire and Kubernetes run them.
/// </summary>
public sealed class SeparateProcessesTests
{
    [Fact]
    public async Task Each_service_runs_as_its_own_process_and_they_work_together_behind_the_gateway()
    {
        var token = "lab_" + Guid.NewGuid().ToString("N") + "separate";
        var database = await TestPostgres.CreateDatabaseAsync("separate");
        await using var api = await ServiceProcess.StartAsync("services", "Lab.Api", new Dictionary<string, string>
        {
            ["ConnectionStrings__lab"] = database,
            ["Lab__Bootstrap__Token"] = token,
        });
        await using var worker = await ServiceProcess.StartAsync("services", "Lab.Worker", new Dictionary<string, string>
        {
            ["services__api__http__0"] = api.Url,
            ["Worker__Token"] = token,
            ["Worker__NodeName"] = "separate-node",
        });
        await using var portal = await ServiceProcess.StartAsync("apps", "Lab.Portal", new Dictionary<string, string>
        {
            ["ConnectionStrings__lab"] = database,
            ["services__api__http__0"] = api.Url,
        });
        await using var gateway = await ServiceProcess.StartAsync("services", "Lab.Gateway", new Dictionary<string, string>
        {
            ["services__api__http__0"] = api.Url,
            ["services__portal__http__0"] = portal.Url,
            ["services__worker__http__0"] = worker.Url,
        });
        using var http = LabProcess.Client(gateway.Url, token);

        using var created = await http.PostAsJsonAsync("/api/v1/ideas", new { title = "Separate processes", hypothesis = "Same code, three ways." });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await Polling.UntilAsync(http, "/api/v1/pool", p => p.GetProperty("nodes").EnumerateArray().Any(n => n.GetProperty("name").GetString() == "separate-node"),
            "the worker's node reached the pool", TimeSpan.FromSeconds(20));

        var health = await http.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        foreach (var service in new[] { "api", "portal", "worker" })
        {
            Assert.Equal("Healthy", health.GetProperty("entries").GetProperty(service).GetProperty("status").GetString());
        }
        using var login = await http.GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task A_second_API_process_given_only_the_database_joins_the_same_cluster()
    {
        var token = "lab_" + Guid.NewGuid().ToString("N") + "replicas";
        var database = await TestPostgres.CreateDatabaseAsync("replicas");
        await using var first = await ServiceProcess.StartAsync("services", "Lab.Api", new Dictionary<string, string>
        {
            ["ConnectionStrings__lab"] = database,
            ["Lab__Bootstrap__Token"] = token,
        });
        await using var second = await ServiceProcess.StartAsync("services", "Lab.Api", new Dictionary<string, string>
        {
            ["ConnectionStrings__lab"] = database,
        });
        var replicas = new[] { LabProcess.Client(first.Url, token), LabProcess.Client(second.Url, token) };

        // Two clusters would hold two copies of the note's grain, each refusing the other's edits as conflicts.
        using var written = await replicas[0].PostAsJsonAsync("/api/v1/notes", new { title = "Replicas", body = "v0" });
        Assert.Equal(HttpStatusCode.Created, written.StatusCode);
        var note = (await written.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        for (var edit = 1; edit <= 10; edit++)
        {
            using var edited = await replicas[edit % 2].PutAsJsonAsync($"/api/v1/notes/{note}", new { title = "Replicas", body = $"v{edit}" });
            Assert.True(edited.StatusCode == HttpStatusCode.OK, $"edit {edit}: {edited.StatusCode} {await edited.Content.ReadAsStringAsync()}");
        }
        foreach (var replica in replicas)
        {
            Assert.Equal("v10", (await replica.GetFromJsonAsync<JsonElement>($"/api/v1/notes/{note}")).GetProperty("body").GetString());
            replica.Dispose();
        }
    }
}
