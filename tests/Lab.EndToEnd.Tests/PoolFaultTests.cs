using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// The pool with real processes: the API with its silo, two workers on separate "nodes" sharing a checkpoint folder,
/// and each run as its own <c>lab train</c> process. A worker killed outright loses its lease after the heartbeat timeout,
/// and its run finishes on the other worker, continuing from its last checkpoint.
/// </summary>
public sealed class PoolFaultTests
{
    private const int Steps = 150;

    [Fact]
    public async Task A_run_whose_worker_is_killed_finishes_on_the_other_worker_continuing_from_its_checkpoint()
    {
        var token = "lab_" + Guid.NewGuid().ToString("N") + "pool";
        var checkpoints = TestFolders.Create("pool-checkpoints");
        await using var api = await ServiceProcess.StartAsync("services", "Lab.Api", new Dictionary<string, string>
        {
            ["ConnectionStrings__lab"] = await TestPostgres.CreateDatabaseAsync("poolfault"),
            ["Lab__Bootstrap__Token"] = token,
            ["Pool__HeartbeatTimeout"] = "00:00:04",
        });
        await using var workerA = await StartWorkerAsync(api.Url, token, "node-a", checkpoints);
        await using var workerB = await StartWorkerAsync(api.Url, token, "node-b", checkpoints);
        using var http = LabProcess.Client(api.Url, token);

        using var idea = await http.PostAsJsonAsync("/api/v1/ideas", new { title = "Survive a lost worker", hypothesis = "Checkpoints make runs outlive their workers." });
        Assert.Equal(HttpStatusCode.Created, idea.StatusCode);
        var ideaId = (await idea.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await Polling.UntilAsync(http, "/api/v1/pool", p => p.GetProperty("nodes").GetArrayLength() == 2, "both workers joined the pool");

        using var submitted = await http.PostAsJsonAsync("/api/v1/runs", new
        {
            ideaId,
            config = new
            {
                preset = "tiny",
                training = new { steps = Steps, checkpoint_every = 10, log_every = 5, eval_every = 50, threads = 1 },
                data = new { synthetic_chars = 60_000 },
            },
        });
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var running = await Polling.UntilAsync(http, $"/api/v1/runs/{runId}", r => r.GetProperty("checkpointStep").GetInt32() >= 20, "the run checkpointed on its first worker");
        var firstNode = running.GetProperty("node").GetString();
        var doomed = firstNode == "node-a" ? workerA : workerB;
        using (var worker = Process.GetProcessById(doomed.ProcessId))
        {
            worker.Kill(entireProcessTree: false); // SIGKILL: no goodbye, no final report; its training process is left behind
        }

        var finished = await Polling.UntilAsync(http, $"/api/v1/runs/{runId}", r => r.GetProperty("status").GetString() is "Finished" or "Failed" or "Cancelled",
            "the run ended", TimeSpan.FromMinutes(4));
        Assert.Equal("Finished", finished.GetProperty("status").GetString());
        Assert.Equal(Steps, finished.GetProperty("outcome").GetProperty("step").GetInt32());
        Assert.Equal(2, finished.GetProperty("attempts").GetInt32());
        var history = finished.GetProperty("history").EnumerateArray()
            .Select(h => (Event: h.GetProperty("event").GetString(), Detail: h.GetProperty("detail").GetString() ?? "")).ToList();
        Assert.Contains(history, h => h.Event == "requeued" && h.Detail.Contains(firstNode!));
        var placedLast = history.Last(h => h.Event == "placed");
        Assert.Contains(firstNode == "node-a" ? "node-b" : "node-a", placedLast.Detail);
        var resumed = Assert.Single(history, h => h.Event == "resumed");

        // The step count continues: the second process starts at a checkpoint taken on the first worker, never at 0.
        var resumedAt = int.Parse(resumed.Detail.Split(' ').Last(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(resumedAt >= running.GetProperty("checkpointStep").GetInt32(), $"resumed from {resumedAt}");
        using var metrics = await http.GetAsync($"/api/v1/runs/{runId}/metrics?follow=false");
        var lines = (await metrics.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var resumeLine = lines.FindIndex(l => l.TryGetProperty("detail", out var d) && d.GetString()!.StartsWith("resumed", StringComparison.Ordinal));
        Assert.True(resumeLine > 0);
        var afterResume = lines.Skip(resumeLine + 1).Where(l => l.GetProperty("event").GetString() == "progress").Select(l => l.GetProperty("step").GetInt32()).ToList();
        Assert.NotEmpty(afterResume);
        Assert.True(afterResume.Min() > resumedAt, $"first step after resuming: {afterResume.Min()}");
    }

    [Fact]
    public async Task A_run_whose_training_process_is_killed_starts_again_from_its_checkpoint_and_says_so()
    {
        var token = "lab_" + Guid.NewGuid().ToString("N") + "crash";
        await using var api = await ServiceProcess.StartAsync("services", "Lab.Api", new Dictionary<string, string>
        {
            ["ConnectionStrings__lab"] = await TestPostgres.CreateDatabaseAsync("crash"),
            ["Lab__Bootstrap__Token"] = token,
        });
        await using var worker = await StartWorkerAsync(api.Url, token, "node-c", TestFolders.Create("crash-checkpoints"));
        using var http = LabProcess.Client(api.Url, token);
        using var idea = await http.PostAsJsonAsync("/api/v1/ideas", new { title = "Survive a crash", hypothesis = "A killed process loses nothing." });
        var ideaId = (await idea.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await Polling.UntilAsync(http, "/api/v1/pool", p => p.GetProperty("liveDevices").GetInt32() == 1, "the worker joined the pool");
        using var submitted = await http.PostAsJsonAsync("/api/v1/runs", new
        {
            ideaId,
            config = new { preset = "tiny", training = new { steps = Steps, checkpoint_every = 10, log_every = 5, eval_every = 50, threads = 1 }, data = new { synthetic_chars = 60_000 } },
        });
        var runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var running = await Polling.UntilAsync(http, $"/api/v1/runs/{runId}", r => r.GetProperty("checkpointStep").GetInt32() >= 20, "the run checkpointed");

        using (var training = Process.GetProcessById(MachineProcesses.TrainingProcessOf(runId)))
        {
            training.Kill(entireProcessTree: false); // SIGKILL, as the kernel's OOM killer does
        }

        var finished = await Polling.UntilAsync(http, $"/api/v1/runs/{runId}", r => r.GetProperty("status").GetString() is "Finished" or "Failed" or "Cancelled",
            "the run ended", TimeSpan.FromMinutes(4));
        Assert.Equal("Finished", finished.GetProperty("status").GetString());
        Assert.Equal(2, finished.GetProperty("attempts").GetInt32());
        var history = finished.GetProperty("history").EnumerateArray()
            .Select(h => (Event: h.GetProperty("event").GetString(), Detail: h.GetProperty("detail").GetString() ?? "")).ToList();
        var crashed = Assert.Single(history, h => h.Event == "crashed");
        Assert.Contains("killed, exit code 137", crashed.Detail, StringComparison.Ordinal);
        Assert.Contains("restart 1 of", crashed.Detail, StringComparison.Ordinal);
        var resumed = Assert.Single(history, h => h.Event == "resumed");
        var resumedAt = int.Parse(resumed.Detail.Split(' ').Last(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(resumedAt >= running.GetProperty("checkpointStep").GetInt32(), $"resumed from {resumedAt}");
    }

    private static Task<ServiceProcess> StartWorkerAsync(string api, string token, string node, string checkpoints) =>
        ServiceProcess.StartAsync("services", "Lab.Worker", new Dictionary<string, string>
        {
            ["services__api__http__0"] = api,
            ["Worker__Token"] = token,
            ["Worker__NodeName"] = node,
            ["Worker__HeartbeatInterval"] = "00:00:01",
            ["Worker__CheckpointRoot"] = checkpoints,
        });
}
