using Lab.Contracts.Pool;
using Lab.Training;

namespace Lab.Worker;

/// <summary>
/// How this node's devices are used now, for each heartbeat: a GPU's memory and utilisation as NVML reads them; for a
/// CPU device, the resident memory of the training process on it (a run on several CPU devices shares its process'
/// memory equally between them); and each device's training rate from its run's last progress line.
/// </summary>
public static class DeviceUsageReader
{
    public static IReadOnlyList<DeviceUsage> Read(IReadOnlyList<ComputeDevices.DeviceInfo> devices, IReadOnlyList<TrainingProcess> processes)
    {
        var usage = new List<DeviceUsage>(devices.Count);
        foreach (var device in devices)
        {
            var process = processes.FirstOrDefault(p => p.Placement.DeviceIds.Contains(device.Id));
            var rate = process?.LastPerDevice?.FirstOrDefault(f => f.Id == device.Id)?.TokensPerS;
            if (device.Kind == "cuda")
            {
                var reading = Nvml.Read(device.Index);
                usage.Add(new DeviceUsage(device.Id, reading?.UsedBytes, reading?.Utilization, Rate(rate), process?.Order.RunId));
                continue;
            }
            var memory = process is null ? 0 : process.MemoryBytes / process.Placement.DeviceIds.Count;
            usage.Add(new DeviceUsage(device.Id, memory, null, Rate(rate), process?.Order.RunId));
        }
        return usage;
    }

    private static double? Rate(double? rate) => rate is { } r && double.IsFinite(r) && r >= 0 ? r : null;
}
