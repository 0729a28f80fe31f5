using System.Runtime.InteropServices;
using System.Text;

namespace Lab.Training;

/// <summary>
/// NVIDIA's management library (NVML, <c>libnvidia-ml.so.1</c>, part of the driver): what each GPU is, its memory and
/// how busy it is, by the machine's index (the bus order nvidia-smi uses). TorchSharp 0.107 has no memory query, and
/// NVML answers for every process on the device, which is what a node's report wants. Where there is no NVIDIA driver
/// (or a container was not given the library, <c>NVIDIA_DRIVER_CAPABILITIES</c> without <c>utility</c>) every reading is
/// null and nothing else changes.
/// </summary>
public static partial class Nvml
{
    private const string Library = "libnvidia-ml.so.1";
    private const int Success = 0;

    /// <summary>What NVML says of one GPU now.</summary>
    /// <param name="Utilization">The share of the last sample period (1/6 s to 1 s) in which a kernel ran, 0 to 1.</param>
    public sealed record Reading(string Name, long TotalBytes, long UsedBytes, double Utilization);

    private static readonly Lazy<bool> Initialised = new(Initialise);

    /// <summary>Whether NVML answers on this machine.</summary>
    public static bool Available => Initialised.Value;

    /// <summary>The GPUs NVML sees (every GPU of the machine, whatever CUDA_VISIBLE_DEVICES says); 0 without NVML.</summary>
    public static int Count => Available && GetCount(out var count) == Success ? (int)count : 0;

    /// <summary>The GPU of machine index <paramref name="index"/> now; null without NVML or such a GPU.</summary>
    public static Reading? Read(int index)
    {
        if (!Available || index < 0 || GetHandle((uint)index, out var device) != Success)
        {
            return null;
        }
        try
        {
            var name = new byte[96];
            var named = GetName(device, name, (uint)name.Length) == Success;
            if (GetMemory(device, out var memory) != Success)
            {
                return null;
            }
            var busy = GetUtilization(device, out var utilization) == Success ? utilization.Gpu / 100.0 : 0;
            return new Reading(named ? Encoding.ASCII.GetString(name, 0, Math.Max(0, Array.IndexOf(name, (byte)0))) : "NVIDIA GPU",
                (long)memory.Total, (long)memory.Used, busy);
        }
        catch (EntryPointNotFoundException)
        {
            return null; // a driver older than these calls
        }
    }

    private static bool Initialise()
    {
        try
        {
            return Init() == Success;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Memory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Utilization
    {
        public uint Gpu;
        public uint MemoryBus;
    }

    [LibraryImport(Library, EntryPoint = "nvmlInit_v2")]
    private static partial int Init();

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetCount_v2")]
    private static partial int GetCount(out uint count);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetHandleByIndex_v2")]
    private static partial int GetHandle(uint index, out nint device);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetName")]
    private static partial int GetName(nint device, [Out] byte[] name, uint length);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetMemoryInfo")]
    private static partial int GetMemory(nint device, out Memory memory);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetUtilizationRates")]
    private static partial int GetUtilization(nint device, out Utilization utilization);
}
