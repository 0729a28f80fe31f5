using System.Text.Json.Nodes;
using Lab.Testing;

namespace Lab.Training.Tests;

/// <summary><c>lab train --json</c> as a real process: the line contract other programs (the GPU pool's workers) rely on.</summary>
[Trait(Lab.Testing.TestSpeed.Trait, Lab.Testing.TestSpeed.Slow)]
public sealed class TrainCommandTests
{
    private static readonly string[] Tiny = ["--preset", "tiny", "--threads", "1", "--json"];

    [Fact]
    public async Task Json_lines_report_progress_evaluation_and_a_finished_line_last()
    {
        using var folder = new TempFolder();

        var (exitCode, lines) = await LabTrainProcess.RunAsync([.. Tiny, "--steps", "12", "--out", folder.Path]);

        Assert.Equal(0, exitCode);
        Assert.All(lines, line => Assert.NotNull(line["event"]));
        var progress = lines.Where(l => Event(l) == "progress").ToList();
        Assert.Equal([10, 12], progress.Select(p => (int)p["step"]!));
        Assert.All(progress, p => AssertNumbers(p, "loss", "tokens_per_s", "expert_load_max_over_mean"));
        var evaluations = lines.Where(l => Event(l) == "eval").ToList();
        Assert.Equal([0, 12], evaluations.Select(e => (int)e["step"]!));
        Assert.All(evaluations, e => AssertNumbers(e, "val_loss"));

        var finished = lines[^1];
        Assert.Equal("finished", Event(finished));
        Assert.Equal(12, (int)finished["step"]!);
        AssertNumbers(finished, "loss", "val_loss", "tokens_per_s", "model_gflops_per_s", "expert_load_max_over_mean");
        Assert.True((double)finished["val_loss"]! < Math.Log(256), "validation loss did not fall below a uniform guess");
        Assert.True(File.Exists((string)finished["checkpoint"]!));
        Assert.StartsWith(folder.Path, (string)finished["checkpoint"]!);
    }

    [Fact]
    public async Task An_invalid_configuration_is_an_error_line_and_a_nonzero_exit_before_any_work()
    {
        using var folder = new TempFolder();
        var config = folder.Sub("bad.json");
        File.WriteAllText(config, """{"preset":"tiny","model":{"top_k":12}}""");
        var output = folder.Sub("run");

        var (exitCode, lines) = await LabTrainProcess.RunAsync("--config", config, "--json", "--out", output);
        var (resumeExit, resumeLines) = await LabTrainProcess.RunAsync([.. Tiny, "--resume", "--out", output]);

        Assert.NotEqual(0, exitCode);
        var error = Assert.Single(lines);
        Assert.Equal("error", Event(error));
        Assert.Contains("top_k (12) is larger than the number of routed experts", (string)error["message"]!);
        Assert.False(Directory.Exists(output));
        Assert.NotEqual(0, resumeExit);
        Assert.Equal("error", Event(Assert.Single(resumeLines)));
        Assert.Contains("no checkpoint", (string)resumeLines[0]["message"]!);
    }

    [Fact]
    public async Task Sigterm_saves_and_stops_and_resume_continues_to_the_total()
    {
        using var folder = new TempFolder();
        int stoppedAt;
        using (var lab = LabTrainProcess.Start([.. Tiny, "--steps", "5000", "--out", folder.Path]))
        {
            await lab.WaitForAsync(l => Event(l) == "progress");
            lab.Signal("TERM");
            var exitCode = await lab.WaitForExitAsync();

            var stopped = lab.Lines[^1];
            Assert.True(Event(stopped) == "stopped", lab.Output);
            Assert.Equal(143, exitCode);
            stoppedAt = (int)stopped["step"]!;
            Assert.True(File.Exists((string)stopped["checkpoint"]!));
        }

        var (resumeExit, lines) = await LabTrainProcess.RunAsync([.. Tiny, "--resume", "--steps", (stoppedAt + 5).ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", folder.Path]);

        Assert.Equal(0, resumeExit);
        Assert.Equal(stoppedAt, (int)lines.Single(l => Event(l) == "started")["step"]!);
        Assert.Equal("finished", Event(lines[^1]));
        Assert.Equal(stoppedAt + 5, (int)lines[^1]["step"]!);
    }

    [Fact]
    public async Task Lines_on_standard_input_ask_for_a_checkpoint_and_for_a_stop()
    {
        using var folder = new TempFolder();
        using var lab = LabTrainProcess.Start([.. Tiny, "--steps", "5000", "--out", folder.Path]);
        await lab.WaitForAsync(l => Event(l) == "progress");

        await lab.WriteLineAsync("checkpoint");
        var requested = await lab.WaitForAsync(l => Event(l) == "checkpoint" && (string)l["reason"]! == "request");
        await lab.WriteLineAsync("stop");
        var exitCode = await lab.WaitForExitAsync();

        Assert.True(File.Exists((string)requested["path"]!));
        Assert.Equal("stopped", Event(lab.Lines[^1]));
        Assert.Equal(130, exitCode);
    }

    [Fact]
    public async Task With_stop_when_input_ends_a_closed_standard_input_saves_and_stops()
    {
        using var folder = new TempFolder();
        using var lab = LabTrainProcess.Start([.. Tiny, "--steps", "5000", "--out", folder.Path, "--stop-when-input-ends"]);
        await lab.WaitForAsync(l => Event(l) == "progress");

        lab.CloseStandardInput();
        var exitCode = await lab.WaitForExitAsync();

        Assert.Equal("stopped", Event(lab.Lines[^1]));
        Assert.Contains(lab.Lines, l => Event(l) == "checkpoint");
        Assert.Equal(130, exitCode);
    }

    [Fact]
    public async Task The_worker_program_runs_the_same_train_command()
    {
        using var folder = new TempFolder();

        var (exitCode, lines) = await LabTrainProcess.RunProgramAsync(RepositoryPaths.Worker, [.. Tiny, "--steps", "2", "--out", folder.Path]);

        Assert.Equal(0, exitCode);
        var started = lines.Single(l => Event(l) == "started");
        Assert.Equal(0, (int)started["step"]!);
        var finished = lines[^1];
        Assert.Equal("finished", Event(finished));
        Assert.Equal(2, (int)finished["step"]!);
        Assert.StartsWith(folder.Path, (string)finished["checkpoint"]!);
    }

    [Fact]
    public async Task Devices_names_the_devices_the_run_trains_on_and_the_started_line_reports_them()
    {
        using var folder = new TempFolder();

        var (exitCode, lines) = await LabTrainProcess.RunAsync("--preset", "tiny", "--threads", "2", "--json", "--devices", "1,0", "--steps", "2", "--out", folder.Path);

        Assert.Equal(0, exitCode);
        var started = lines.Single(l => Event(l) == "started");
        Assert.Equal(["cpu:1", "cpu:0"], started["devices"]!.AsArray().Select(d => (string)d!));
        Assert.Equal(2, (int)started["threads"]!);
        var progress = lines.First(l => Event(l) == "progress");
        Assert.Equal(["cpu:1", "cpu:0"], progress["per_device"]!.AsArray().Select(d => (string)d!["id"]!));
        Assert.All(progress["per_device"]!.AsArray(), d => AssertNumbers(d!.AsObject(), "tokens_per_s", "memory_bytes"));
        Assert.Equal("finished", Event(lines[^1]));
    }

    [Theory]
    [InlineData("0,zero", "give the devices' indexes")]
    [InlineData("0,0", "each device once")]
    [InlineData("0,1,2", "3 CPU slices need at least 3 threads")]
    public async Task Devices_that_cannot_be_used_are_an_error_line_before_any_work(string devices, string reason)
    {
        using var folder = new TempFolder();
        var output = folder.Sub("run");

        var (exitCode, lines) = await LabTrainProcess.RunAsync("--preset", "tiny", "--threads", "2", "--json", "--devices", devices, "--out", output);

        Assert.Equal(2, exitCode);
        var error = Assert.Single(lines);
        Assert.Equal("error", Event(error));
        Assert.Contains(reason, (string)error["message"]!, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(output, "checkpoints")));
    }

    private static string Event(JsonObject line) => (string)line["event"]!;

    private static void AssertNumbers(JsonObject line, params string[] names)
    {
        foreach (var name in names)
        {
            Assert.True(line[name] is JsonValue value && value.TryGetValue<double>(out var number) && double.IsFinite(number),
                $"'{name}' is not a finite number in {line.ToJsonString()}");
        }
    }
}
