using Lab.ServiceDefaults;
using Scalar.AspNetCore;

namespace Lab.Api.Infrastructure;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c> and a browsable reference at <c>/scalar</c>, which loads nothing
/// from outside the lab (no fonts from a CDN, no telemetry, no chat agent): a lab may run where nothing outside is reachable.
/// </summary>
public static class ApiDocs
{
    public const string ReferencePath = "/scalar";

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(ReferencePath, options => options
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .WithNonce())
            .AllowAnonymous();
        return app;
    }

    /// <summary>
    /// The API answers data, which loads nothing; the reference page runs Scalar's own scripts (its inline start-up script
    /// carries the nonce Scalar makes for each request) and the styles Scalar injects as it renders.
    /// </summary>
    public static string ContentSecurityPolicy(HttpContext context) =>
        context.Request.Path.StartsWithSegments(ReferencePath) && context.Items[ScalarOptions.NonceHttpContextItemKey] is string nonce
            ? $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
              "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
            : SecurityHeaders.DataPolicy;
}
