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

    /// <summary>Copies a data set's text from the lab into <paramref name="target"/>.</summary>
    public async Task CopyDatasetAsync(Guid dataset, Stream target, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"/api/v1/datasets/{dataset}/content", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var content = await response.Content.ReadAsStreamAsync(cancellationToken);
        await content.CopyToAsync(target, cancellationToken);
    }
}
