using Lab.Contracts.Pool;
using Lab.Testing;
using Lab.Training;
using Lab.Training.Configuration;
using Lab.Training.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lab.Worker.Tests;

/// <summary>
/// The worker holds a run's training process to its lease: the devices its <c>started</c> line names must be the ones
/// the run leased, or the process is stopped before it trains and the run fails saying why. The process is a real one,
/// started the way the worker starts every run (its sandbox included), with a stand-in for the engine that prints the
/// lines an engine would (an engine that ignored its devices, or saw other GPUs than the worker meant it to).
/// </summary>
public sealed class StartedDevicesTests
{
    private static readonly ComputeDevices.DeviceInfo[] FourGpus =
        [.. Enumerable.Range(0, 4).Select(i => new ComputeDevices.DeviceInfo($"cuda:{i}", "cuda", $"GPU {i}", 80L << 30, Threads: 4))];

    private static readonly ComputeDevices.DeviceInfo[] TwoCpuSlices =
        [.. Enumerable.Range(0, 2).Select(i => new ComputeDevices.DeviceInfo($"cpu:{i}", "cpu", $"CPU slice {i} of 2", 8L << 30, Threads: 1))];

    [Fact]
    [Trait(TestSpeed.Trait, TestSpeed.Slow)]
    public async Task A_process_that_trains_on_its_leased_devices_is_followed_with_each_devices_figures()
    {
        var placement = RunPlacement.For([1, 0], TwoCpuSlices, visible: null, requestedThreads: 0);
        var progress = new ProgressEvent(10, 20, 3.5, 0, 1e-3, 0.5, 4096, 800, 0.1, 1.2, 0.1, 5, 5,
            PerDevice: [new DeviceFigures("cpu:1", 410, 300_000_000), new DeviceFigures("cpu:0", 390, 300_000_000)]);

        var reports = await RunAsync(placement, [Started(["cpu:0", "cpu:1"]), progress.ToJson(), Finished(20)], keepRunning: false);

        Assert.Equal([RunReportKind.Started, RunReportKind.Progress, RunReportKind.Finished], reports.Select(r => r.Kind));
        var figures = reports[1].Figures?.PerDevice;
        Assert.NotNull(figures);
        Assert.Equal(["cpu:1", "cpu:0"], figures.Select(f => f.Id));
        Assert.Equal([410.0, 390.0], figures.Select(f => f.TokensPerS ?? -1));
        Assert.All(figures, f => Assert.Equal(300_000_000, f.MemoryBytes));
    }

    [Theory]
    [Trait(TestSpeed.Trait, TestSpeed.Slow)]
    [InlineData("cuda:0,cuda:1", "trains on cuda:0, cuda:1, and the run leased cuda:1, cuda:3 of this node")] // the process' own numbering, not the machine's
    [InlineData("cuda:1", "trains on cuda:1, and the run leased cuda:1, cuda:3")] // one of its two devices
    [InlineData("cuda:1,cuda:3,cuda:2", "trains on cuda:1, cuda:3, cuda:2, and the run leased")] // one more than it leased
    [InlineData("", "did not say which devices it trains on")] // an engine that does not report them
    public async Task A_process_that_reports_other_devices_than_its_lease_is_stopped_and_the_run_fails_saying_why(string reported, string saying)
    {
        var placement = RunPlacement.For([1, 3], FourGpus, visible: null, requestedThreads: 0);
        var progress = new ProgressEvent(10, 20, 3.5, 0, 1e-3, 0.5, 4096, 800, 0.1, 1.2, 0.1, 5, 5);
        IReadOnlyList<string>? devices = reported.Length == 0 ? null : reported.Split(',');

        // It would go on training (a progress line, then a long step): the worker stops it at its started line.
        var started = DateTimeOffset.UtcNow;
        var reports = await RunAsync(placement, [Started(devices), progress.ToJson()], keepRunning: true);

        var end = Assert.Single(reports);
        Assert.Equal(RunReportKind.Failed, end.Kind);
        Assert.Contains(saying, end.Message, StringComparison.Ordinal);
        Assert.Contains("stopped before training", end.Message, StringComparison.Ordinal);
        Assert.True(end.At - started < TimeSpan.FromSeconds(20), "stopped at once, not after its long step");
    }

    private static string Started(IReadOnlyList<string>? devices) =>
        new StartedEvent(0, 20, false, null, 1000, 800, 256, "byte", 10_000, 1_000, "cpu", 2, "grouped", 6000, Presets.Get(Presets.Tiny), devices).ToJson();

    private static string Finished(int step) => new FinishedEvent(step, 3.2, 3.3, 800, 0.1, 1.2, "checkpoints/step-00000020.ckpt", 81920, 1e-4, 10).ToJson();

    /// <summary>
    /// Starts a run with <paramref name="placement"/> whose program prints <paramref name="lines"/>, then either sleeps a
    /// minute (a step that takes long) or exits; every report the worker made of it, its end last.
    /// </summary>
    private static async Task<IReadOnlyList<RunReport>> RunAsync(RunPlacement placement, IReadOnlyList<string> lines, bool keepRunning)
    {
        var root = TestFolders.Create("started-devices");
        try
        {
            var script = "for line in \"$@\"; do case \"$line\" in '{'*) printf '%s\\n' \"$line\";; esac; done" + (keepRunning ? "; exec sleep 60" : "");
            // The lines come first among the arguments; the worker's own (train --config ... --devices ...) follow and are not JSON.
            var program = new TrainingProgram("/bin/sh", ["-c", script, "sh", .. lines]);
            var sandbox = new TrainingSandbox(new WorkerOptions(), NullLogger.Instance);
            var order = new RunOrder(Guid.NewGuid(), 1, """{"preset":"tiny"}""", [1], Stop: false);
            var reports = new List<RunReport>();
            var ended = new TaskCompletionSource();
            using var log = TrainingLog.Open(Path.Combine(root, "logs"), order.RunId, 1 << 20, out _);
            using var process = TrainingProcess.Start(program, sandbox, order, order.Config, Path.Combine(root, "run"), placement, TimeSpan.FromSeconds(10), log, report =>
            {
                lock (reports)
                {
                    reports.Add(report);
                }
                if (report.EndsLease)
                {
                    ended.TrySetResult();
                }
            });
            await ended.Task.WaitAsync(TimeSpan.FromSeconds(45));
            await process.Completion.WaitAsync(TimeSpan.FromSeconds(10));
            lock (reports)
            {
                return [.. reports];
            }
        }
        finally
        {
            TestFolders.TryDelete(root);
        }
    }
}
