using Lab.Contracts;

namespace Lab.Worker;

public static class WorkerServiceExtensions
{
    public static WebApplicationBuilder AddLabWorker(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<WorkerOptions>(builder.Configuration.GetSection(WorkerOptions.Section));
        builder.Services.AddSingleton<NodeIdentity>();
        builder.Services.AddSingleton<HeartbeatStatus>();
        var token = builder.Configuration[$"{WorkerOptions.Section}:Token"];
        builder.Services.AddHttpClient<PoolClient>(http =>
        {
            http.BaseAddress = LabServices.DiscoveryUri(LabServices.Api);
            if (!string.IsNullOrWhiteSpace(token))
            {
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }
        });
        builder.Services.AddHostedService<HeartbeatService>();
        builder.Services.AddHealthChecks().AddCheck<HeartbeatHealthCheck>("pool-heartbeat");
        return builder;
    }
}

public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>The node's name in the pool; the machine name when unset.</summary>
    public string? NodeName { get; set; }

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An operator's access token: registering a node is operating the lab.</summary>
    public string? Token { get; set; }
}
