using System.Net;
using Lab.Client;
using Microsoft.AspNetCore.Http.Features;

namespace Lab.Portal;

/// <summary>
/// A run's live metrics for the browser: the page's script has only the portal's cookie, so the portal reads the API's
/// metrics stream with the member's token and passes it on line by line as it arrives.
/// </summary>
public static class PortalRunMetrics
{
    public static string PathOf(Guid run) => $"/runs/{run}/metrics";

    public static IEndpointRouteBuilder MapPortalRunMetrics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/runs/{id:guid}/metrics", RelayAsync).RequireAuthorization();
        return app;
    }

    private static async Task RelayAsync(Guid id, long? after, HttpContext http, LabClient api, ILoggerFactory logs)
    {
        var aborted = http.RequestAborted;
        HttpResponseMessage upstream;
        try
        {
            // The API validates after (a line's seq, to continue after it), as it does for every reader.
            upstream = await api.OpenRunMetricsAsync(id, after, follow: true, aborted);
        }
        catch (LabClientException e) when (e.IsUnreachable)
        {
            http.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }
        using (upstream)
        {
            http.Response.StatusCode = upstream.StatusCode == HttpStatusCode.OK ? StatusCodes.Status200OK : (int)upstream.StatusCode;
            if (!upstream.IsSuccessStatusCode)
            {
                return;
            }
            http.Response.ContentType = "application/x-ndjson";
            http.Response.Headers.CacheControl = "no-store";
            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            try
            {
                await using var source = await upstream.Content.ReadAsStreamAsync(aborted);
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = await source.ReadAsync(buffer, aborted)) > 0)
                {
                    await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), aborted);
                    await http.Response.Body.FlushAsync(aborted);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
            {
                // The browser went away, or the API's stream broke off: the script reconnects when it still wants the run.
                logs.CreateLogger(typeof(PortalRunMetrics)).LogDebug(e, "The metrics stream of run {Run} ended early", id);
            }
        }
    }
}
