using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// A run reads only what the lab offers (the built-in corpus, or a data set shared through the API), never a path; its
/// training process runs as a user of its own, in a folder only that user may enter, with none of the worker's secrets.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RunSandboxTests
{
    [Fact]
    public async Task A_run_trains_on_a_shared_data_set_as_its_own_user_and_can_name_no_path()
    {
        var token = "lab_" + Guid.NewGuid().ToString("N") + "sandbox";
        var checkpoints = TestFolders.Create("sandbox-checkpoints");
        await using var api = await ServiceProcess.StartAsync("services", "Lab.Api", new Dictionary<string, string>
        {
            ["ConnectionStrings__lab"] = await TestPostgres.CreateDatabaseAsync("sandbox"),
            ["Lab__Bootstrap__Token"] = token,
        });
        await using var worker = await ServiceProcess.StartAsync("services", "Lab.Worker", new Dictionary<string, string>
        {
            ["services__api__http__0"] = api.Url,
            ["Worker__Token"] = token,
            ["Worker__NodeName"] = "sandbox-node",
            ["Worker__HeartbeatInterval"] = "00:00:01",
            ["Worker__CheckpointRoot"] = checkpoints,
        });
        using var http = LabProcess.Client(api.Url, token);
        using var idea = await http.PostAsJsonAsync("/api/v1/ideas", new { title = "Train on shared text", hypothesis = "Data sets are enough." });
        var ideaId = (await idea.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // Paths are refused alike, whether they exist or not: the answer tells nothing about the machine.
        var refusals = new List<string>();
        foreach (var path in new[] { "/etc/shadow", "/nonexistent/folder", "../../secrets", "/proc/self/environ" })
        {
            using var refused = await http.PostAsJsonAsync("/api/v1/runs", new { ideaId, config = new { preset = "tiny", data = new { source = path } } });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            refusals.Add(problem.GetProperty("errors").GetProperty("config")[0].GetString()!);
        }
        Assert.Single(refusals.Distinct());
        Assert.DoesNotContain("shadow", refusals[0], StringComparison.Ordinal);
        using (var unknown = await http.PostAsJsonAsync("/api/v1/runs", new { ideaId, config = new { preset = "tiny", data = new { source = $"dataset:{Guid.NewGuid()}" } } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        }

        var text = string.Concat(Enumerable.Range(0, 4000).Select(i => $"expert {i % 16} routes token {i} to layer {i % 4}.\n"));
        using var upload = await http.PostAsync("/api/v1/datasets?name=Routing%20lines&description=Synthetic%20routing%20text",
            new StringContent(text, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var dataset = await upload.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(Encoding.UTF8.GetByteCount(text), dataset.GetProperty("bytes").GetInt64());
        using (var binary = await http.PostAsync("/api/v1/datasets?name=Binary", new ByteArrayContent([0xff, 0xfe, 0x00, 0x01]) { Headers = { ContentType = new("text/plain") } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, binary.StatusCode);
        }

        await Polling.UntilAsync(http, "/api/v1/pool", p => p.GetProperty("liveDevices").GetInt32() == 1, "the worker joined the pool");
        using var submitted = await http.PostAsJsonAsync("/api/v1/runs", new
        {
            ideaId,
            config = new
            {
                preset = "tiny",
                training = new { steps = 60, checkpoint_every = 10, log_every = 5, eval_every = 30, threads = 1 },
                data = new { source = $"dataset:{dataset.GetProperty("id").GetGuid()}" },
            },
        });
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await Polling.UntilAsync(http, $"/api/v1/runs/{runId}", r => r.GetProperty("status").GetString() == "Running" && r.GetProperty("step").GetInt32() > 0, "the run trained");

        var training = MachineProcesses.TrainingProcessOf(runId);
        var uid = MachineProcesses.UserOf(training);
        if (OthersCanPass(AppContext.BaseDirectory))
        {
            Assert.True(uid >= 200_000, $"the training process runs as user {uid}");
        }
        else
        {
            // A checkout other users cannot enter (a clone in a private folder) holds a program no run user can start:
            // the worker says so and runs training as its own user, the run's folder still closed to everyone else.
            Assert.Equal(0L, uid);
            Assert.Contains("Training processes run as the worker's own user", worker.Output, StringComparison.Ordinal);
        }
        var environment = File.ReadAllText($"/proc/{training}/environ");
        Assert.DoesNotContain(token, environment, StringComparison.Ordinal);
        Assert.DoesNotContain("Worker__", environment, StringComparison.Ordinal);
        var folder = Path.Combine(checkpoints, "runs", runId.ToString("D"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));

        var finished = await Polling.UntilAsync(http, $"/api/v1/runs/{runId}", r => r.GetProperty("status").GetString() is "Finished" or "Failed" or "Cancelled",
            "the run ended", TimeSpan.FromMinutes(3));
        Assert.Equal("Finished", finished.GetProperty("status").GetString());
        Assert.DoesNotContain(checkpoints, finished.GetRawText(), StringComparison.Ordinal);
    }

    private static bool OthersCanPass(string folder)
    {
        for (var at = Path.GetFullPath(folder); !string.IsNullOrEmpty(at); at = Path.GetDirectoryName(at))
        {
            if (!File.GetUnixFileMode(at).HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }
        return true;
    }
}
