using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Lab.ServiceDefaults;

/// <summary>
/// The settings every Lab service shares, in the shape .NET Aspire expects: OpenTelemetry
/// (exported only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), <c>/health</c> and
/// <c>/alive</c>, service discovery from <c>services__name__http__0</c>, and resilient HTTP clients.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";
    private const string LiveTag = "live";

    /// <summary>Sources that Lab's own code and its libraries emit traces and metrics under.</summary>
    public static readonly string[] TraceSources = ["Lab", "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Npgsql", "Marten"];
    public static readonly string[] MeterSources = ["Lab", "Microsoft.Orleans", "Npgsql", "Marten"];

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        // No "Server: Kestrel" on every answer: what serves the lab is nobody's business.
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    /// <summary>
    /// Traces, metrics and logs for an OpenTelemetry collector (the Aspire dashboard sets
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>). Without a collector nothing is collected: every request would otherwise
    /// build and tag activities (several per request through the gateway) that nobody reads.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(MeterSources))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TraceSources)
                .AddAspNetCoreInstrumentation(aspnet =>
                    aspnet.Filter = context => !IsHealthRequest(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .UseOtlpExporter();
        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// <c>/health</c>: every check, as JSON (or as <paramref name="healthWriter"/> writes it); <c>/alive</c>: only the process itself.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app, Func<HttpContext, HealthReport, Task>? healthWriter = null)
    {
        app.MapHealthChecks(HealthPath, new HealthCheckOptions { ResponseWriter = healthWriter ?? HealthReportWriter.WriteAsync })
            .AllowAnonymous();
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) })
            .AllowAnonymous();
        return app;
    }

    private static bool IsHealthRequest(PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath);
}
