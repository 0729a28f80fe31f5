using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Testing;

namespace Lab.Api.Tests;

/// <summary>An API that shares a run folder root with its (simulated) workers, and keeps few metrics lines per run.</summary>
public sealed class RunFilesFixture : IAsyncLifetime
{
    public const int MaxLines = 50;

    public string Root { get; } = TestFolders.Create("runfiles");

    public ApiFixture Api { get; }

    public RunFilesFixture() => Api = new ApiFixture
    {
        Settings = new Dictionary<string, string?>
        {
            ["Lab:RunFiles:Root"] = Root,
            ["Lab:Bounds:MaxMetricsLinesPerRun"] = MaxLines.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    public Task InitializeAsync() => Api.InitializeAsync();

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        TestFolders.TryDelete(Root);
    }
}

/// <summary>
/// A run's metrics as a worker forwards them (through the heartbeat endpoint, as Lab.Worker does): every line kept with
/// all its figures, streamed live, bounded per run; and a run's checkpoint and training log downloaded through the API.
/// </summary>
public sealed class RunMetricsApiTests(RunFilesFixture fixture) : IClassFixture<RunFilesFixture>
{
    private static readonly DateTimeOffset At = DateTimeOffset.UtcNow;
    private readonly ApiFixture _api = fixture.Api;

    [Fact]
    public async Task Every_line_a_worker_forwards_is_kept_with_all_its_figures_and_reaches_an_open_stream()
    {
        var (run, node, attempt) = await PlacedRunAsync(steps: 200);
        using var stream = await _api.Http.GetAsync($"/api/v1/runs/{run}/metrics", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);

        // Twenty training lines (every 10 steps) and two evaluations in one heartbeat, as a worker sends a 5-second burst.
        List<RunReport> reports = [Report(run, attempt, RunReportKind.Started)];
        for (var step = 10; step <= 100; step += 10)
        {
            reports.Add(Training(run, attempt, step));
            if (step % 50 == 0)
            {
                reports.Add(Evaluation(run, attempt, step));
            }
        }
        // A model too large for its expert load to be kept: its line is, without the matrix.
        reports.Add(Training(run, attempt, 110) with
        {
            Figures = Figures(110) with { ExpertLoad = [.. Enumerable.Range(0, 64).Select(_ => (IReadOnlyList<double>)[.. Enumerable.Repeat(1.0 / 64, 64)])] },
        });
        await BeatAsync(node, reports);

        var lines = await LinesAsync(run);
        var training = lines.Where(l => l.TryGetProperty("loss", out _) && !l.TryGetProperty("valLoss", out _)).ToList();
        Assert.Equal([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110], training.Select(l => l.GetProperty("step").GetInt32()));
        foreach (var line in training.SkipLast(1))
        {
            var step = line.GetProperty("step").GetInt32();
            Assert.Equal(Loss(step), line.GetProperty("loss").GetDouble());
            Assert.Equal(step * 1e-5, line.GetProperty("learningRate").GetDouble(), 12);
            Assert.Equal(0.5 + step / 1000.0, line.GetProperty("gradNorm").GetDouble(), 12);
            Assert.Equal(1000 + step, line.GetProperty("tokensPerS").GetDouble());
            Assert.Equal(0.01, line.GetProperty("auxLoss").GetDouble());
            Assert.Equal(step * 2048L, line.GetProperty("tokens").GetInt64());
            var load = line.GetProperty("expertLoad").EnumerateArray().Select(l => l.EnumerateArray().Select(v => v.GetDouble()).ToList()).ToList();
            Assert.Equal(2, load.Count);
            Assert.All(load, layer => Assert.Equal(4, layer.Count));
            Assert.Equal([0.4, 0.2, 0.2, 0.2], load[0]);
        }
        Assert.False(training[^1].TryGetProperty("expertLoad", out _), training[^1].ToString());
        Assert.Equal(0.61, training[^1].GetProperty("gradNorm").GetDouble(), 9);

        var evaluations = lines.Where(l => l.TryGetProperty("valLoss", out _) && l.GetProperty("event").GetString() == "progress").ToList();
        Assert.Equal([50, 100], evaluations.Select(l => l.GetProperty("step").GetInt32()));
        var affinity = evaluations[^1].GetProperty("expertAffinity");
        Assert.Equal([0.7, 0.1, 0.1, 0.1], affinity.GetProperty("arithmetic").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal([0.1, 0.1, 0.1, 0.7], affinity.GetProperty("code").EnumerateArray().Select(v => v.GetDouble()));

        // The same lines reached the stream that was open while they were recorded, in order.
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        var followed = new List<JsonElement>();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (followed.Count(l => l.TryGetProperty("loss", out _)) < training.Count && await reader.ReadLineAsync(patience.Token) is { } text)
        {
            followed.Add(JsonDocument.Parse(text).RootElement.Clone());
        }
        Assert.Equal(training.Select(l => l.GetProperty("seq").GetInt64()), followed.Where(l => l.TryGetProperty("loss", out _)).Select(l => l.GetProperty("seq").GetInt64()));

        // The run view counts them; its end ends the stream.
        var view = await Answers.Ok(_api.Http.GetAsync($"/api/v1/runs/{run}"));
        Assert.Equal(training.Count + evaluations.Count, view.GetProperty("metricsLines").GetInt32());
        await EndAsync(node, run, attempt, 110);
        var rest = new List<string>();
        while (await reader.ReadLineAsync(patience.Token) is { } text)
        {
            rest.Add(text);
        }
        Assert.Equal("Finished", JsonDocument.Parse(rest[^1]).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Each_devices_rate_and_memory_are_kept_with_a_training_line_for_at_most_the_devices_the_run_leased()
    {
        var (run, node, attempt) = await PlacedRunAsync(steps: 200, devices: 2);
        await BeatAsync(node, [
            Report(run, attempt, RunReportKind.Started),
            // An engine without figures per device (one written before them): its line is kept as it was.
            Training(run, attempt, 10),
            Training(run, attempt, 20) with { Figures = Figures(20) with { PerDevice = [new("cpu:1", 510.5, 700_000_000), new("cpu:2", 490, 700_000_000, null)] } },
            // Figures no device has (a negative memory, a utilisation past 1, a negative rate) are unknown, the rest kept.
            Training(run, attempt, 30) with { Figures = Figures(30) with { PerDevice = [new("cuda:1", -5, -1, 0.75), new("cuda:3", 480, 1L << 33, 1.5)] } },
            // More devices than the run leased, or one named twice: the line is kept without them.
            Training(run, attempt, 40) with { Figures = Figures(40) with { PerDevice = [new("cpu:0", 1), new("cpu:1", 1), new("cpu:2", 1)] } },
            Training(run, attempt, 50) with { Figures = Figures(50) with { PerDevice = [new("cpu:1", 1), new("cpu:1", 1)] } },
            Training(run, attempt, 60) with { Figures = Figures(60) with { PerDevice = [new(new string('x', PoolRules.DeviceIdMaxLength + 1), 1)] } },
        ]);

        var lines = (await LinesAsync(run)).Where(l => l.GetProperty("event").GetString() == "progress").ToDictionary(l => l.GetProperty("step").GetInt32());
        Assert.Equal([10, 20, 30, 40, 50, 60], lines.Keys.Order());
        foreach (var step in new[] { 10, 40, 50, 60 })
        {
            Assert.False(lines[step].TryGetProperty("perDevice", out _), lines[step].ToString());
            Assert.Equal(Loss(step), lines[step].GetProperty("loss").GetDouble());
        }
        var two = lines[20].GetProperty("perDevice").EnumerateArray().ToList();
        Assert.Equal(["cpu:1", "cpu:2"], two.Select(d => d.GetProperty("id").GetString()));
        Assert.Equal([510.5, 490], two.Select(d => d.GetProperty("tokensPerS").GetDouble()));
        Assert.All(two, d => Assert.Equal(700_000_000, d.GetProperty("memoryBytes").GetInt64()));
        Assert.All(two, d => Assert.False(d.TryGetProperty("utilization", out _)));
        var gpus = lines[30].GetProperty("perDevice").EnumerateArray().ToList();
        Assert.False(gpus[0].TryGetProperty("tokensPerS", out _));
        Assert.False(gpus[0].TryGetProperty("memoryBytes", out _));
        Assert.Equal(0.75, gpus[0].GetProperty("utilization").GetDouble());
        Assert.Equal(1L << 33, gpus[1].GetProperty("memoryBytes").GetInt64());
        Assert.False(gpus[1].TryGetProperty("utilization", out _));

        // The typed client reads them too.
        var client = new Lab.Client.LabClient(_api.Http);
        var read = new List<Lab.Contracts.Reading.RunMetricsLine>();
        await foreach (var line in client.ReadRunMetricsAsync(run, follow: false))
        {
            read.Add(line);
        }
        Assert.Equal([510.5, 490], read.Single(l => l.Step == 20 && l.Event == "progress").PerDevice!.Select(d => d.TokensPerS ?? 0));
        await EndAsync(node, run, attempt, 60);
    }

    [Fact]
    public async Task A_run_keeps_at_most_the_labs_bound_of_lines_spread_over_its_steps_and_never_a_step_twice()
    {
        var (run, node, attempt) = await PlacedRunAsync(steps: 1000);
        // Every step logged and an evaluation every 100: 1,010 lines, far beyond the bound of 50.
        await BeatAsync(node, [Report(run, attempt, RunReportKind.Started)]);
        for (var from = 1; from <= 1000; from += 250)
        {
            var batch = new List<RunReport>();
            for (var step = from; step < from + 250; step++)
            {
                batch.Add(Training(run, attempt, step) with { Figures = null });
                if (step % 100 == 0)
                {
                    batch.Add(Evaluation(run, attempt, step) with { Figures = null });
                }
            }
            await BeatAsync(node, batch);
        }

        var lines = (await LinesAsync(run)).Where(l => l.GetProperty("event").GetString() == "progress").ToList();
        Assert.InRange(lines.Count, RunFilesFixture.MaxLines - 2, RunFilesFixture.MaxLines);
        var trainingSteps = lines.Where(l => !l.TryGetProperty("valLoss", out _)).Select(l => l.GetProperty("step").GetInt32()).ToList();
        var evaluationSteps = lines.Where(l => l.TryGetProperty("valLoss", out _)).Select(l => l.GetProperty("step").GetInt32()).ToList();
        // Evenly spread from the first step to near the last, evaluations all kept.
        Assert.Equal(1, trainingSteps[0]);
        Assert.True(trainingSteps[^1] > 950, string.Join(",", trainingSteps));
        var spacing = RunMetricsBound.Spacing(evaluation: false, 1000, RunFilesFixture.MaxLines);
        Assert.All(trainingSteps.Zip(trainingSteps.Skip(1)), pair => Assert.Equal(spacing, pair.Second - pair.First));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i * 100), evaluationSteps);

        // A run resumed from a checkpoint reports its steps again: nothing is kept twice.
        await BeatAsync(node, [.. Enumerable.Range(500, 100).Select(step => Training(run, attempt, step) with { Figures = null })]);
        Assert.Equal(lines.Count, (await LinesAsync(run)).Count(l => l.GetProperty("event").GetString() == "progress"));
        Assert.Equal(lines.Count, (await Answers.Ok(_api.Http.GetAsync($"/api/v1/runs/{run}"))).GetProperty("metricsLines").GetInt32());
        await EndAsync(node, run, attempt, 1000);
    }

    [Fact]
    public async Task A_runs_checkpoint_and_training_log_are_downloaded_by_members_only_from_where_runs_keep_them()
    {
        var (run, node, attempt) = await PlacedRunAsync(steps: 200);
        await BeatAsync(node, [Report(run, attempt, RunReportKind.Started)]);

        // Nothing yet: each refusal says why, as a problem.
        await ProblemAsync(_api.Http.GetAsync($"/api/v1/runs/{run}/checkpoint"), HttpStatusCode.NotFound, "no checkpoint yet");
        await ProblemAsync(_api.Http.GetAsync($"/api/v1/runs/{run}/log"), HttpStatusCode.NotFound, "no training log");
        await ProblemAsync(_api.Http.GetAsync($"/api/v1/runs/{Guid.NewGuid()}/checkpoint"), HttpStatusCode.NotFound, "No run has the id");
        await ProblemAsync(_api.Http.GetAsync($"/api/v1/runs/{Guid.NewGuid()}/log"), HttpStatusCode.NotFound, "No run has the id");

        // The worker writes them where runs keep them, and reports the checkpoint.
        var checkpoint = new byte[300_000];
        Random.Shared.NextBytes(checkpoint);
        var checkpoints = Path.Combine(RunFiles.FolderOf(fixture.Root, run), "checkpoints");
        Directory.CreateDirectory(checkpoints);
        await File.WriteAllBytesAsync(Path.Combine(checkpoints, "step-00000100.ckpt"), checkpoint);
        Directory.CreateDirectory(RunFiles.LogsFolder(fixture.Root));
        const string log = "{\"event\":\"started\",\"step\":0}\n{\"event\":\"progress\",\"step\":10,\"loss\":5.1}\nstderr: a warning\n";
        await File.WriteAllTextAsync(RunFiles.LogOf(fixture.Root, run), log);
        await BeatAsync(node, [Report(run, attempt, RunReportKind.Checkpointed) with { Step = 100, Checkpoint = "checkpoints/step-00000100.ckpt" }]);
        var (member, _) = await _api.NewMemberAsync("reader");
        var before = await _api.EventCountAsync();
        using (member)
        {
            // Any member downloads them: the newest checkpoint, whole or by ranges, and the log.
            using var whole = await member.GetAsync($"/api/v1/runs/{run}/checkpoint");
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            Assert.Equal("application/octet-stream", whole.Content.Headers.ContentType?.MediaType);
            Assert.Equal($"run-{run}-step-100.ckpt", whole.Content.Headers.ContentDisposition?.FileNameStar ?? whole.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
            Assert.Equal(checkpoint, await whole.Content.ReadAsByteArrayAsync());
            using var range = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/runs/{run}/checkpoint") { Headers = { Range = new RangeHeaderValue(1000, 1099) } };
            using var part = await member.SendAsync(range);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal(checkpoint[1000..1100], await part.Content.ReadAsByteArrayAsync());
            using var logAnswer = await member.GetAsync($"/api/v1/runs/{run}/log");
            Assert.Equal(HttpStatusCode.OK, logAnswer.StatusCode);
            Assert.Equal("text/plain", logAnswer.Content.Headers.ContentType?.MediaType);
            Assert.Equal(log, await logAnswer.Content.ReadAsStringAsync());
        }
        // Nobody without a token.
        using (var anonymous = await _api.Anonymous.GetAsync($"/api/v1/runs/{run}/checkpoint"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        using (var anonymous = await _api.Anonymous.GetAsync($"/api/v1/runs/{run}/log"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        // A training process owns its folder: a link it leaves there to another file of the machine is never followed.
        var secret = Path.Combine(TestFolders.Create("secret"), "secret.txt");
        await File.WriteAllTextAsync(secret, "the machine's secret");
        File.Delete(Path.Combine(checkpoints, "step-00000100.ckpt"));
        File.CreateSymbolicLink(Path.Combine(checkpoints, "step-00000100.ckpt"), secret);
        await ProblemAsync(_api.Http.GetAsync($"/api/v1/runs/{run}/checkpoint"), HttpStatusCode.NotFound, "not in the folder");
        var elsewhere = TestFolders.Create("elsewhere");
        File.Copy(secret, Path.Combine(elsewhere, "step-00000100.ckpt"));
        Directory.Delete(checkpoints, recursive: true);
        Directory.CreateSymbolicLink(checkpoints, elsewhere);
        await ProblemAsync(_api.Http.GetAsync($"/api/v1/runs/{run}/checkpoint"), HttpStatusCode.NotFound, "not in the folder");
        Assert.Equal(before, await _api.EventCountAsync()); // downloads write nothing
        // Nor does a checkpoint name a worker reported become a path of its own.
        await BeatAsync(node, [Report(run, attempt, RunReportKind.Checkpointed) with { Step = 150, Checkpoint = "../../../../../../../../etc/passwd" }]);
        await ProblemAsync(_api.Http.GetAsync($"/api/v1/runs/{run}/checkpoint"), HttpStatusCode.NotFound, "not in the folder");

        // Downloads one member runs at once are bounded: a large file held open four times, the fifth waits its turn.
        Directory.Delete(checkpoints);
        Directory.CreateDirectory(checkpoints);
        await using (var large = File.Create(Path.Combine(checkpoints, "step-00000200.ckpt")))
        {
            large.SetLength(256L * 1024 * 1024);
        }
        await BeatAsync(node, [Report(run, attempt, RunReportKind.Checkpointed) with { Step = 200, Checkpoint = "checkpoints/step-00000200.ckpt" }]);
        var (downloader, _) = await _api.NewMemberAsync("downloader");
        using (downloader)
        {
            var open = new List<HttpResponseMessage>();
            for (var i = 0; i < 4; i++)
            {
                open.Add(await downloader.GetAsync($"/api/v1/runs/{run}/checkpoint", HttpCompletionOption.ResponseHeadersRead));
                Assert.Equal(HttpStatusCode.OK, open[^1].StatusCode);
            }
            await ProblemAsync(downloader.GetAsync($"/api/v1/runs/{run}/checkpoint"), HttpStatusCode.TooManyRequests, "at once");
            using (var others = await _api.Http.GetAsync($"/api/v1/runs/{run}/log"))
            {
                Assert.Equal(HttpStatusCode.OK, others.StatusCode); // another member's share is their own
            }
            open[0].Dispose();
            await Polling.UntilAsync(async () =>
            {
                using var again = await downloader.GetAsync($"/api/v1/runs/{run}/log");
                return again.StatusCode == HttpStatusCode.OK;
            }, "a finished download freed its place", TimeSpan.FromSeconds(30));
            open.ForEach(r => r.Dispose());
        }
        await EndAsync(node, run, attempt, 200);
    }

    private static double Loss(int step) => Math.Round(5.5 - step / 100.0, 6);

    private static RunReport Report(Guid run, int attempt, RunReportKind kind) => new(run, attempt, kind, At);

    private static TrainingFigures Figures(int step) => new(AuxLoss: 0.01, LearningRate: step * 1e-5, GradNorm: 0.5 + step / 1000.0, ModelGflopsPerS: 1.5,
        ExpertLoadCv: 0.2, Tokens: step * 2048L, ElapsedS: step / 10.0, ExpertLoad: [[0.4, 0.2, 0.2, 0.2], [0.25, 0.25, 0.25, 0.25]]);

    private static RunReport Training(Guid run, int attempt, int step) => Report(run, attempt, RunReportKind.Progress) with
    {
        Step = step,
        Loss = Loss(step),
        TokensPerS = 1000 + step,
        ExpertLoadMaxOverMean = 1.3,
        Figures = Figures(step),
    };

    private static RunReport Evaluation(Guid run, int attempt, int step) => Report(run, attempt, RunReportKind.Progress) with
    {
        Step = step,
        ValLoss = Loss(step) + 0.1,
        Figures = new TrainingFigures(Tokens: step * 2048L, ExpertLoad: [[0.25, 0.25, 0.25, 0.25]], ExpertAffinity: new Dictionary<string, IReadOnlyList<double>>
        {
            ["arithmetic"] = [0.7, 0.1, 0.1, 0.1],
            ["code"] = [0.1, 0.1, 0.1, 0.7],
        }),
    };

    /// <summary>A run submitted for a new idea and placed on a node of its own (the node a worker would run it on).</summary>
    private async Task<(Guid Run, string Node, int Attempt)> PlacedRunAsync(int steps, int devices = 1)
    {
        var idea = await Answers.Created(_api.Http.PostAsJsonAsync("/api/v1/ideas", new { title = "Metrics " + Guid.NewGuid().ToString("N")[..6], hypothesis = "Every line is kept." }));
        var run = (await Answers.Created(_api.Http.PostAsJsonAsync("/api/v1/runs", new
        {
            ideaId = idea.GetProperty("id").GetGuid(),
            config = new { preset = "tiny", training = new { steps } },
            kind = "cpu",
            devices,
        }))).GetProperty("id").GetGuid();
        var node = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        var attempt = 0;
        await Polling.UntilAsync(async () =>
        {
            // The nodes of this class's earlier tests (the same four CPUs) stay alive until their heartbeat timeout, and
            // the pool may place the run on one of them: the test then acts as that node's worker.
            var placedOn = (await Answers.Ok(_api.Http.GetAsync($"/api/v1/runs/{run}"))).GetProperty("node");
            if (placedOn.ValueKind == JsonValueKind.String)
            {
                node = placedOn.GetString()!;
            }
            var orders = await BeatAsync(node, []);
            attempt = orders.Runs.FirstOrDefault(o => o.RunId == run)?.Attempt ?? 0;
            return attempt > 0;
        }, $"run {run} placed and handed to its node", TimeSpan.FromSeconds(30));
        return (run, node, attempt);
    }

    private async Task<NodeOrders> BeatAsync(string node, IReadOnlyList<RunReport> reports)
    {
        var heartbeat = new NodeHeartbeat(node, [.. Enumerable.Range(0, 4).Select(i => new DeviceView($"cpu:{i}", "cpu", "a test CPU", 8L << 30))], null, reports);
        using var answer = await _api.Http.PostAsJsonAsync("/api/v1/pool/heartbeats", heartbeat, ApiJson.Options);
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"{answer.StatusCode}: {body}");
        return JsonSerializer.Deserialize<NodeOrders>(body, ApiJson.Options)!;
    }

    private Task EndAsync(string node, Guid run, int attempt, int step) =>
        BeatAsync(node, [Report(run, attempt, RunReportKind.Finished) with { Step = step, Loss = 1.5, ValLoss = 1.6, TokensPerS = 1000, Checkpoint = $"checkpoints/step-{step:D8}.ckpt" }]);

    private async Task<List<JsonElement>> LinesAsync(Guid run) =>
        [.. (await _api.Http.GetStringAsync($"/api/v1/runs/{run}/metrics?follow=false"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private static async Task ProblemAsync(Task<HttpResponseMessage> call, HttpStatusCode status, string saying)
    {
        var problem = await Answers.Expect(call, status);
        Assert.Contains(saying, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
