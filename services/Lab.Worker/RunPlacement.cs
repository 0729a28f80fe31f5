using System.Globalization;
using Lab.Training;

namespace Lab.Worker;

/// <summary>
/// Where a run trains on this node: the devices of its lease (indexes into the node's devices, as the pool numbers
/// them), handed to its process as <c>--devices</c> (the machine's indexes, which its <c>started</c> line reports back as
/// the devices' ids) and <c>CUDA_VISIBLE_DEVICES</c> naming those GPUs only (none for CPU slices), so that nothing in
/// the process can touch another run's; <c>--threads</c>, the devices' share of the cores (a CPU slice's, or a GPU's for its run's
/// CPU work); and the share of the node's memory its process may allocate.
/// </summary>
public sealed record RunPlacement(
    IReadOnlyList<string> DeviceIds,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment,
    double MemoryShare)
{
    /// <summary>
    /// The placement of a run leased <paramref name="leased"/> of the node's <paramref name="devices"/>; the worker itself
    /// sees the GPUs through <paramref name="visible"/> (its own <c>CUDA_VISIBLE_DEVICES</c>), and the run asks for
    /// <paramref name="requestedThreads"/> threads (0: its devices' share). Throws <see cref="ArgumentException"/> for a
    /// lease this node cannot honour (an index it does not offer).
    /// </summary>
    public static RunPlacement For(IReadOnlyList<int> leased, IReadOnlyList<ComputeDevices.DeviceInfo> devices, string? visible, int requestedThreads)
    {
        if (leased.Count == 0 || leased.Any(i => i < 0 || i >= devices.Count) || leased.Distinct().Count() != leased.Count)
        {
            throw new ArgumentException($"the pool leased devices {string.Join(',', leased)}, and this node offers {devices.Count}", nameof(leased));
        }
        var chosen = leased.Select(i => devices[i]).ToList();
        var indexes = chosen.Select(d => d.Index).ToList();
        var share = chosen.Sum(d => d.Threads);
        var threads = requestedThreads > 0 ? Math.Min(requestedThreads, share) : share;
        // At least a thread per replica: each device's replica computes on its own.
        threads = Math.Max(threads, chosen.Count);
        var environment = new Dictionary<string, string>();
        if (chosen.All(d => d.Kind == "cuda"))
        {
            environment[CudaVisibility.Variable] = CudaVisibility.ForChild(indexes, CudaVisibility.Parse(visible));
            environment[CudaVisibility.OrderVariable] = CudaVisibility.BusOrder;
        }
        else
        {
            // A run on CPU slices sees no GPU, whatever the worker itself sees.
            environment[CudaVisibility.Variable] = "";
        }
        return new RunPlacement(
            [.. chosen.Select(d => d.Id)],
            ["--devices", string.Join(',', indexes.Select(i => i.ToString(CultureInfo.InvariantCulture))), "--threads", threads.ToString(CultureInfo.InvariantCulture)],
            environment,
            (double)chosen.Count / devices.Count);
    }
}
