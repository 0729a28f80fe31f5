using Lab.Contracts;
using Lab.ServiceDefaults;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Model;

namespace Lab.Gateway;

/// <summary>
/// The gateway refuses a body over the limit itself, with a 413 problem, before anything is passed on: one that says its
/// length (Content-Length) is refused unread; one that does not (chunked) is read up to the limit (in memory up to
/// 1 MiB, beyond that in a temporary file) and passed on whole only if it fits. A service that refused it halfway through
/// would leave the client with a broken connection (502). The limit is <c>Gateway:MaxRequestBodyBytes</c> (default: the
/// API's own, 1 MiB), or a route's <c>MaxRequestBodyBytes</c> metadata in gateway.json (data set uploads: 64 MiB, the
/// API's default for them).
/// </summary>
public sealed class RequestBodyLimit(long maxBytes)
{
    public const string ConfigurationKey = "Gateway:MaxRequestBodyBytes";
    public const string RouteMetadataKey = "MaxRequestBodyBytes";

    private const int InMemoryBytes = 1024 * 1024;

    public long MaxBytes { get; } = maxBytes;

    public static RequestBodyLimit From(IConfiguration configuration) =>
        new(configuration.GetValue<long?>(ConfigurationKey) ?? LabServices.MaxRequestBodyBytes);

    /// <summary>The limit for the route the request was matched to.</summary>
    public long For(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.Metadata is { } metadata &&
        metadata.TryGetValue(RouteMetadataKey, out var value) && long.TryParse(value, out var routeLimit)
            ? routeLimit
            : MaxBytes;

    public void Use(WebApplication app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var limit = For(context);
        if (request.ContentLength > limit ||
            (request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true && !await BufferAsync(context, limit)))
        {
            await ProblemAnswers.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "The body is too large",
                $"Bodies sent here are limited to {limit / 1024} KiB.");
            return;
        }
        await next(context);
    });

    /// <summary>Reads a body of unknown length, up to <paramref name="limit"/>; false when it is longer.</summary>
    private static async Task<bool> BufferAsync(HttpContext context, long limit)
    {
        var request = context.Request;
        request.EnableBuffering(InMemoryBytes, limit);
        try
        {
            await request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        }
        catch (IOException e) when (e is not BadHttpRequestException)
        {
            return false; // the buffer's limit was reached
        }
        request.Body.Position = 0;
        request.ContentLength = request.Body.Length;
        request.Headers.TransferEncoding = default;
        return true;
    }
}
