using System.Runtime.InteropServices;
using TorchSharp;

namespace Lab.Training;

/// <summary>The one place that decides where tensors live and how many threads compute: CUDA when TorchSharp has it, else the CPU.</summary>
public static partial class ComputeDevices
{
    private const string OpenMpWaitPolicy = "OMP_WAIT_POLICY";

    /// <summary>
    /// libtorch's OpenMP threads spin while they wait for work by default. Where cores are shared with other
    /// processes (a 2-core CI machine running several test projects, a workstation building), the spinning thread
    /// takes the core the working thread needs: measured here under load, one MoE layer step took 2.9 times the dense
    /// layer's time with spinning and 1.25 times with passive waiting. OpenMP reads the setting once, when torch's
    /// native library loads, so it is set before anything touches torch; a value the user set is kept.
    /// </summary>
    static ComputeDevices()
    {
        if (!OperatingSystem.IsWindows() && Environment.GetEnvironmentVariable(OpenMpWaitPolicy) is null)
        {
            _ = SetEnvironmentVariable(OpenMpWaitPolicy, "PASSIVE", overwrite: 0);
        }
    }

    /// <param name="MemoryBytes">What a run on the device can use: the machine's memory for the CPU; null where TorchSharp cannot tell (CUDA: 0.107 has no memory query).</param>
    public sealed record DeviceInfo(string Id, string Kind, string Description, long? MemoryBytes = null);

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
        return [new DeviceInfo("cpu:0", "cpu", $"CPU ({Environment.ProcessorCount} cores, {torch.get_num_threads()} threads)", MachineMemory.Total())];
    }

    /// <summary>The C library's <c>setenv</c>: native code reads the C environment, which .NET's own copy does not reach.</summary>
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironmentVariable(string name, string value, int overwrite);
}
