using Lab.Contracts;
using Lab.ServiceDefaults;

namespace Lab.Gateway;

public static class GatewayServiceExtensions
{
    public static WebApplicationBuilder AddLabGateway(this WebApplicationBuilder builder)
    {
        using (var routes = typeof(GatewayServiceExtensions).Assembly.GetManifestResourceStream("Lab.Gateway.gateway.json")
            ?? throw new InvalidOperationException("The gateway's routes (gateway.json) are missing from its assembly."))
        {
            // Routes first, so that anything the environment sets still overrides them.
            var routeConfiguration = new ConfigurationBuilder().AddJsonStream(routes).Build();
            builder.Configuration.AddConfiguration(routeConfiguration);
        }
        builder.Configuration.AddInMemoryCollection(DestinationsFromServiceEndpoints(builder.Configuration));

        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
        builder.Services.AddProblemAnswers();
        builder.Services.AddSingleton(AllowedHosts.From(builder.Configuration));
        builder.Services.AddSingleton(RequestBodyLimit.From(builder.Configuration));
        builder.Services.AddSingleton<GatewayHealth>();

        var health = builder.Services.AddHealthChecks();
        foreach (var service in builder.Configuration.GetSection("Gateway:HealthOf").Get<string[]>() ?? [])
        {
            if (!string.IsNullOrWhiteSpace(builder.Configuration[LabServices.EndpointKey(service)]))
            {
                health.AddTypeActivatedCheck<DownstreamHealthCheck>(service, service);
            }
        }
        // A health probe must report what it sees now, quickly: no retries, no circuit breaker.
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient(DownstreamHealthCheck.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(5))
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        return builder;
    }

    /// <summary>
    /// Each proxy cluster sends to the service of the same name, at the address Aspire's convention
    /// gives it (<c>services__api__http__0</c>), unless a destination is configured explicitly.
    /// </summary>
    private static Dictionary<string, string?> DestinationsFromServiceEndpoints(IConfiguration configuration)
    {
        var destinations = new Dictionary<string, string?>();
        foreach (var cluster in configuration.GetSection("ReverseProxy:Clusters").GetChildren())
        {
            var address = configuration[LabServices.EndpointKey(cluster.Key)];
            if (!cluster.GetSection("Destinations").Exists() && !string.IsNullOrWhiteSpace(address))
            {
                destinations[$"ReverseProxy:Clusters:{cluster.Key}:Destinations:{cluster.Key}:Address"] = address;
            }
        }
        return destinations;
    }
}
