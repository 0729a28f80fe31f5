using Lab.Contracts;
using Lab.Contracts.Pool;

namespace Lab.Grains.Pool;

/// <summary>
/// Knows which nodes offer which devices. Node liveness is soft state: workers repeat it every few
/// seconds, so after a restart the pool is whole again within one heartbeat.
/// </summary>
public sealed class PoolGrain(TimeProvider clock) : Grain, IPoolGrain
{
    private readonly Dictionary<string, NodeView> _nodes = new(StringComparer.Ordinal);

    public Task<NodeView> Heartbeat(NodeHeartbeat heartbeat)
    {
        var errors = PoolRules.Validate(heartbeat);
        Refusals.ThrowIfAny(errors);
        var now = clock.GetUtcNow();
        var firstSeen = _nodes.TryGetValue(heartbeat.Node, out var known) ? known.FirstSeen : now;
        var node = new NodeView(heartbeat.Node, heartbeat.Devices, firstSeen, now, Alive: true);
        _nodes[heartbeat.Node] = node;
        return Task.FromResult(node);
    }

    public Task<PoolView> Get()
    {
        var now = clock.GetUtcNow();
        var nodes = _nodes.Values
            .Select(n => n with { Alive = now - n.LastSeen < PoolRules.HeartbeatTimeout })
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(new PoolView(nodes, nodes.Where(n => n.Alive).Sum(n => n.Devices.Count)));
    }
}
