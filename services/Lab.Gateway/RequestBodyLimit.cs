using System.Buffers;
using Lab.Contracts;
using Lab.ServiceDefaults;
using Microsoft.AspNetCore.Http.Features;

namespace Lab.Gateway;

/// <summary>
/// The gateway refuses a body over the limit itself, with a 413 problem, before anything is passed on: one that says its
/// length (Content-Length) is refused unread; one that does not (chunked) is read up to the limit and passed on whole
/// only if it fits. A service that refused it halfway through would leave the client with a broken connection (502).
/// <c>Gateway:MaxRequestBodyBytes</c> changes the limit (default: the API's own, 1 MiB).
/// </summary>
public sealed class RequestBodyLimit(long maxBytes)
{
    public const string ConfigurationKey = "Gateway:MaxRequestBodyBytes";

    public long MaxBytes { get; } = maxBytes;

    public static RequestBodyLimit From(IConfiguration configuration) =>
        new(configuration.GetValue<long?>(ConfigurationKey) ?? LabServices.MaxRequestBodyBytes);

    public void Use(WebApplication app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (request.ContentLength > MaxBytes ||
            (request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true && !await BufferAsync(context)))
        {
            await ProblemAnswers.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "The body is too large",
                $"Bodies are limited to {MaxBytes / 1024} KiB.");
            return;
        }
        await next(context);
    });

    /// <summary>Reads a body of unknown length into memory; false when it is longer than the limit.</summary>
    private async Task<bool> BufferAsync(HttpContext context)
    {
        var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > MaxBytes)
                {
                    return false;
                }
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        buffer.Position = 0;
        context.Request.Body = buffer;
        context.Request.ContentLength = buffer.Length;
        context.Request.Headers.TransferEncoding = default;
        context.Response.RegisterForDispose(buffer);
        return true;
    }
}
