using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Clustering;
using Lab.Testing;
using Xunit.Abstractions;

namespace Lab.Cluster.Tests;

/// <summary>
/// Three API replicas, each with its silo, as separate processes on one database: one cluster, one activation of each
/// grain whichever replica is called, and a replica killed outright (the one holding the pool) costs seconds, not
/// work: its grains come back on the survivors with their state, the pool keeps scheduling, the worker that used it
/// carries on through another, and the replica restarted joins again.
/// </summary>
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Three_replicas_make_one_cluster_that_survives_a_killed_replica()
    {
        var token = "lab_" + Guid.NewGuid().ToString("N") + "cluster";
        var database = await TestPostgres.CreateDatabaseAsync("cluster");
        var folder = TestFolders.Create("cluster");
        var certificate = ClusterCertificate.EnsureFile(folder);
        var apiSettings = new Dictionary<string, string>
        {
            ["ConnectionStrings__lab"] = database,
            ["Lab__Bootstrap__Token"] = token,
            ["Orleans__Tls__CertificatePath"] = certificate,
            ["Pool__HeartbeatTimeout"] = "00:00:20",
        };

        // All three at once on an empty database: schema creation (Marten's and membership's) races and must not fail.
        var replicas = (await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ServiceProcess.StartAsync("services", "Lab.Api", apiSettings)))).ToList();
        await using var window = await ClusterMember.JoinAsync(database, certificate);
        try
        {
            await Polling.UntilAsync(async () => await window.ActiveSilosAsync() == 4, "three replicas and the test's silo were active");
            var http = replicas.Select(r => LabProcess.Client(r.Url, token)).ToList();

            // One note edited through every replica in turn: all edits land, on the one activation of its grain.
            var note = await CreatedAsync(http[0].PostAsJsonAsync("/api/v1/notes", new { title = "Shared", body = "v0" }));
            for (var edit = 1; edit <= 12; edit++)
            {
                using var edited = await http[edit % 3].PutAsJsonAsync($"/api/v1/notes/{note}", new { title = "Shared", body = $"v{edit}" });
                Assert.True(edited.StatusCode == HttpStatusCode.OK, $"edit {edit} through replica {edit % 3}: {await edited.Content.ReadAsStringAsync()}");
            }
            Assert.Single(await window.ActivationsAsync("NoteGrain", note));

            // The pool, the scheduler, exists once; the replica holding it is the one to kill.
            await http[1].GetFromJsonAsync<JsonElement>("/api/v1/pool");
            var poolSilo = Assert.Single(await window.ActivationsAsync("PoolGrain"));
            var victim = await window.ReplicaAtAsync(replicas, poolSilo);
            var survivor = replicas.First(r => r != victim);
            var victimHttp = http[replicas.IndexOf(victim)];
            var survivorHttp = http[replicas.IndexOf(survivor)];

            // A worker that knows two replicas, the doomed one first.
            await using var worker = await ServiceProcess.StartAsync("services", "Lab.Worker", new Dictionary<string, string>
            {
                ["services__api__http__0"] = victim.Url,
                ["services__api__http__1"] = survivor.Url,
                ["Worker__Token"] = token,
                ["Worker__NodeName"] = "cluster-node",
                ["Worker__HeartbeatInterval"] = "00:00:01",
                ["Worker__CheckpointRoot"] = TestFolders.Create("cluster-checkpoints"),
            });
            await Polling.UntilAsync(victimHttp, "/api/v1/pool", p => p.GetProperty("liveDevices").GetInt32() == 1, "the worker joined the pool");
            var idea = await CreatedAsync(victimHttp.PostAsJsonAsync("/api/v1/ideas", new { title = "Outlive a replica", hypothesis = "A cluster loses seconds, not work." }));
            var before = await CreatedAsync(victimHttp.PostAsJsonAsync("/api/v1/runs", TinyRun(idea, steps: 60)));
            await Polling.UntilAsync(victimHttp, $"/api/v1/runs/{before}", r => r.GetProperty("status").GetString() == "Running", "the first run was running");

            await victim.KillAsync();
            var outage = await Polling.UntilAsync(async () => await SucceedsAsync(survivorHttp.GetAsync("/api/v1/pool")), "the pool answered through a survivor", TimeSpan.FromMinutes(1));
            output.WriteLine($"Calls to the killed replica's grains failed for {outage.TotalSeconds:0.0} s after kill -9.");

            // Its grains are back on the survivors, once each, with their state from the event store.
            var reread = await survivorHttp.GetFromJsonAsync<JsonElement>($"/api/v1/notes/{note}");
            Assert.Equal("v12", reread.GetProperty("body").GetString());
            var newPoolSilo = Assert.Single(await window.ActivationsAsync("PoolGrain"));
            Assert.NotEqual(poolSilo, newPoolSilo);

            // The run placed before the kill finishes (the worker reports through the survivor) and the pool schedules new work.
            var after = await CreatedAsync(survivorHttp.PostAsJsonAsync("/api/v1/runs", TinyRun(idea, steps: 10)));
            foreach (var run in new[] { before, after })
            {
                var ended = await Polling.UntilAsync(survivorHttp, $"/api/v1/runs/{run}", r => r.GetProperty("status").GetString() is "Finished" or "Failed" or "Cancelled",
                    $"run {run} ended", TimeSpan.FromMinutes(3));
                Assert.Equal("Finished", ended.GetProperty("status").GetString());
            }
            var pool = await survivorHttp.GetFromJsonAsync<JsonElement>("/api/v1/pool");
            Assert.Equal(1, pool.GetProperty("liveDevices").GetInt32());

            // The replica restarted joins the cluster again and serves the same grains.
            replicas.Remove(victim);
            await victim.DisposeAsync();
            var restart = System.Diagnostics.Stopwatch.StartNew();
            replicas.Add(await ServiceProcess.StartAsync("services", "Lab.Api", apiSettings));
            await Polling.UntilAsync(async () => await window.ActiveSilosAsync() == 4, "the restarted replica was active", TimeSpan.FromMinutes(1));
            output.WriteLine($"The restarted replica was an active silo {restart.Elapsed.TotalSeconds:0.0} s after its start.");
            using var restartedHttp = LabProcess.Client(replicas[^1].Url, token);
            using var lastEdit = await restartedHttp.PutAsJsonAsync($"/api/v1/notes/{note}", new { title = "Shared", body = "v13" });
            Assert.Equal(HttpStatusCode.OK, lastEdit.StatusCode);
            Assert.Single(await window.ActivationsAsync("NoteGrain", note));
            Assert.Single(await window.ActivationsAsync("PoolGrain"));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    private static object TinyRun(Guid idea, int steps) => new
    {
        ideaId = idea,
        config = new
        {
            preset = "tiny",
            training = new { steps, checkpoint_every = 10, log_every = 5, eval_every = 50, threads = 1 },
            data = new { synthetic_chars = 30_000 },
        },
    };

    private static async Task<Guid> CreatedAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<bool> SucceedsAsync(Task<HttpResponseMessage> call)
    {
        try
        {
            using var response = await call;
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
