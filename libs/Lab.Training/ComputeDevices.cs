using TorchSharp;

namespace Lab.Training;

/// <summary>The one place that decides where tensors live and how many threads compute: CUDA when TorchSharp has it, else the CPU.</summary>
public static class ComputeDevices
{
    public sealed record DeviceInfo(string Id, string Kind, string Description);

    public static torch.Device Preferred => torch.cuda.is_available() ? torch.CUDA : torch.CPU;

    /// <summary>Sets torch's intra-op threads (0 = one per core) and returns the count in effect. Process-wide.</summary>
    public static int ConfigureThreads(int requested)
    {
        var threads = requested > 0 ? requested : Environment.ProcessorCount;
        torch.set_num_threads(threads);
        return threads;
    }

    /// <summary>The devices this machine offers the GPU pool: one per GPU, or one CPU device.</summary>
    public static IReadOnlyList<DeviceInfo> Discover()
    {
        if (torch.cuda.is_available())
        {
            return Enumerable.Range(0, torch.cuda.device_count())
                .Select(i => new DeviceInfo($"cuda:{i}", "cuda", $"CUDA device {i}"))
                .ToList();
        }
        return [new DeviceInfo("cpu:0", "cpu", $"CPU ({Environment.ProcessorCount} cores, {torch.get_num_threads()} threads)")];
    }
}
