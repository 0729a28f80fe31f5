using Lab.Contracts;

namespace Lab.Worker;

public static class WorkerServiceExtensions
{
    public static WebApplicationBuilder AddLabWorker(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<WorkerOptions>(builder.Configuration.GetSection(WorkerOptions.Section));
        builder.Services.AddSingleton<NodeIdentity>();
        builder.Services.AddSingleton<HeartbeatStatus>();
        builder.Services.AddHttpClient<PoolClient>(http => http.BaseAddress = LabServices.DiscoveryUri(LabServices.Api));
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
}
