using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lab.ServiceDefaults;

/// <summary>
/// Every refusal a Lab service gives is an RFC 7807 problem document (<c>application/problem+json</c>, whatever the
/// client says it accepts): the answers the framework gives without a body (401, 403, 404, 405, 413, 415, 429...), requests
/// it cannot read, and failures, which say only that something failed. Never a stack trace, a type name or a path.
/// </summary>
public static partial class ProblemAnswers
{
    public const string ContentType = "application/problem+json";

    /// <summary>Registers the problem details service and the handler of anything a service does not handle itself.</summary>
    public static IServiceCollection AddProblemAnswers(this IServiceCollection services)
    {
        services.AddProblemDetails();
        // Registered last, so that a service's own handlers (the API's refusals) are asked first.
        services.AddExceptionHandler<UnreadableOrFailedHandler>();
        return services;
    }

    /// <summary>
    /// The exception handler and status code pages; put first in the pipeline. <paramref name="detailFor"/> may give a
    /// service's own sentence for a status (for example why a token was refused); otherwise a general one is used.
    /// </summary>
    public static WebApplication UseProblemAnswers(this WebApplication app, Func<HttpContext, Task<string?>>? detailFor = null)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(async pages =>
        {
            var context = pages.HttpContext;
            var status = context.Response.StatusCode;
            var detail = (detailFor is null ? null : await detailFor(context)) ?? DetailFor(status);
            await WriteAsync(context, status, TitleFor(status), detail);
        });
        return app;
    }

    /// <summary>Writes a problem document with this status, whatever the request's Accept header says.</summary>
    public static Task WriteAsync(HttpContext context, int status, string title, string? detail, IDictionary<string, string[]>? errors = null)
    {
        ProblemDetails problem = errors is { Count: > 0 }
            ? new HttpValidationProblemDetails(errors) { Status = status, Title = title, Detail = detail }
            : new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }
        context.Response.StatusCode = status;
        // Through the problem details service when the client accepts JSON; written as JSON all the same when it does not.
        return TypedResults.Problem(problem).ExecuteAsync(context);
    }

    /// <summary>A title for a status, as RFC 9110 names it.</summary>
    public static string TitleFor(int status) => ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";

    /// <summary>What a refusal with this status means for someone using Lab, in a sentence.</summary>
    public static string? DetailFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request could not be read.",
        StatusCodes.Status401Unauthorized => "This needs a token: send 'Authorization: Bearer lab_...' with a personal access token.",
        StatusCodes.Status403Forbidden => "Your token does not allow this.",
        StatusCodes.Status404NotFound => "There is nothing at this address.",
        StatusCodes.Status405MethodNotAllowed => "This address does not take that method; the Allow header lists those it takes.",
        StatusCodes.Status406NotAcceptable => "This address answers only in the formats it offers (JSON for the API).",
        StatusCodes.Status408RequestTimeout => "The request took too long to arrive.",
        StatusCodes.Status413PayloadTooLarge => "The body is larger than this address accepts.",
        StatusCodes.Status415UnsupportedMediaType => "This address does not take a body of that content type (the API takes application/json).",
        StatusCodes.Status429TooManyRequests => "Too many requests: wait a moment (see Retry-After) and try again.",
        StatusCodes.Status431RequestHeaderFieldsTooLarge => "The request's headers are too large.",
        StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout =>
            "A part of the lab is not answering right now; nothing was changed. Try again in a few seconds.",
        >= 500 => "The request failed; nothing was changed. The service log has the details.",
        _ => null,
    };

    /// <summary>
    /// What no service handles itself: a request the framework could not read gets its status (400, 408, 413, 415...)
    /// with a general sentence (the framework's own messages name parameter types); anything else is a 500.
    /// </summary>
    private sealed partial class UnreadableOrFailedHandler(ILogger<UnreadableOrFailedHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            var status = exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
            if (status >= 500)
            {
                LogFailed(logger, exception, context.Request.Method, context.Request.Path);
            }
            await WriteAsync(context, status, status >= 500 ? "Something went wrong" : TitleFor(status), DetailFor(status));
            return true;
        }

        [LoggerMessage(Level = LogLevel.Error, Message = "Request {Method} {Path} failed")]
        private static partial void LogFailed(ILogger logger, Exception exception, string method, PathString path);
    }
}
