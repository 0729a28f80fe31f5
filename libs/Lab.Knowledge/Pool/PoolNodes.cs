using Lab.Contracts;
using Lab.Contracts.Pool;

namespace Lab.Knowledge.Pool;

/// <summary>
/// The nodes the pool counts on, folded from the pool's own stream: stored inline, and the pool grain's state. A node
/// keeps its place in the order it first joined; a join after a loss brings it back with what it offers now.
/// </summary>
public sealed class PoolNodes : IStreamState<PoolNodes>
{
    public Guid Id { get; set; }
    public List<KnownNode> Nodes { get; set; } = [];
    public long Version { get; set; }

    public KnownNode? Node(string name) => Nodes.Find(n => n.Name == name);

    public static PoolNodes Fold(PoolNodes? pool, ILabEvent change)
    {
        pool ??= new PoolNodes { Id = PoolStream.Id };
        switch (change)
        {
            case NodeJoined joined:
                var node = pool.Node(joined.Node);
                if (node is null)
                {
                    node = new KnownNode { Name = joined.Node, FirstJoinedAt = joined.At };
                    pool.Nodes.Add(node);
                }
                node.Devices = [.. joined.Devices];
                node.WorkerUrl = joined.WorkerUrl;
                node.Incarnation = joined.Incarnation;
                node.JoinedAt = joined.At;
                node.LostLastSeen = null;
                break;
            case NodeLost lost when pool.Node(lost.Node) is { } gone:
                gone.LostLastSeen = lost.LastSeen;
                break;
            case NodeLost:
                break;
            default:
                throw new ArgumentException($"The pool's stream has no event {change.GetType().Name}.", nameof(change));
        }
        return pool;
    }
}

/// <summary>A node as the pool's stream last recorded it.</summary>
public sealed class KnownNode
{
    public string Name { get; set; } = "";
    public List<DeviceView> Devices { get; set; } = [];
    public string? WorkerUrl { get; set; }

    /// <summary>The worker process it last joined with.</summary>
    public Guid? Incarnation { get; set; }

    /// <summary>When it first joined the pool.</summary>
    public DateTimeOffset FirstJoinedAt { get; set; }

    /// <summary>When it last joined or came back.</summary>
    public DateTimeOffset JoinedAt { get; set; }

    /// <summary>When it was last heard, if it was declared lost after it last joined; null while the pool counts on it.</summary>
    public DateTimeOffset? LostLastSeen { get; set; }
}

public sealed partial class PoolNodesProjection : StreamProjection<PoolNodes, IPoolEvent>;
