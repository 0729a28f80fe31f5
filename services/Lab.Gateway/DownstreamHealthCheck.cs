using System.Text.Json;
using Lab.Contracts;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Lab.Gateway;

/// <summary>Asks one service behind the gateway for its own <c>/health</c> and passes on what it says.</summary>
public sealed class DownstreamHealthCheck(string service, IHttpClientFactory clients, IConfiguration configuration) : IHealthCheck
{
    public const string HttpClientName = "downstream-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var address = configuration[LabServices.EndpointKey(service)];
        try
        {
            using var http = clients.CreateClient(HttpClientName);
            using var response = await http.GetAsync(new Uri(new Uri(address!), "/health"), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = ReadStatus(body);
            var data = new Dictionary<string, object> { ["address"] = address!, ["report"] = Parse(body) };
            return status switch
            {
                "Healthy" when response.IsSuccessStatusCode => HealthCheckResult.Healthy($"{service} is healthy", data),
                "Degraded" => HealthCheckResult.Degraded($"{service} is degraded", data: data),
                _ => HealthCheckResult.Unhealthy($"{service} answered {(int)response.StatusCode} ({status ?? "no status"})", data: data),
            };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            return HealthCheckResult.Unhealthy($"{service} at {address} is unreachable: {e.Message}");
        }
    }

    private static string? ReadStatus(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("status", out var status) ? status.GetString() : null;
        }
        catch (JsonException)
        {
            return body.Trim();
        }
    }

    private static object Parse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<JsonElement>(body);
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
