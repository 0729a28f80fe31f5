using Lab.Contracts.Pool;
using Lab.Testing;
using Lab.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lab.Worker.Tests;

/// <summary>
/// A run's training process gets exactly the devices it leased: their indexes in <c>--devices</c>, and for GPUs a
/// <c>CUDA_VISIBLE_DEVICES</c> that shows it those GPUs and no other; CPU slices get their share of the threads and
/// of the memory. The process is a real one started the way the worker starts every run (its sandbox included), with
/// a stand-in for the engine that writes down what it was given, so no GPU is needed.
/// </summary>
public sealed class RunPlacementTests
{
    private static readonly ComputeDevices.DeviceInfo[] FourGpus =
        [.. Enumerable.Range(0, 4).Select(i => new ComputeDevices.DeviceInfo($"cuda:{i}", "cuda", $"GPU {i}", 80L << 30, Threads: 4))];

    private static readonly ComputeDevices.DeviceInfo[] TwoCpuSlices =
        [.. Enumerable.Range(0, 2).Select(i => new ComputeDevices.DeviceInfo($"cpu:{i}", "cpu", $"CPU slice {i} of 2", 8L << 30, Threads: 3))];

    [Fact]
    [Trait(TestSpeed.Trait, TestSpeed.Slow)]
    public async Task A_run_leased_two_of_four_GPUs_is_started_on_those_two_and_sees_no_other()
    {
        var placement = RunPlacement.For([1, 3], FourGpus, visible: null, requestedThreads: 0);

        var (arguments, environment) = await StartAsync(placement);

        Assert.Equal(["--devices", "1,3", "--threads", "8"], arguments.SkipWhile(a => a != "--devices"));
        Assert.Equal("train", arguments[0]);
        Assert.Equal("1,3", environment["CUDA_VISIBLE_DEVICES"]);
        Assert.Equal("PCI_BUS_ID", environment["CUDA_DEVICE_ORDER"]);
        // Still the sandbox's clean environment: nothing of the worker's own settings.
        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("Worker__", StringComparison.Ordinal));
        Assert.Equal(["cuda:1", "cuda:3"], placement.DeviceIds);
    }

    [Fact]
    [Trait(TestSpeed.Trait, TestSpeed.Slow)]
    public async Task A_run_on_one_of_two_CPU_slices_gets_that_slice_and_its_threads_and_no_GPU()
    {
        var placement = RunPlacement.For([1], TwoCpuSlices, visible: "0", requestedThreads: 0);

        var (arguments, environment) = await StartAsync(placement);

        Assert.Equal(["--devices", "1", "--threads", "3"], arguments.SkipWhile(a => a != "--devices"));
        Assert.False(environment.ContainsKey("CUDA_DEVICE_ORDER"));
        // The worker's own CUDA_VISIBLE_DEVICES ("0" here) is not handed on: the run sees no GPU.
        Assert.Equal("", environment["CUDA_VISIBLE_DEVICES"]);
        Assert.Equal(0.5, placement.MemoryShare);
    }

    [Fact]
    public void A_worker_that_itself_sees_some_GPUs_hands_a_run_the_same_GPUs_by_the_machines_indexes()
    {
        // A worker started with CUDA_VISIBLE_DEVICES=4,5,6,7 offers those GPUs as cuda:4 to cuda:7 (ComputeDevices.Discover).
        var narrowed = FourGpus.Select((d, i) => d with { Id = $"cuda:{4 + i}" }).ToArray();

        var placement = RunPlacement.For([1, 3], narrowed, visible: "4,5,6,7", requestedThreads: 0);

        Assert.Equal("5,7", placement.Environment["CUDA_VISIBLE_DEVICES"]);
        Assert.Equal(["--devices", "5,7", "--threads", "8"], placement.Arguments);
        Assert.Equal(["cuda:5", "cuda:7"], placement.DeviceIds);
    }

    [Fact]
    public void A_run_asks_for_fewer_threads_than_its_devices_share_but_never_fewer_than_one_per_replica()
    {
        Assert.Equal("2", Threads(RunPlacement.For([0, 1], TwoCpuSlices, null, requestedThreads: 2)));
        Assert.Equal("6", Threads(RunPlacement.For([0, 1], TwoCpuSlices, null, requestedThreads: 0)));
        Assert.Equal("6", Threads(RunPlacement.For([0, 1], TwoCpuSlices, null, requestedThreads: 64)));
        Assert.Equal("2", Threads(RunPlacement.For([1, 0], TwoCpuSlices, null, requestedThreads: 1)));
        Assert.Equal(1.0, RunPlacement.For([1, 0], TwoCpuSlices, null, requestedThreads: 1).MemoryShare);

        static string Threads(RunPlacement placement) => placement.Arguments[placement.Arguments.ToList().IndexOf("--threads") + 1];
    }

    [Theory]
    [InlineData(new[] { 4 })]
    [InlineData(new[] { -1 })]
    [InlineData(new[] { 1, 1 })]
    [InlineData(new int[0])]
    public void A_lease_the_node_cannot_honour_is_refused(int[] leased)
    {
        Assert.Throws<ArgumentException>(() => RunPlacement.For(leased, FourGpus, null, 0));
    }

    [Fact]
    public void A_run_on_some_of_a_nodes_devices_may_allocate_its_share_of_the_memory_unless_the_operator_says_otherwise()
    {
        var sandbox = new TrainingSandbox(new WorkerOptions(), NullLogger.Instance);
        var bounded = new TrainingSandbox(new WorkerOptions { RunMemoryLimit = 1L << 30 }, NullLogger.Instance);

        Assert.Equal(sandbox.MemoryLimit() / 2, sandbox.MemoryLimit(0.5), tolerance: 1);
        Assert.Equal(1L << 30, bounded.MemoryLimit(0.25));
    }

    /// <summary>Starts a run with <paramref name="placement"/> whose program writes down its arguments and environment.</summary>
    private static async Task<(IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment)> StartAsync(RunPlacement placement)
    {
        var root = TestFolders.Create("placement");
        try
        {
            var folder = Path.Combine(root, "run");
            var program = new TrainingProgram("/bin/sh", ["-c", """printf '%s\n' "$@" > arguments.txt; env > environment.txt""", "sh"]);
            var sandbox = new TrainingSandbox(new WorkerOptions(), NullLogger.Instance);
            var order = new RunOrder(Guid.NewGuid(), 1, """{"preset":"tiny"}""", [1], Stop: false);
            var ended = new TaskCompletionSource<RunReport>();
            using var log = TrainingLog.Open(Path.Combine(root, "logs"), order.RunId, 1 << 20, out _);
            using var process = TrainingProcess.Start(program, sandbox, order, order.Config, folder, placement, TimeSpan.FromSeconds(10), log, report =>
            {
                if (report.EndsLease)
                {
                    ended.TrySetResult(report);
                }
            });
            await ended.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var arguments = await File.ReadAllLinesAsync(Path.Combine(folder, "arguments.txt"));
            var environment = (await File.ReadAllLinesAsync(Path.Combine(folder, "environment.txt")))
                .Select(line => line.Split('=', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => parts[1]);
            return (arguments, environment);
        }
        finally
        {
            TestFolders.TryDelete(root);
        }
    }
}
