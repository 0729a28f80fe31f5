using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary><c>lab runs logs --follow</c> on a run that lab up's worker trains: every line the training engine printed, as it comes.</summary>
[Collection(RunningLabCollection.Name)]
public sealed class RunsFollowTests(RunningLabFixture lab)
{
    [Fact]
    public async Task Following_a_run_prints_every_logged_step_and_evaluation_with_all_their_figures()
    {
        var folder = TestFolders.Create("follow");
        try
        {
            var environment = new Dictionary<string, string?> { ["LAB_CONFIG"] = Path.Combine(folder, "lab.json"), ["LAB_TOKEN"] = lab.Token };
            using var proposed = await lab.Http.PostAsJsonAsync("/api/v1/ideas", new { title = $"Followed {Guid.NewGuid():N}"[..20], hypothesis = "Every line shows." });
            var idea = (await proposed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            using var submitted = await lab.Http.PostAsJsonAsync("/api/v1/runs", new
            {
                ideaId = idea,
                config = new { preset = "tiny", training = new { steps = 80, seed = 5, log_every = 10, eval_every = 40, checkpoint_every = 40, threads = 1 } },
            });
            Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
            var run = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

            // Followed from before it starts: everything comes through the live stream.
            var followed = await LabCommand.RunAsync(["runs", "logs", run.ToString(), "--follow", "--json", "--url", lab.Lab.Url], environment, TimeSpan.FromMinutes(5));
            Assert.True(followed.ExitCode == 0, followed.ToString());
            var lines = followed.JsonLines();
            var training = lines.Where(l => l.TryGetProperty("kind", out var k) && k.GetString() == "train").ToList();
            Assert.Equal([10, 20, 30, 40, 50, 60, 70, 80], training.Select(l => l.GetProperty("step").GetInt32()));
            Assert.All(training, line =>
            {
                Assert.True(line.GetProperty("loss").GetDouble() > 0, line.ToString());
                Assert.True(line.GetProperty("learningRate").GetDouble() > 0, line.ToString());
                Assert.True(line.GetProperty("gradNorm").GetDouble() > 0, line.ToString());
                Assert.True(line.GetProperty("tokensPerS").GetDouble() > 0, line.ToString());
                var layers = line.GetProperty("expertLoad").EnumerateArray().ToList();
                Assert.Equal(2, layers.Count); // the tiny model's two MoE layers, eight experts each
                Assert.All(layers, layer => Assert.InRange(layer.EnumerateArray().Sum(share => share.GetDouble()), 0.99, 1.01));
            });
            var evaluations = lines.Where(l => l.TryGetProperty("kind", out var k) && k.GetString() == "eval").ToList();
            Assert.Equal([0, 40, 80], evaluations.Select(l => l.GetProperty("step").GetInt32()));
            Assert.All(evaluations, line => Assert.True(line.GetProperty("expertAffinity").EnumerateObject().Count() >= 2, line.ToString()));
            Assert.Equal(["submitted", "placed", "started", "finished"],
                lines.Where(l => l.GetProperty("event").GetString() is not ("progress" or "checkpointed")).Select(l => l.GetProperty("event").GetString()).ToList());

            // Read afterwards, in words: the same lines from what the run keeps.
            var text = await LabCommand.RunAsync(["runs", "logs", run.ToString(), "--url", lab.Lab.Url], environment);
            Assert.True(text.ExitCode == 0, text.ToString());
            var steps = text.Stdout.Split('\n').Where(l => l.StartsWith("step ", StringComparison.Ordinal)).ToList();
            Assert.Equal(11, steps.Count);
            Assert.Matches(@"^step 10/80  loss \d+\.\d+  lr [\d.e-]+  grad norm [\d.]+  aux [\d.]+  [\d.]+ tokens/s  expert load max/mean [\d.]+ \(per layer [\d.]+ [\d.]+\)", steps[1]);
            Assert.Matches(@"^step 40/80  validation loss \d+\.\d+  affinity \w+ e\d \d+", steps.Single(l => l.StartsWith("step 40/80  validation", StringComparison.Ordinal)));
        }
        finally
        {
            TestFolders.TryDelete(folder);
        }
    }
}
