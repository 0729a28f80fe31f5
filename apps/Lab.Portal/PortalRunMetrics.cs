using System.Net;
using Lab.Client;
using Microsoft.AspNetCore.Http.Features;

namespace Lab.Portal;

/// <summary>
/// A run's metrics and files for the browser: the page's script and links have only the portal's cookie, so the portal
/// reads the API's metrics stream (live, line by line as it arrives) and downloads with the member's token and passes
/// them on as they are.
/// </summary>
public static class PortalRunMetrics
{
    public static string PathOf(Guid run) => $"/runs/{run}/metrics";

    /// <summary>Where the browser downloads the run's newest checkpoint.</summary>
    public static string CheckpointPathOf(Guid run) => $"/runs/{run}/checkpoint";

    /// <summary>Where the browser downloads the run's training log.</summary>
    public static string LogPathOf(Guid run) => $"/runs/{run}/log";

    public static IEndpointRouteBuilder MapPortalRunMetrics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/runs/{id:guid}/metrics", RelayAsync).RequireAuthorization();
        app.MapGet("/runs/{id:guid}/checkpoint", (Guid id, HttpContext http, LabClient api, ILoggerFactory logs) =>
            RelayFileAsync(id, LabClient.RunFile.Checkpoint, http, api, logs)).RequireAuthorization();
        app.MapGet("/runs/{id:guid}/log", (Guid id, HttpContext http, LabClient api, ILoggerFactory logs) =>
            RelayFileAsync(id, LabClient.RunFile.Log, http, api, logs)).RequireAuthorization();
        return app;
    }

    /// <summary>One of the run's files as the API answers it: the file as an attachment, or the API's problem (which says why not).</summary>
    private static async Task RelayFileAsync(Guid id, LabClient.RunFile file, HttpContext http, LabClient api, ILoggerFactory logs)
    {
        var aborted = http.RequestAborted;
        HttpResponseMessage upstream;
        try
        {
            upstream = await api.OpenRunFileAsync(id, file, aborted);
        }
        catch (LabClientException e) when (e.IsUnreachable)
        {
            http.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }
        using (upstream)
        {
            http.Response.StatusCode = (int)upstream.StatusCode;
            var headers = upstream.Content.Headers;
            http.Response.ContentType = headers.ContentType?.ToString() ?? "application/octet-stream";
            http.Response.ContentLength = headers.ContentLength;
            if (headers.ContentDisposition is { } disposition)
            {
                http.Response.Headers.ContentDisposition = disposition.ToString();
            }
            http.Response.Headers.CacheControl = "no-store";
            try
            {
                await using var source = await upstream.Content.ReadAsStreamAsync(aborted);
                await source.CopyToAsync(http.Response.Body, aborted);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
            {
                logs.CreateLogger(typeof(PortalRunMetrics)).LogDebug(e, "The download of run {Run}'s {File} ended early", id, file);
            }
        }
    }

    private static async Task RelayAsync(Guid id, long? after, bool? follow, HttpContext http, LabClient api, ILoggerFactory logs)
    {
        var aborted = http.RequestAborted;
        HttpResponseMessage upstream;
        try
        {
            // The API validates after (a line's seq, to continue after it), as it does for every reader.
            upstream = await api.OpenRunMetricsAsync(id, after, follow ?? true, aborted);
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
