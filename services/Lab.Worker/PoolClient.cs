using Lab.Contracts;
using Lab.Contracts.Pool;

namespace Lab.Worker;

/// <summary>The worker's side of the pool API, in the API's own JSON (report kinds by name, as the API reads them).</summary>
public sealed class PoolClient(HttpClient http)
{
    public async Task<NodeOrders> HeartbeatAsync(NodeHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/pool/heartbeats", heartbeat, ApiJson.Options, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<NodeOrders>(ApiJson.Options, cancellationToken)
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
