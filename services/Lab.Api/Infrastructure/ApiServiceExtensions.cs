using System.Text.Json.Serialization;
using Lab.Contracts;
using Lab.Grains;
using Lab.Knowledge;
using Scalar.AspNetCore;

namespace Lab.Api.Infrastructure;

public static class ApiServiceExtensions
{
    /// <summary>Largest request body the API reads; every field Lab accepts is far smaller.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

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
        builder.Services.AddSingleton<RunEventsFeed>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RunEventsFeed>());

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        builder.Services.AddOpenApi();
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
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter(); // after authentication: writes are counted per token
        return app;
    }

    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and a browsable reference at <c>/scalar</c>.</summary>
    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference().AllowAnonymous();
        return app;
    }
}
