namespace Lab.Contracts.Pool;

// The pool's own stream: which nodes it counts on. Heartbeats themselves are soft state and are not recorded;
// only a node joining (or coming back, or changing its devices) and a node being declared lost are.

/// <summary>An event of the pool's own stream (<see cref="PoolStream"/>).</summary>
public interface IPoolEvent : ILabEvent
{
    /// <summary>The node it is about.</summary>
    string Node { get; }
}

/// <param name="Incarnation">The worker process on the node: a new one means the worker restarted and ran nothing of before.</param>
[StoredAs("node_joined")]
public sealed record NodeJoined(string Node, IReadOnlyList<DeviceView> Devices, string? WorkerUrl, DateTimeOffset At, Guid? Incarnation = null) : IPoolEvent;

/// <summary>The node stopped heart-beating: its leases are void and its runs were requeued.</summary>
[StoredAs("node_lost")]
public sealed record NodeLost(string Node, DateTimeOffset LastSeen, DateTimeOffset At) : IPoolEvent;

public static class PoolStream
{
    /// <summary>The id of the pool's event stream (there is one pool).</summary>
    public static readonly Guid Id = new("5f1e0c1a-9b7d-4c53-8a26-7d0f0b00c001");
}
