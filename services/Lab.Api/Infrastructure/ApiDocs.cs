using Lab.ServiceDefaults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Lab.Api.Infrastructure;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>, which declares how every operation is authenticated (a bearer token),
/// and a browsable reference at <c>/scalar</c> whose "try it" sends the token pasted into it. The reference loads nothing
/// from outside the lab (no fonts from a CDN, no telemetry, no chat agent, no button that opens Scalar's hosted client):
/// a lab may run where nothing outside is reachable. A link in its header leads back to the portal.
/// </summary>
public static class ApiDocs
{
    public const string ReferencePath = "/scalar";

    /// <summary>The name of the bearer scheme in the document (<c>components.securitySchemes</c>).</summary>
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddApiDocs(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            DeclareBearerScheme(document);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            // The document's requirement holds for every operation, except one that anybody may call.
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any())
            {
                operation.Security = [];
            }
            return Task.CompletedTask;
        });
    });

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(ReferencePath, options => options
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp()
                .HideClientButton()
                .AddPreferredSecuritySchemes([BearerScheme])
                .AddHeaderContent("""<nav class="lab-back"><a href="/" id="back-to-portal">← Back to the Lab portal</a></nav>""")
                .WithCustomCss(".lab-back { padding: .6rem 1.2rem; font: 14px system-ui, sans-serif; border-bottom: 1px solid var(--scalar-border-color, #ddd); }")
                .WithNonce())
            .AllowAnonymous();
        return app;
    }

    /// <summary>Every operation takes a personal access token as a bearer token: the scheme, and the requirement on the whole document.</summary>
    private static void DeclareBearerScheme(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "lab_...",
            Description = "A personal access token (lab_...): lab up prints the first member's; members create more on their profile " +
                          "page in the portal or with POST /api/v1/me/tokens. Joining (POST /api/v1/join) takes an invitation code instead.",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
    }

    /// <summary>
    /// The API answers data, which loads nothing; the reference page runs Scalar's own scripts (its inline start-up script
    /// carries the nonce Scalar makes for each request) and the styles Scalar injects as it renders; the operators'
    /// dashboard runs its own script and styles.
    /// </summary>
    public static string ContentSecurityPolicy(HttpContext context) =>
        context.Request.Path.StartsWithSegments(ReferencePath) && context.Items[ScalarOptions.NonceHttpContextItemKey] is string nonce
            ? $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
              "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
            : context.Request.Path.StartsWithSegments(OperatorDashboard.Path) ? OperatorDashboard.ContentSecurityPolicy
            : SecurityHeaders.DataPolicy;
}
