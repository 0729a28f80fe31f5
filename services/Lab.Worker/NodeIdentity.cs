using Lab.Contracts.Pool;
using Lab.Training;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Lab.Worker;

/// <summary>
/// Who this worker is in the pool: its node name, its devices (each GPU, or the CPU as <c>Worker:CpuDevices</c> slices;
/// with the memory each offers a run), and the URL it answers on.
/// </summary>
public sealed class NodeIdentity(IOptions<WorkerOptions> options, IServer server)
{
    private readonly Lazy<IReadOnlyList<ComputeDevices.DeviceInfo>> _machine = new(() => ComputeDevices.Discover(options.Value.CpuDevices));

    public string Name { get; } = string.IsNullOrWhiteSpace(options.Value.NodeName) ? Environment.MachineName : options.Value.NodeName;

    /// <summary>The devices as the pool sees them; a lease's indexes are positions in this list.</summary>
    public IReadOnlyList<DeviceView> Devices => [.. Machine.Select(d => new DeviceView(d.Id, d.Kind, d.Description, d.MemoryBytes))];

    /// <summary>The devices as this machine knows them: their indexes and the threads a run on each computes with.</summary>
    public IReadOnlyList<ComputeDevices.DeviceInfo> Machine => _machine.Value;

    public string? Url => server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();

    /// <summary>This worker process: the pool learns from a new one that the node's earlier processes are gone.</summary>
    public Guid Incarnation { get; } = Guid.NewGuid();

    public NodeHeartbeat Describe() => new(Name, Devices, Url, Incarnation: Incarnation);
}
