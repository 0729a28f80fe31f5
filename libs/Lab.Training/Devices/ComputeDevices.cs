using System.Globalization;
using System.Runtime.InteropServices;
using Lab.Training.Configuration;
using TorchSharp;

namespace Lab.Training;

/// <summary>
/// The one place that decides where tensors live and how many threads compute: the machine's devices (one per GPU
/// when TorchSharp has CUDA, else the CPU, whole or as slices), and which of them a run trains on.
/// </summary>
public static partial class ComputeDevices
{
    /// <summary>The most devices one run may train on (as many as a node may offer the pool).</summary>
    public const int MaxDevices = 64;

    private const string OpenMpWaitPolicy = "OMP_WAIT_POLICY";

    /// <summary>
    /// libtorch's OpenMP threads spin while they wait for work by default. Where cores are shared with other
    /// processes (a 2-core CI machine running several test projects, a workstation building), the spinning thread
    /// takes the core the working thread needs: measured here under load, one MoE layer step took 2.9 times the dense
    /// layer's time with spinning and 1.25 times with passive waiting. OpenMP reads the setting once, when torch's
    /// native library loads, so it is set before anything touches torch; a value the user set is kept. CUDA numbers
    /// devices fastest first unless told otherwise; the bus order is nvidia-smi's and NVML's, so that a device index
    /// (in <c>--devices</c>, <c>CUDA_VISIBLE_DEVICES</c> or a node's report) names the same GPU everywhere.
    /// </summary>
    static ComputeDevices()
    {
        if (!OperatingSystem.IsWindows())
        {
            SetUnlessGiven(OpenMpWaitPolicy, "PASSIVE");
            SetUnlessGiven(CudaVisibility.OrderVariable, CudaVisibility.BusOrder);
        }
    }

    /// <param name="Id">The kind and the machine's index of the device: <c>cuda:2</c>, <c>cpu:0</c>.</param>
    /// <param name="MemoryBytes">What a run on the device can use: a GPU's memory (NVML), the machine's memory (or a CPU slice's share of it); null where nothing tells.</param>
    /// <param name="Threads">The CPU threads of a run on the device: a CPU slice's share of the cores, or a GPU's share for its run's CPU work.</param>
    public sealed record DeviceInfo(string Id, string Kind, string Description, long? MemoryBytes = null, int Threads = 1)
    {
        /// <summary>The device's index among the machine's devices of its kind (what <c>--devices</c> takes).</summary>
        public int Index => int.Parse(Id.AsSpan(Id.IndexOf(':') + 1), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>The default device of one-device work (benchmarks): the first CUDA device, or the CPU.</summary>
    public static torch.Device Preferred => torch.cuda.is_available() ? torch.CUDA : torch.CPU;

    /// <summary>Sets torch's intra-op threads (0 = one per core) and returns the count in effect. Process-wide default; replicas set their own share.</summary>
    public static int ConfigureThreads(int requested)
    {
        var threads = requested > 0 ? requested : Environment.ProcessorCount;
        torch.set_num_threads(threads);
        return threads;
    }

    /// <summary>
    /// The devices this machine offers the GPU pool: one per GPU it can see, or its CPU as <paramref name="cpuSlices"/>
    /// devices, each with its share of the cores (at least one) and of the memory, so that several runs share it at once.
    /// </summary>
    public static IReadOnlyList<DeviceInfo> Discover(int cpuSlices = 1)
    {
        if (torch.cuda.is_available())
        {
            var visible = CudaVisibility.Parse(Environment.GetEnvironmentVariable(CudaVisibility.Variable));
            var gpus = torch.cuda.device_count();
            return Enumerable.Range(0, gpus)
                .Select(ordinal =>
                {
                    var index = CudaVisibility.MachineIndex(ordinal, visible) ?? ordinal;
                    var reading = Nvml.Read(index);
                    return new DeviceInfo($"cuda:{index}", "cuda", $"{reading?.Name ?? "CUDA device"} ({index})", reading?.TotalBytes,
                        Math.Max(1, Share(Environment.ProcessorCount, gpus, ordinal)));
                })
                .ToList();
        }
        var cores = Environment.ProcessorCount;
        if (cpuSlices < 1 || cpuSlices > Math.Min(cores, MaxDevices))
        {
            throw new ArgumentOutOfRangeException(nameof(cpuSlices), cpuSlices, $"a machine of {cores} cores offers 1 to {Math.Min(cores, MaxDevices)} CPU devices");
        }
        var memory = MachineMemory.Total();
        if (cpuSlices == 1)
        {
            return [new DeviceInfo("cpu:0", "cpu", $"CPU ({cores} cores, {torch.get_num_threads()} threads)", memory, cores)];
        }
        return [.. Enumerable.Range(0, cpuSlices).Select(slice => new DeviceInfo($"cpu:{slice}", "cpu",
            $"CPU slice {slice} of {cpuSlices} ({Share(cores, cpuSlices, slice)} of {cores} cores)", memory / cpuSlices, Share(cores, cpuSlices, slice)))];
    }

    /// <summary>
    /// The devices a run trains on: the machine's devices <paramref name="indexes"/> of the kind this process computes
    /// on (CUDA devices by the machine's index, through <c>CUDA_VISIBLE_DEVICES</c> when set; on a machine without CUDA,
    /// CPU slices that share <paramref name="threads"/>), or one device when none are named. Throws
    /// <see cref="ConfigException"/> for devices this process cannot use, before any work.
    /// </summary>
    public static DevicePlacement Place(IReadOnlyList<int>? indexes, int threads) =>
        Place(indexes, threads, torch.cuda.is_available() ? torch.cuda.device_count() : 0, Environment.GetEnvironmentVariable(CudaVisibility.Variable));

    /// <summary>
    /// <see cref="Place(IReadOnlyList{int}?, int)"/> for a process that sees <paramref name="gpus"/> CUDA devices (0: no
    /// CUDA) through <paramref name="visible"/> (<c>CUDA_VISIBLE_DEVICES</c>, null when unset). GPUs named by
    /// <c>CUDA_VISIBLE_DEVICES</c> in a process without CUDA are refused rather than replaced by CPU slices: a run placed
    /// on GPUs never trains anywhere else (an empty <c>CUDA_VISIBLE_DEVICES</c> hides the GPUs on purpose, and allows it).
    /// </summary>
    public static DevicePlacement Place(IReadOnlyList<int>? indexes, int threads, int gpus, string? visible)
    {
        if (indexes is not null)
        {
            Check(indexes);
        }
        var entries = CudaVisibility.Parse(visible);
        if (gpus > 0)
        {
            var chosen = indexes ?? [CudaVisibility.MachineIndex(0, entries) ?? 0];
            var ordinals = CudaVisibility.Ordinals(chosen, entries, gpus) ?? throw new ConfigException(
                $"--devices {string.Join(',', chosen)}: this process can use {gpus} CUDA device{(gpus == 1 ? "" : "s")}" +
                (visible is null ? $" (0 to {gpus - 1})" : $" ({CudaVisibility.Variable}={visible})"));
            var each = Math.Max(1, threads / chosen.Count);
            return new DevicePlacement([.. chosen.Select((index, i) =>
                new PlacedDevice($"cuda:{index}", "cuda", index, new torch.Device(DeviceType.CUDA, ordinals[i]), each))]);
        }
        if (indexes is not null && entries is { Count: > 0 })
        {
            throw new ConfigException(
                $"--devices {string.Join(',', indexes)}: {CudaVisibility.Variable}={visible} names GPUs, and this process has no CUDA " +
                $"(an engine built without it, or no driver); with {CudaVisibility.Variable} empty the devices are CPU slices");
        }
        var slices = indexes ?? [0];
        if (threads < slices.Count)
        {
            throw new ConfigException($"--devices {string.Join(',', slices)}: {slices.Count} CPU slices need at least {slices.Count} threads, and there {(threads == 1 ? "is 1" : $"are {threads}")}");
        }
        return new DevicePlacement([.. slices.Select((index, i) =>
            new PlacedDevice($"cpu:{index}", "cpu", index, torch.CPU, Share(threads, slices.Count, i)))]);
    }

    /// <summary>Memory in use for a device of this run: a GPU's (NVML, every process on it), or this process' resident memory, which CPU replicas share.</summary>
    public static long? MemoryInUse(PlacedDevice device) =>
        device.Kind == "cuda" ? Nvml.Read(device.Index)?.UsedBytes : Environment.WorkingSet;

    /// <summary>How busy a GPU of this run is (0 to 1, NVML); null for a CPU slice.</summary>
    public static double? Utilization(PlacedDevice device) => device.Kind == "cuda" ? Nvml.Read(device.Index)?.Utilization : null;

    /// <summary>Parses <c>--devices</c>: comma-separated indexes (<c>0,1</c>).</summary>
    public static IReadOnlyList<int> ParseIndexes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var indexes = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                throw new ConfigException($"--devices '{text}': give the devices' indexes separated by commas, e.g. 0,1");
            }
            indexes.Add(index);
        }
        Check(indexes);
        return indexes;
    }

    /// <summary><paramref name="total"/> threads shared by <paramref name="parts"/>: the first ones take the remainder.</summary>
    private static int Share(int total, int parts, int part) => total / parts + (part < total % parts ? 1 : 0);

    private static void Check(IReadOnlyList<int> indexes)
    {
        if (indexes.Count is 0 or > MaxDevices)
        {
            throw new ConfigException($"--devices names 1 to {MaxDevices} devices");
        }
        if (indexes.Any(i => i < 0) || indexes.Distinct().Count() != indexes.Count)
        {
            throw new ConfigException($"--devices {string.Join(',', indexes)}: each device once, by its index (0 or more)");
        }
    }

    private static void SetUnlessGiven(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is null)
        {
            _ = SetEnvironmentVariable(name, value, overwrite: 0);
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    /// <summary>The C library's <c>setenv</c>: native code reads the C environment, which .NET's own copy does not reach.</summary>
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironmentVariable(string name, string value, int overwrite);
}
