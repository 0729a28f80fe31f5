using Lab.Training.Configuration;
using Lab.Training.Model;
using TorchSharp;

namespace Lab.Training.Tests;

/// <summary>
/// Which devices a run trains on: the machine's indexes <c>--devices</c> names, mapped through
/// <c>CUDA_VISIBLE_DEVICES</c> for CUDA (the mapping is pure, so it is tested here without a GPU), or CPU slices that
/// share the threads; and the devices a node offers the pool.
/// </summary>
public sealed class DevicePlacementTests
{
    [Theory]
    [InlineData(null, 4, new[] { 1, 3 }, new[] { 1, 3 })]
    [InlineData("2,3", 2, new[] { 2, 3 }, new[] { 0, 1 })]
    [InlineData("2,3", 2, new[] { 3 }, new[] { 1 })]
    [InlineData("5, 1,7", 3, new[] { 7, 5 }, new[] { 2, 0 })]
    [InlineData("GPU-aaa,GPU-bbb", 2, new[] { 1, 3 }, new[] { 0, 1 })]
    public void A_machine_index_is_the_ordinal_of_its_place_among_the_visible_devices(string? visible, int count, int[] indexes, int[] ordinals)
    {
        Assert.Equal(ordinals, CudaVisibility.Ordinals(indexes, CudaVisibility.Parse(visible), count));
    }

    [Theory]
    [InlineData(null, 2, new[] { 2 })]
    [InlineData("2,3", 2, new[] { 0 })]
    [InlineData("2,3", 1, new[] { 3 })]
    [InlineData("GPU-aaa,GPU-bbb", 2, new[] { 0, 1, 2 })]
    [InlineData("", 0, new[] { 0 })]
    public void A_device_the_process_cannot_see_is_no_ordinal(string? visible, int count, int[] indexes)
    {
        Assert.Null(CudaVisibility.Ordinals(indexes, CudaVisibility.Parse(visible), count));
    }

    [Theory]
    [InlineData(null, new[] { 1, 3 }, "1,3")]
    [InlineData("4,5,6,7", new[] { 5, 7 }, "5,7")]
    [InlineData("GPU-a,GPU-b,GPU-c", new[] { 2, 0 }, "GPU-c,GPU-a")]
    public void A_child_placed_on_devices_sees_those_devices_as_its_parent_names_them(string? parent, int[] indexes, string child)
    {
        Assert.Equal(child, CudaVisibility.ForChild(indexes, CudaVisibility.Parse(parent)));
    }

    [Fact]
    public void The_devices_a_child_sees_map_back_to_the_indexes_it_was_placed_on()
    {
        int[] leased = [5, 7];
        var visible = CudaVisibility.Parse(CudaVisibility.ForChild(leased, CudaVisibility.Parse("4,5,6,7")));

        Assert.Equal([0, 1], CudaVisibility.Ordinals(leased, visible, count: 2)!);
        Assert.Equal([5, 7], new[] { 0, 1 }.Select(o => CudaVisibility.MachineIndex(o, visible)));
    }

    [Fact]
    public void Without_CUDA_the_devices_are_CPU_slices_that_share_the_threads()
    {
        if (torch.cuda.is_available())
        {
            return; // a CUDA machine places runs on its GPUs
        }

        var two = ComputeDevices.Place([0, 1], threads: 2);
        var three = ComputeDevices.Place([2, 0, 1], threads: 5);
        var one = ComputeDevices.Place(null, threads: 2);

        Assert.Equal([("cpu:0", 1), ("cpu:1", 1)], two.Devices.Select(d => (d.Id, d.Threads)));
        Assert.Equal([("cpu:2", 2), ("cpu:0", 2), ("cpu:1", 1)], three.Devices.Select(d => (d.Id, d.Threads)));
        Assert.Equal([("cpu:0", 2)], one.Devices.Select(d => (d.Id, d.Threads)));
        Assert.All(two.Devices, d => Assert.Equal(DeviceType.CPU, d.Torch.type));
        var refused = Assert.Throws<ConfigException>(() => ComputeDevices.Place([0, 1, 2], threads: 2));
        Assert.Contains("3 CPU slices need at least 3 threads", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_CUDA_the_devices_are_the_GPUs_named_by_the_machines_index()
    {
        var placement = ComputeDevices.Place([3, 1], threads: 8, gpus: 2, visible: "1,3");

        Assert.Equal([("cuda:3", 1, 4), ("cuda:1", 0, 4)], placement.Devices.Select(d => (d.Id, d.Torch.index, d.Threads)));
        Assert.All(placement.Devices, d => Assert.Equal(DeviceType.CUDA, d.Torch.type));
        Assert.Equal(["cuda:2"], ComputeDevices.Place(null, 8, gpus: 1, visible: "2").Ids);
        Assert.Equal(["cuda:0"], ComputeDevices.Place(null, 8, gpus: 4, visible: null).Ids);
        var hidden = Assert.Throws<ConfigException>(() => ComputeDevices.Place([0], 8, gpus: 2, visible: "1,3"));
        Assert.Contains("CUDA_VISIBLE_DEVICES=1,3", hidden.Message, StringComparison.Ordinal);
        Assert.Throws<ConfigException>(() => ComputeDevices.Place([2], 8, gpus: 2, visible: null));
    }

    [Fact]
    public void GPUs_named_to_a_process_without_CUDA_are_refused_rather_than_replaced_by_CPU_slices()
    {
        var refused = Assert.Throws<ConfigException>(() => ComputeDevices.Place([0], threads: 2, gpus: 0, visible: "0"));

        Assert.Contains("names GPUs, and this process has no CUDA", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["cpu:0", "cpu:1"], ComputeDevices.Place([0, 1], threads: 2, gpus: 0, visible: "").Ids);
        Assert.Equal(["cpu:0"], ComputeDevices.Place(null, threads: 2, gpus: 0, visible: "0").Ids);
    }

    /// <summary>
    /// PyTorch's meta device holds shapes without data: a model built for it has every weight and buffer there, or one of
    /// them was made on the CPU and a run on a GPU would fail on it (RMSNorm's gains once were).
    /// </summary>
    [Theory]
    [InlineData("plain")]
    [InlineData("mtp+mla")]
    public void A_model_built_for_a_device_has_every_weight_and_buffer_on_that_device(string variant)
    {
        var options = TestRuns.Tiny(variant).Model;
        if (options.Attention == AttentionKind.Mla)
        {
            options = options with { QLoraRank = 16 };
        }
        var meta = new torch.Device(DeviceType.META);

        using var model = new MoeTransformer(options, 256, meta, DispatchKernel.Loop);

        var elsewhere = model.named_parameters().Select(p => (p.name, p.parameter.device_type))
            .Concat(model.named_buffers().Select(b => (b.name, b.buffer.device_type)))
            .Where(t => t.Item2 != DeviceType.META)
            .Select(t => t.name);
        Assert.Empty(elsewhere);
        Assert.NotEmpty(model.named_parameters());
    }

    [Theory]
    [InlineData("0,x")]
    [InlineData("")]
    [InlineData("1,1")]
    [InlineData("-1")]
    [InlineData("0;1")]
    public void A_devices_option_that_is_no_list_of_distinct_indexes_is_refused(string text)
    {
        Assert.Throws<ConfigException>(() => ComputeDevices.ParseIndexes(text));
    }

    [Fact]
    public void A_machine_without_CUDA_offers_its_cores_as_several_CPU_devices_each_with_its_share()
    {
        if (torch.cuda.is_available())
        {
            return;
        }
        var cores = Environment.ProcessorCount;
        var whole = Assert.Single(ComputeDevices.Discover());

        var slices = ComputeDevices.Discover(cpuSlices: Math.Min(2, cores));

        Assert.Equal(cores, whole.Threads);
        Assert.Equal(Enumerable.Range(0, slices.Count).Select(i => $"cpu:{i}"), slices.Select(s => s.Id));
        Assert.Equal(cores, slices.Sum(s => s.Threads));
        Assert.Equal(Enumerable.Range(0, slices.Count), slices.Select(s => s.Index));
        Assert.All(slices, s => Assert.InRange(s.MemoryBytes!.Value, whole.MemoryBytes!.Value / slices.Count - 1, whole.MemoryBytes.Value / slices.Count));
        Assert.Throws<ArgumentOutOfRangeException>(() => ComputeDevices.Discover(cpuSlices: cores + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ComputeDevices.Discover(cpuSlices: 0));
    }

    [Fact]
    public void Where_there_is_no_NVIDIA_driver_NVML_reads_nothing_and_the_CPU_reports_its_process_memory()
    {
        if (Nvml.Available)
        {
            return;
        }
        Assert.Equal(0, Nvml.Count);
        Assert.Null(Nvml.Read(0));
        var cpu = ComputeDevices.Place(null, threads: 1).Primary;
        Assert.True(ComputeDevices.MemoryInUse(cpu) > 0);
        Assert.Null(ComputeDevices.Utilization(cpu));
    }
}
