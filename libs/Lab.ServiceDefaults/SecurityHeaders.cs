using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Lab.ServiceDefaults;

/// <summary>
/// The headers that tell a browser how little to trust a Lab answer: no guessing of content types
/// (<c>X-Content-Type-Options: nosniff</c>), no framing by other sites (<c>X-Frame-Options</c> and the policy's
/// <c>frame-ancestors</c>), no referrer sent anywhere, and a Content-Security-Policy that lets a page load only what it
/// needs. Each is added only when the answer does not already carry it, so the gateway leaves the services' own alone.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>For answers that are data, never a page (JSON, problem documents, health): nothing loads, nothing frames them.</summary>
    public const string DataPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>Security headers on every answer, with the Content-Security-Policy <paramref name="policyFor"/> gives it.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app, Func<HttpContext, string> policyFor)
    {
        app.Use((context, next) =>
        {
            // Decided when the answer starts, so that a policy can depend on what the endpoint did (a script nonce).
            context.Response.OnStarting(() =>
            {
                Add(context.Response.Headers, policyFor(context));
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }

    /// <summary>Security headers on every answer, all with the same Content-Security-Policy.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app, string policy) => app.UseSecurityHeaders(_ => policy);

    private static void Add(IHeaderDictionary headers, string policy)
    {
        headers.TryAdd("X-Content-Type-Options", "nosniff");
        headers.TryAdd("X-Frame-Options", "DENY");
        headers.TryAdd("Referrer-Policy", "no-referrer");
        headers.TryAdd("Content-Security-Policy", policy);
    }
}
