using Lab.Client;
using Lab.Contracts;

namespace Lab.Worker;

public static class WorkerServiceExtensions
{
    public static WebApplicationBuilder AddLabWorker(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<WorkerOptions>()
            .Bind(builder.Configuration.GetSection(WorkerOptions.Section))
            .Validate(o => o.CpuDevices >= 1 && o.CpuDevices <= WorkerOptions.MaxCpuDevices,
                $"Worker:CpuDevices is 1 to the number of cores ({WorkerOptions.MaxCpuDevices} here)")
            .ValidateOnStart();
        builder.Services.AddSingleton<NodeIdentity>();
        builder.Services.AddSingleton<HeartbeatStatus>();
        builder.Services.AddSingleton<RunData>();
        builder.Services.AddSingleton<RunSupervisor>();
        var token = builder.Configuration[$"{WorkerOptions.Section}:Token"];
        // The pool's side of the API, as the operator whose token the worker holds: registering a node is operating the lab.
        builder.Services.AddHttpClient<LabClient>(http =>
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

    /// <summary>
    /// The command that runs the training engine, e.g. <c>dotnet /opt/lab/lab.dll</c> or <c>/usr/local/bin/lab</c>
    /// (<c>train ...</c> is appended). Unset, the worker runs its own program, which has the same <c>train</c> command.
    /// </summary>
    public string? TrainCommand { get; set; }

    /// <summary>Where runs keep their configuration and checkpoints (one folder per run); shared by all nodes where possible.</summary>
    public string? CheckpointRoot { get; set; }

    /// <summary>
    /// Whether training processes run in their sandbox: as a user of their own when the worker is root, with a clean
    /// environment and a memory bound (see <see cref="TrainingSandbox"/>). On by default.
    /// </summary>
    public bool Sandbox { get; set; } = true;

    /// <summary>The memory one training process may allocate, in bytes (three quarters of the machine's when unset).</summary>
    public long? RunMemoryLimit { get; set; }

    /// <summary>How large a run's training log may grow (all its placements); it stops there, saying so. 64 MiB.</summary>
    public long TrainingLogMaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How long a run asked to stop may take to checkpoint before it is killed.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// On a node without GPUs, how many devices its CPU is offered as (each with its share of the cores and memory), so
    /// that several runs share the machine at once; one by default. GPU nodes offer one device per GPU whatever it says.
    /// </summary>
    public int CpuDevices { get; set; } = 1;

    /// <summary>The most CPU devices this machine can offer: one per core, and no more than a node may offer the pool.</summary>
    public static int MaxCpuDevices => Math.Min(Environment.ProcessorCount, Lab.Contracts.Pool.PoolRules.MaxDevicesPerNode);
}
