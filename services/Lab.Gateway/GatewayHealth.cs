using System.Net.Http.Json;
using System.Text.Json;
using Lab.Contracts;
using Lab.Contracts.Researchers;
using Lab.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Lab.Gateway;

/// <summary>
/// The gateway's <c>/health</c> is public (load balancers and people ask it without a token), so it says only whether
/// everything behind it is healthy. The report with each service, its address and timings is for the lab's operators:
/// a request with an operator's token gets it, the API having said whose token it is. The services' own
/// <c>/health</c> and <c>/alive</c>, which Kubernetes probes directly and the gateway does not expose, stay detailed.
/// </summary>
public sealed partial class GatewayHealth(IHttpClientFactory clients, IConfiguration configuration, ILogger<GatewayHealth> logger)
{
    /// <summary>Longer than any Lab token or invitation code: anything longer is not asked about.</summary>
    private const int MaxAuthorizationLength = 256;

    public async Task WriteAsync(HttpContext context, HealthReport report)
    {
        if (await IsOperatorAsync(context))
        {
            await HealthReportWriter.WriteAsync(context, report);
        }
        else
        {
            await HealthReportWriter.WriteStatusAsync(context, report);
        }
    }

    private async Task<bool> IsOperatorAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var api = configuration[LabServices.EndpointKey(LabServices.Api)];
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length > MaxAuthorizationLength ||
            !Uri.TryCreate(api, UriKind.Absolute, out var apiAddress))
        {
            return false;
        }
        try
        {
            using var http = clients.CreateClient(DownstreamHealthCheck.HttpClientName);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(apiAddress, "/api/v1/me"));
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
            using var response = await http.SendAsync(request, context.RequestAborted);
            return response.IsSuccessStatusCode &&
                (await response.Content.ReadFromJsonAsync<ResearcherView>(ApiJson.Options, context.RequestAborted))?.OperatesLab == true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            // The API cannot say whose token it is: the answer stays the public one.
            LogOperatorCheckFailed(logger, e);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not check whether a /health caller operates the lab")]
    private static partial void LogOperatorCheckFailed(ILogger logger, Exception exception);
}
