using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Lab.Contracts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Lab.Api.Infrastructure;

/// <summary>
/// Writes (POST, PUT, PATCH, DELETE under <c>/api/v1</c>) are limited per token, the same bound for every token
/// (<see cref="LabBounds.MaxWritesPerWindow"/>), so one member's runaway script slows nobody else; reads are not limited.
/// A refused write gets 429 problem details and <c>Retry-After</c>. Each API process counts its own writes.
/// </summary>
public static class WriteRateLimits
{
    /// <summary>The window slides in this many steps: a burst is forgotten a sixth of a window at a time.</summary>
    private const int Segments = 6;

    public static IServiceCollection AddLabWriteRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<LabBounds>>((options, bounds) =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, bounds.Value));
            options.OnRejected = (rejected, cancellationToken) => RefuseAsync(rejected, bounds.Value);
        });
        return services;
    }

    private static RateLimitPartition<string> Partition(HttpContext context, LabBounds bounds)
    {
        var writer = IsWrite(context.Request) ? WriterOf(context.User) : null;
        return writer is null
            ? RateLimitPartition.GetNoLimiter("")
            : RateLimitPartition.GetSlidingWindowLimiter(writer, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = bounds.MaxWritesPerWindow,
                Window = bounds.WriteWindow,
                SegmentsPerWindow = Segments,
                QueueLimit = 0,
                AutoReplenishment = true,
            });
    }

    private static bool IsWrite(HttpRequest request) =>
        request.Path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase) &&
        (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method) || HttpMethods.IsDelete(request.Method));

    /// <summary>The token (or invitation) that writes; null for a request nobody authenticated, which authorization refuses anyway.</summary>
    private static string? WriterOf(ClaimsPrincipal user) =>
        user.FindFirstValue(TokenAuthenticationHandler.TokenClaim) is { } token ? "token:" + token
        : user.FindFirstValue(TokenAuthenticationHandler.InvitationClaim) is { } invitation ? "invitation:" + invitation
        : null;

    private static async ValueTask RefuseAsync(OnRejectedContext rejected, LabBounds bounds)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : bounds.WriteWindow / Segments;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many writes",
                Detail = string.Create(CultureInfo.InvariantCulture,
                    $"This token has made {bounds.MaxWritesPerWindow} writes within {LabBounds.Describe(bounds.WriteWindow)}, the lab's bound for every token. Retry in {seconds} s; reading is not limited."),
            },
        });
    }
}
