using Lab.Api.Apis;
using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Training.Configuration;

namespace Lab.Api.Tests;

/// <summary>
/// A run's estimated memory against the live nodes, for runs on several devices: a data-parallel run keeps a replica of
/// the model on each device, each GPU holding its replica's share of a step, and CPU slices sharing their node's memory
/// with the run's one process. The check as the API makes it at submission (<see cref="RunLimits"/>), on nodes as their
/// workers report them.
/// </summary>
public sealed class RunMemoryLimitsTests
{
    private const long GiB = 1L << 30;

    /// <summary>The small preset with a large batch: activations weigh more than the model, as in most runs.</summary>
    private static readonly RunConfig Config = Presets.Get(Presets.Small) with
    {
        Training = Presets.Get(Presets.Small).Training with { BatchSize = 32 },
    };

    private static readonly LabBounds Roomy = new() { MaxRunMemoryGiB = 1024 };

    [Fact]
    public void A_replica_past_the_first_adds_its_weights_and_gradients_and_splits_the_batch()
    {
        var one = RunFootprint.Of(Config);
        var two = RunFootprint.Of(Config, replicas: 2);
        var three = RunFootprint.Of(Config, replicas: 3);

        Assert.Equal(one.TotalBytes, one.DeviceBytes);
        Assert.Equal(one.TotalBytes + one.Parameters * RunFootprint.ReplicaStateBytesPerParameter, two.TotalBytes);
        Assert.Equal(one.StateBytes + one.ActivationBytes / 2 + RunFootprint.RuntimeBytes, two.DeviceBytes, tolerance: 8);
        // 32 sequences on three devices: the first takes 11 of them.
        Assert.Equal(one.ActivationBytes * 11 / 32, three.ReplicaActivationBytes, tolerance: 8);
        Assert.True(two.DeviceBytes < one.TotalBytes, "a GPU of a two-GPU run holds half the activations");
    }

    [Fact]
    public void Cpu_slices_share_their_nodes_memory_so_a_run_on_two_is_checked_against_both_together()
    {
        var one = RunFootprint.Of(Config);
        var two = RunFootprint.Of(Config, replicas: 2);
        // Each slice offers a bit less than a one-device run needs; together they hold the two-replica process.
        var slice = two.TotalBytes / 2 + 1;
        Assert.True(slice < one.TotalBytes);
        var node = Node("cpu-node", "cpu", slice, slice);

        Assert.Empty(Check(node, devices: 2, "cpu"));
        Assert.Empty(Check(node, devices: 2, kind: null));
        var single = Assert.Single(Check(node, devices: 1, "cpu"));
        Assert.EndsWith($"the largest live cpu device offers {LabBounds.DescribeBytes(slice)} (cpu:0 on cpu-node).", single, StringComparison.Ordinal);

        // Slices that hold the model once but not the second replica's copy: refused, with both figures.
        var tight = (one.TotalBytes + two.TotalBytes) / 4;
        var refused = Assert.Single(Check(Node("cpu-tight", "cpu", tight, tight), devices: 2, "cpu"));
        Assert.StartsWith($"The run needs about {LabBounds.DescribeBytes(two.TotalBytes)} for its 2 replicas, which share their node's memory", refused, StringComparison.Ordinal);
        Assert.EndsWith($"no live node's 2 cpu devices offer that much together: the best offer {LabBounds.DescribeBytes(2 * tight)} (cpu:0, cpu:1 on cpu-tight).", refused, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_gpu_of_a_data_parallel_run_needs_a_replica_and_its_share_of_a_step_on_one_node()
    {
        var one = RunFootprint.Of(Config);
        var two = RunFootprint.Of(Config, replicas: 2);
        var fits = two.DeviceBytes + 1;
        var small = one.StateBytes; // not even a replica's weights, gradients and optimizer state with the runtime
        // Two GPUs that each hold a replica with half the batch, though not the whole run; a third, smaller one is not used.
        var node = Node("gpu-node", "cuda", fits, small, fits);

        Assert.Empty(Check(node, devices: 2, "cuda"));
        Assert.Single(Check(node, devices: 1, "cuda"));
        Assert.True(fits < one.TotalBytes);

        // Three devices: the third largest is too small, and a node of one large GPU cannot take it at all.
        var refused = Assert.Single(Check([node, Node("one-big-gpu", "cuda", 100 * GiB)], devices: 3, "cuda"));
        Assert.Contains("on each of its 3 devices, a replica of the model on each", refused, StringComparison.Ordinal);
        Assert.EndsWith($"no live node has 3 cuda devices with that much each: the best offers {LabBounds.DescribeBytes(small)} on each (cuda:0, cuda:2, cuda:1 on gpu-node).", refused, StringComparison.Ordinal);

        // A node that is gone offers nothing; where no worker can tell its devices' memory, nothing is held against the run.
        Assert.Single(Check([node with { Alive = false }, Node("gpu-small", "cuda", small, small, small)], devices: 2, "cuda"));
        Assert.Empty(Check([Node("gpu-unknown", "cuda", null, null)], devices: 2, "cuda"));
    }

    [Fact]
    public void The_labs_bound_holds_a_cpu_runs_whole_process_and_a_gpu_runs_share_on_each_device()
    {
        var two = RunFootprint.Of(Config, replicas: 2);
        var bounds = new LabBounds { MaxRunMemoryGiB = (two.DeviceBytes + two.TotalBytes) / 2.0 / GiB };
        var node = Node("big", "cuda", 100 * GiB, 100 * GiB);

        Assert.Empty(Check([node], devices: 2, "cuda", bounds));
        var refused = Assert.Single(Check([Node("big-cpu", "cpu", 100 * GiB, 100 * GiB)], devices: 2, "cpu", bounds));
        Assert.Contains("the lab's bound is", refused, StringComparison.Ordinal);
    }

    private static List<string> Check(NodeView node, int devices, string? kind) => Check([node], devices, kind);

    private static List<string> Check(IReadOnlyList<NodeView> nodes, int devices, string? kind, LabBounds? bounds = null)
    {
        var errors = new Dictionary<string, string[]>();
        new RunLimits(bounds ?? Roomy, nodes).Check(Config, new SubmitRun(Guid.NewGuid(), Config.ToJson(), Config.Training.Steps, devices, kind), errors);
        return [.. errors.GetValueOrDefault("config") ?? []];
    }

    private static NodeView Node(string name, string kind, params long?[] memory) => new(name,
        [.. memory.Select((bytes, i) => new DeviceView($"{kind}:{i}", kind, $"a test {kind} device", bytes))],
        DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, Alive: true);
}
