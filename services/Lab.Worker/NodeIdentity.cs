using Lab.Contracts.Pool;
using Lab.Training;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Lab.Worker;

/// <summary>Who this worker is in the pool: its node name, its devices (with the memory each offers a run), and the URL it answers on.</summary>
public sealed class NodeIdentity(IOptions<WorkerOptions> options, IServer server)
{
    private readonly Lazy<IReadOnlyList<DeviceView>> _devices = new(() =>
        [.. ComputeDevices.Discover().Select(d => new DeviceView(d.Id, d.Kind, d.Description, d.MemoryBytes))]);

    public string Name { get; } = string.IsNullOrWhiteSpace(options.Value.NodeName) ? Environment.MachineName : options.Value.NodeName;

    public IReadOnlyList<DeviceView> Devices => _devices.Value;

    public string? Url => server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();

    /// <summary>This worker process: the pool learns from a new one that the node's earlier processes are gone.</summary>
    public Guid Incarnation { get; } = Guid.NewGuid();

    public NodeHeartbeat Describe() => new(Name, Devices, Url, Incarnation: Incarnation);
}
