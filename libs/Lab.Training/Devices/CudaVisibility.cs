using System.Globalization;

namespace Lab.Training;

/// <summary>
/// How a machine's CUDA device indexes (as <c>nvidia-smi</c> and NVML number them: the process sets
/// <c>CUDA_DEVICE_ORDER=PCI_BUS_ID</c>, see <see cref="ComputeDevices"/>) relate to the ordinals a process uses, which
/// <c>CUDA_VISIBLE_DEVICES</c> narrows and renumbers: with <c>CUDA_VISIBLE_DEVICES=2,3</c> the process' <c>cuda:0</c> is
/// the machine's device 2. Pure, so it is tested without a GPU.
/// </summary>
public static class CudaVisibility
{
    public const string Variable = "CUDA_VISIBLE_DEVICES";

    /// <summary>CUDA's own order is "fastest first"; the bus order is the one nvidia-smi and NVML number devices in.</summary>
    public const string OrderVariable = "CUDA_DEVICE_ORDER";
    public const string BusOrder = "PCI_BUS_ID";

    /// <summary>The entries of <c>CUDA_VISIBLE_DEVICES</c> (indexes, or UUIDs such as <c>GPU-8f1c...</c>); null when unset (every device visible).</summary>
    public static IReadOnlyList<string>? Parse(string? value) =>
        value is null ? null : [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>The machine index of the device a process sees as <paramref name="ordinal"/>; null when its entry is no index (a UUID).</summary>
    public static int? MachineIndex(int ordinal, IReadOnlyList<string>? visible) =>
        visible is null ? ordinal
        : ordinal < visible.Count && int.TryParse(visible[ordinal], NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index
        : null;

    /// <summary>
    /// The ordinal, in a process that sees <paramref name="count"/> devices, of each of the machine's devices
    /// <paramref name="indexes"/>; null when one of them is not visible. Without <c>CUDA_VISIBLE_DEVICES</c> an index is
    /// its own ordinal; with it, the position of the index in it. Where it names devices by UUID, the listed devices are
    /// taken to be the visible ones in order, provided it lists exactly as many (a worker that itself sees its GPUs by
    /// UUID hands a run its leased ones that way).
    /// </summary>
    public static int[]? Ordinals(IReadOnlyList<int> indexes, IReadOnlyList<string>? visible, int count)
    {
        if (visible is null)
        {
            return indexes.All(i => i < count) ? [.. indexes] : null;
        }
        var usable = visible.Take(count).ToList();
        var numbered = usable.Select((_, ordinal) => MachineIndex(ordinal, usable)).ToList();
        if (numbered.All(n => n is null))
        {
            return usable.Count == indexes.Count ? [.. Enumerable.Range(0, indexes.Count)] : null;
        }
        var ordinals = indexes.Select(i => numbered.IndexOf(i)).ToArray();
        return ordinals.All(o => o >= 0) ? ordinals : null;
    }

    /// <summary>
    /// What a process placed on the machine's <paramref name="indexes"/> gets as <c>CUDA_VISIBLE_DEVICES</c>, from a parent
    /// that sees the machine through <paramref name="parentVisible"/>: the parent's own entries for those devices (so a
    /// worker narrowed to some GPUs hands on the same GPUs), or the indexes themselves.
    /// </summary>
    public static string ForChild(IReadOnlyList<int> indexes, IReadOnlyList<string>? parentVisible)
    {
        if (parentVisible is null)
        {
            return string.Join(',', indexes.Select(i => i.ToString(CultureInfo.InvariantCulture)));
        }
        var numbered = parentVisible.Select((_, ordinal) => MachineIndex(ordinal, parentVisible)).ToList();
        return string.Join(',', indexes.Select(i => numbered.IndexOf(i) is >= 0 and var ordinal ? parentVisible[ordinal]
            : i < parentVisible.Count && numbered.All(n => n is null) ? parentVisible[i]
            : throw new ArgumentException($"device {i} is not among the parent's visible devices ({string.Join(',', parentVisible)})", nameof(indexes))));
    }
}
