using Lab.Contracts;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Lab.Api.Infrastructure;

/// <summary>
/// Turns what went wrong into RFC 7807 problem details: unreadable requests and refusals become 4xx with
/// the reason; anything else is a 500 that says only that it failed (the details go to the log).
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>About how long the cluster takes to declare a stopped silo dead and move its grains (see FailureDetection).</summary>
    private const string RetryAfterSeconds = "5";

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read", ReadableReason(bad)),
            LabRefusedException refused => (StatusOf(refused.Kind), TitleOf(refused.Kind), refused.Message),
            Lab.Knowledge.Reading.SearchTimeoutException slow => (StatusCodes.Status503ServiceUnavailable, "The search took too long", slow.Message),
            // The grain's silo stopped and the cluster has not yet declared it dead (seconds): the call never ran.
            Orleans.Runtime.OrleansMessageRejectionException => (StatusCodes.Status503ServiceUnavailable, "A server of the lab just stopped",
                "The work it held is moving to the other servers; this request changed nothing. Retry in a few seconds."),
            _ when DatabaseUnavailable(exception) => (StatusCodes.Status503ServiceUnavailable, "The database is unavailable for a moment",
                "PostgreSQL could not be reached; retry in a few seconds."),
            _ => (StatusCodes.Status500InternalServerError, "Something went wrong", "The request failed; nothing was changed. The service log has the details."),
        };
        if (status >= 500)
        {
            logger.LogError(exception, "Request {Method} {Path} failed", context.Request.Method, context.Request.Path);
        }

        context.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds;
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    /// <summary>PostgreSQL could not be reached, or is starting again (e.g. restarted by its supervisor): a transient failure.</summary>
    private static bool DatabaseUnavailable(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is Npgsql.NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }
        return false;
    }

    private static string ReadableReason(BadHttpRequestException bad) =>
        bad.InnerException is System.Text.Json.JsonException json
            ? $"The body is not valid JSON for this request: {json.Message}"
            : bad.Message;

    private static int StatusOf(LabRefusal kind) => kind switch
    {
        LabRefusal.NotFound => StatusCodes.Status404NotFound,
        LabRefusal.Conflict => StatusCodes.Status409Conflict,
        LabRefusal.Forbidden => StatusCodes.Status403Forbidden,
        LabRefusal.TooMany => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status400BadRequest,
    };

    private static string TitleOf(LabRefusal kind) => kind switch
    {
        LabRefusal.NotFound => "Not found",
        LabRefusal.Conflict => "Conflict",
        LabRefusal.Forbidden => "Not allowed",
        LabRefusal.TooMany => "Too many at once",
        _ => "Invalid request",
    };
}
