using Lab.Contracts;
using Lab.ServiceDefaults;
using Microsoft.AspNetCore.Diagnostics;

namespace Lab.Api.Infrastructure;

/// <summary>
/// Turns what went wrong into RFC 7807 problem details: unreadable requests and refusals become 4xx with
/// the reason; anything else is a 500 that says only that it failed (the details go to the log).
/// </summary>
public sealed class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>About how long the cluster takes to declare a stopped silo dead and move its grains (see FailureDetection).</summary>
    private const string RetryAfterSeconds = "5";

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException bad)
        {
            var problem = RequestProblems.Describe(bad);
            await ProblemAnswers.WriteAsync(context, problem.Status, problem.Title, problem.Detail, problem.Errors);
            return true;
        }
        var (status, title, detail) = exception switch
        {
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

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds;
        }
        await ProblemAnswers.WriteAsync(context, status, title, detail);
        return true;
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
