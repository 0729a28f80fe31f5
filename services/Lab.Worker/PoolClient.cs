using Lab.Contracts.Pool;

namespace Lab.Worker;

/// <summary>The worker's side of the pool API.</summary>
public sealed class PoolClient(HttpClient http)
{
    public async Task<NodeOrders> HeartbeatAsync(NodeHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/pool/heartbeats", heartbeat, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<NodeOrders>(cancellationToken)
            ?? throw new InvalidOperationException("The pool answered a heartbeat with an empty body.");
    }
}
