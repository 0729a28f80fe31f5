using System.Text.Json.Serialization;
using Lab.Contracts;
using Lab.Grains;
using Lab.Knowledge;
using Lab.ServiceDefaults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Lab.Api.Infrastructure;

public static class ApiServiceExtensions
{
    /// <summary>Largest request body the API reads; every field Lab accepts is far smaller.</summary>
    public const long MaxRequestBodyBytes = LabServices.MaxRequestBodyBytes;

    /// <summary>Operating the lab (nodes, departed members' tokens): the only actions not every member may take.</summary>
    public const string OperatorPolicy = "operator";

    /// <summary>Someone holding an invitation code, who may do one thing: join.</summary>
    public const string InviteePolicy = "invitee";

    public static WebApplicationBuilder AddLabApi(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(LabServices.Database);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"The API needs a PostgreSQL database: set ConnectionStrings__{LabServices.Database} (or run everything with 'lab up').");
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.Services.AddLabKnowledge(connectionString);
        builder.Services.AddLabGrains();
        builder.AddLabSilo(connectionString);
        builder.Services.AddHostedService<BootstrapService>();
        builder.Services.Configure<RunFilesOptions>(builder.Configuration.GetSection(RunFilesOptions.Section));
        builder.Services.AddSingleton<RunFileStore>();
        builder.Services.AddSingleton<RunEventsFeed>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RunEventsFeed>());

        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddProblemAnswers();
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            ApiJson.Apply(options.SerializerOptions);
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        builder.Services.AddApiDocs();
        builder.Services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser().RequireClaim(TokenAuthenticationHandler.MemberClaim).Build())
            .AddPolicy(OperatorPolicy, policy => policy.RequireClaim(TokenAuthenticationHandler.MemberClaim).RequireRole(TokenAuthenticationHandler.OperatorRole))
            .AddPolicy(InviteePolicy, policy => policy.RequireClaim(TokenAuthenticationHandler.InvitationClaim));
        builder.Services.AddLabWriteRateLimits();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }

    public static WebApplication UseLabApi(this WebApplication app)
    {
        app.UseSecurityHeaders(ApiDocs.ContentSecurityPolicy);
        app.UseProblemAnswers(RefusalDetail);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter(); // after authentication: writes are counted per token
        return app;
    }

    /// <summary>Why a token was refused (401) or what it lacks (403), in the caller's terms.</summary>
    private static async Task<string?> RefusalDetail(HttpContext context)
    {
        switch (context.Response.StatusCode)
        {
            case StatusCodes.Status401Unauthorized:
                // The handler's result for this request is cached: this reads why it failed, without a second lookup.
                return (await context.AuthenticateAsync(TokenAuthenticationHandler.SchemeName)).Failure?.Message;
            case StatusCodes.Status403Forbidden:
                var policies = context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy) ?? [];
                return policies.Contains(OperatorPolicy) ? "Only the lab's operators may do this."
                    : policies.Contains(InviteePolicy) ? "Joining takes an invitation code as the bearer token, not a member's token."
                    : "Invitation codes are good for joining (POST /api/v1/join) and nothing else.";
            default:
                return null;
        }
    }
}
