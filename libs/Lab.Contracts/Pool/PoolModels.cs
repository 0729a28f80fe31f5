namespace Lab.Contracts.Pool;

[GenerateSerializer, Immutable, Alias("lab.device")]
public sealed record DeviceView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Description);

/// <summary>What a worker says about its node every few seconds.</summary>
[GenerateSerializer, Immutable, Alias("lab.node-heartbeat")]
public sealed record NodeHeartbeat(
    [property: Id(0)] string Node,
    [property: Id(1)] IReadOnlyList<DeviceView> Devices,
    [property: Id(2)] string? WorkerUrl);

[GenerateSerializer, Immutable, Alias("lab.node")]
public sealed record NodeView(
    [property: Id(0)] string Name,
    [property: Id(1)] IReadOnlyList<DeviceView> Devices,
    [property: Id(2)] DateTimeOffset FirstSeen,
    [property: Id(3)] DateTimeOffset LastSeen,
    [property: Id(4)] bool Alive);

[GenerateSerializer, Immutable, Alias("lab.pool")]
public sealed record PoolView(
    [property: Id(0)] IReadOnlyList<NodeView> Nodes,
    [property: Id(1)] int LiveDevices);

public static class PoolRules
{
    public const int NodeNameMaxLength = 100;
    public const int MaxDevicesPerNode = 64;

    /// <summary>A node that has not heart-beaten for this long is considered gone.</summary>
    public static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(30);

    public static Dictionary<string, string[]> Validate(NodeHeartbeat? heartbeat)
    {
        var errors = new Dictionary<string, string[]>();
        if (heartbeat is null)
        {
            errors["body"] = ["A JSON body describing the node is required."];
            return errors;
        }
        if (string.IsNullOrWhiteSpace(heartbeat.Node) || heartbeat.Node.Length > NodeNameMaxLength ||
            !heartbeat.Node.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
        {
            errors["node"] = [$"The node name must be 1 to {NodeNameMaxLength} letters, digits, '-', '.' or '_'."];
        }
        if (heartbeat.Devices is null || heartbeat.Devices.Count is 0 or > MaxDevicesPerNode)
        {
            errors["devices"] = [$"A node offers 1 to {MaxDevicesPerNode} devices."];
        }
        return errors;
    }
}

/// <summary>The shared pool of devices (one grain for the whole lab, key 0).</summary>
[Alias("lab.IPoolGrain")]
public interface IPoolGrain : IGrainWithIntegerKey
{
    [Alias("heartbeat")]
    Task<NodeView> Heartbeat(NodeHeartbeat heartbeat);

    [Alias("get")]
    Task<PoolView> Get();
}
