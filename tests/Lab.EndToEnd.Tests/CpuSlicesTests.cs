using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lab.Testing;
using Xunit.Abstractions;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// A machine without a GPU shares itself: <c>lab up</c> with <c>Worker__CpuDevices=2</c> offers its cores as two CPU
/// devices, and two members' runs train on it at the same time, each on its own slice, in its own process with that
/// slice's threads; the pool's view shows each device's use.
/// </summary>
[Trait(TestSpeed.Trait, TestSpeed.Slow)]
public sealed class CpuSlicesTests(ITestOutputHelper output)
{
    [Fact]
    public async Task With_two_CPU_devices_two_members_runs_train_at_the_same_time_on_one_worker()
    {
        var folder = TestFolders.Create("cpuslices");
        var tokenFile = Path.Combine(folder, "given.token");
        try
        {
            await using var lab = await LabProcess.UpAsync(folder, new Dictionary<string, string?>
            {
                ["Worker__CpuDevices"] = "2",
                ["Worker__NodeName"] = "sliced",
                ["Worker__HeartbeatInterval"] = "00:00:00.5",
            }, "--token-file", tokenFile);
            using var operator_ = LabProcess.Client(lab.Url, (await File.ReadAllTextAsync(tokenFile)).Trim());

            var pool = await Polling.UntilAsync(operator_, "/api/v1/pool", p => p.GetProperty("liveDevices").GetInt32() == 2, "the worker offered two CPU devices");
            var node = Assert.Single(pool.GetProperty("nodes").EnumerateArray());
            Assert.Equal("sliced", node.GetProperty("name").GetString());
            Assert.Equal(["cpu:0", "cpu:1"], node.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("id").GetString()));
            Assert.All(node.GetProperty("devices").EnumerateArray(), d => Assert.StartsWith("CPU slice", d.GetProperty("description").GetString(), StringComparison.Ordinal));

            using var ada = await LabMembers.JoinAsync(lab.Url, operator_, "ada");
            using var bob = await LabMembers.JoinAsync(lab.Url, operator_, "bob");
            var runs = await Task.WhenAll(SubmitAsync(ada.Http, "Fewer, finer experts"), SubmitAsync(bob.Http, "Shared expert carries syntax"));

            // Both train at once: each running and past its first step while the other is too, on the one node.
            var together = await Polling.UntilAsync(operator_, "/api/v1/runs?limit=100", page =>
            {
                var mine = page.GetProperty("items").EnumerateArray().Where(r => runs.Contains(r.GetProperty("id").GetGuid())).ToList();
                return mine.Count == 2 && mine.All(r => r.GetProperty("status").GetString() == "Running" && r.GetProperty("step").GetInt32() > 0);
            }, "both members' runs were training at the same time", TimeSpan.FromMinutes(2));
            var shared = await operator_.GetFromJsonAsync<JsonElement>("/api/v1/pool");
            var leases = shared.GetProperty("running").EnumerateArray().Where(l => runs.Contains(l.GetProperty("runId").GetGuid())).ToList();
            Assert.Equal(2, leases.Count);
            Assert.All(leases, l => Assert.Equal("sliced", l.GetProperty("node").GetString()));
            Assert.Equal([0, 1], leases.Select(l => Assert.Single(l.GetProperty("deviceIndexes").EnumerateArray()).GetInt32()).Order());
            Assert.Equal(1.0, shared.GetProperty("utilization").GetDouble());

            // Each run's process trains on its own slice with that slice's share of the cores.
            var threads = (Environment.ProcessorCount / 2).ToString(CultureInfo.InvariantCulture);
            var devices = new List<string>();
            foreach (var run in runs)
            {
                var arguments = Arguments(MachineProcesses.TrainingProcessOf(run));
                devices.Add(arguments[arguments.IndexOf("--devices") + 1]);
                Assert.Equal(threads, arguments[arguments.IndexOf("--threads") + 1]);
            }
            Assert.Equal(["0", "1"], devices.Order());

            // The node's heartbeat says how each device is used: which run, its memory and its training rate.
            var used = await Polling.UntilAsync(operator_, "/api/v1/pool", p =>
                Usage(p).Count(u => u.TryGetProperty("runId", out var id) && id.ValueKind == JsonValueKind.String && runs.Contains(id.GetGuid())
                    && u.TryGetProperty("memoryUsedBytes", out var memory) && memory.ValueKind == JsonValueKind.Number && memory.GetInt64() > 0
                    && u.TryGetProperty("tokensPerS", out var rate) && rate.ValueKind == JsonValueKind.Number && rate.GetDouble() > 0) == 2,
                "the pool's view showed both devices in use by the runs");
            output.WriteLine(string.Join(Environment.NewLine, Usage(used).Select(u => u.GetRawText())));

            var ended = await Polling.UntilAsync(operator_, "/api/v1/runs?limit=100", page =>
                page.GetProperty("items").EnumerateArray().Where(r => runs.Contains(r.GetProperty("id").GetGuid()))
                    .All(r => r.GetProperty("status").GetString() is "Finished" or "Failed" or "Cancelled"),
                "both runs ended", TimeSpan.FromMinutes(3));
            Assert.All(ended.GetProperty("items").EnumerateArray().Where(r => runs.Contains(r.GetProperty("id").GetGuid())),
                r => Assert.True(r.GetProperty("status").GetString() == "Finished", r.GetRawText()));

            // Each run's metrics keep its own slice's rate and memory with every training line, and no other slice's.
            var slices = new List<string>();
            foreach (var run in runs)
            {
                var lines = (await operator_.GetStringAsync($"/api/v1/runs/{run}/metrics?follow=false"))
                    .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())
                    .Where(l => l.GetProperty("event").GetString() == "progress" && l.TryGetProperty("loss", out _)).ToList();
                Assert.NotEmpty(lines);
                var perDevice = lines.Select(l => Assert.Single(l.GetProperty("perDevice").EnumerateArray())).ToList();
                Assert.Single(perDevice.Select(d => d.GetProperty("id").GetString()).Distinct());
                Assert.All(perDevice, d => Assert.True(d.GetProperty("memoryBytes").GetInt64() > 0));
                Assert.Contains(perDevice, d => d.GetProperty("tokensPerS").GetDouble() > 0);
                slices.Add(perDevice[0].GetProperty("id").GetString()!);
            }
            Assert.Equal(["cpu:0", "cpu:1"], slices.Order());

            // A run that leases both slices trains on both, data parallel, and its log names each device's share.
            using var both = await ada.Http.PostAsJsonAsync("/api/v1/runs", new
            {
                ideaId = await IdeaAsync(ada.Http, "Two replicas agree"),
                devices = 2,
                config = new { preset = "tiny", training = new { steps = 40, log_every = 10, eval_every = 40, checkpoint_every = 40 } },
            });
            Assert.Equal(HttpStatusCode.Created, both.StatusCode);
            var pair = (await both.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            var finished = await Polling.UntilAsync(operator_, $"/api/v1/runs/{pair}", r => r.GetProperty("status").GetString() is "Finished" or "Failed" or "Cancelled",
                "the two-device run ended", TimeSpan.FromMinutes(3));
            Assert.True(finished.GetProperty("status").GetString() == "Finished", finished.GetRawText());
            var environment = new Dictionary<string, string?> { ["LAB_CONFIG"] = Path.Combine(folder, "lab.json"), ["LAB_TOKEN"] = (await File.ReadAllTextAsync(tokenFile)).Trim() };
            var logs = await LabCommand.RunAsync(["runs", "logs", pair.ToString(), "--url", lab.Url], environment);
            Assert.True(logs.ExitCode == 0, logs.ToString());
            Assert.Contains("devices cpu:0 ", logs.Stdout, StringComparison.Ordinal);
            Assert.Contains(", cpu:1 ", logs.Stdout, StringComparison.Ordinal);
            var json = await LabCommand.RunAsync(["runs", "logs", pair.ToString(), "--json", "--url", lab.Url], environment);
            var training = json.JsonLines().Where(l => l.TryGetProperty("kind", out var k) && k.GetString() == "train").ToList();
            Assert.NotEmpty(training);
            Assert.All(training, l => Assert.Equal(["cpu:0", "cpu:1"], l.GetProperty("perDevice").EnumerateArray().Select(d => d.GetProperty("id").GetString()).Order()));
        }
        finally
        {
            TestFolders.TryDelete(folder);
        }
    }

    private static async Task<Guid> IdeaAsync(HttpClient member, string title)
    {
        using var idea = await member.PostAsJsonAsync("/api/v1/ideas",
            new { title = $"{title} {Guid.NewGuid().ToString("N")[..6]}", hypothesis = "It trains as well for less compute." });
        Assert.Equal(HttpStatusCode.Created, idea.StatusCode);
        return (await idea.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<Guid> SubmitAsync(HttpClient member, string title)
    {
        var ideaId = await IdeaAsync(member, title);
        using var run = await member.PostAsJsonAsync("/api/v1/runs", new
        {
            ideaId,
            config = new
            {
                preset = "tiny",
                training = new { steps = 400, checkpoint_every = 100, log_every = 5, eval_every = 200 },
                data = new { synthetic_chars = 60_000 },
            },
        });
        Assert.True(run.StatusCode == HttpStatusCode.Created, await run.Content.ReadAsStringAsync());
        return (await run.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static List<JsonElement> Usage(JsonElement pool) =>
        [.. pool.GetProperty("nodes").EnumerateArray().SelectMany(n => n.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Array ? usage.EnumerateArray() : [])];

    private static List<string> Arguments(int pid) =>
        [.. Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid}/cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries)];
}
