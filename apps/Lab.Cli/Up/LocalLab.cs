using System.Globalization;
using Lab.Api;
using Lab.Api.Infrastructure;
using Lab.Clustering;
using Lab.Contracts;
using Lab.Gateway;
using Lab.Hosting;
using Lab.Portal;
using Lab.Worker;
using Microsoft.AspNetCore.Builder;

namespace Lab.Cli.Up;

/// <summary>
/// Every Lab service in this one process, each on its own free loopback port, wired the way Aspire and
/// Kubernetes wire their separate processes (<c>ConnectionStrings__lab</c>, <c>services__name__http__0</c>),
/// behind the gateway on the one port people open.
/// </summary>
public sealed class LocalLab : IAsyncDisposable
{
    /// <summary>The first member's token, in Lab's data folder, readable only by its owner.</summary>
    public const string FirstMemberTokenFile = "first-member.token";

    /// <summary>The silo's port, kept so that a restart after a crash takes over the old silo's place at once.</summary>
    public const string SiloPortFile = "silo.port";

    private readonly List<WebApplication> _started = [];
    private EmbeddedPostgres? _postgres;

    private LocalLab(string url) => Url = url;

    public string Url { get; }

    /// <summary>The API's own address, behind the gateway (benchmarks compare the two).</summary>
    public string ApiUrl { get; private set; } = "";

    /// <summary>The first member's token.</summary>
    public string Token { get; private set; } = "";

    public string DataDescription { get; private set; } = "";
    public List<string> LoginLines { get; } = [];

    public static async Task<LocalLab> StartAsync(LocalLabOptions options, IProgress<string> progress, CancellationToken cancellationToken)
    {
        EnsurePortFree(options.Port);
        var lab = new LocalLab($"http://localhost:{options.Port}");
        try
        {
            var connectionString = await lab.DatabaseAsync(options, progress, cancellationToken);
            var endpoints = new Dictionary<string, string>
            {
                [LabServices.Api] = $"http://127.0.0.1:{FreePort.Next()}",
                [LabServices.Worker] = $"http://127.0.0.1:{FreePort.Next()}",
                [LabServices.Portal] = $"http://127.0.0.1:{FreePort.Next()}",
                [LabServices.Gateway] = $"http://127.0.0.1:{options.Port}",
            };
            var settings = SharedSettings(connectionString, endpoints, options.Verbose);
            foreach (var (key, value) in options.Settings)
            {
                settings[key] = value;
            }
            settings[LabCluster.Keys.CertificatePath] = ClusterCertificate.EnsureFile(options.DataDirectory);
            settings[LabCluster.Keys.SiloPort] = FreePort.Remembered(Path.Combine(options.DataDirectory, SiloPortFile)).ToString(CultureInfo.InvariantCulture);
            // The API serves runs' checkpoints and training logs from where the worker keeps them.
            settings["Lab:RunFiles:Root"] = Path.Combine(options.DataDirectory, "checkpoints");

            progress.Report("Starting the API and its Orleans silo (applies the database schema)");
            lab.ApiUrl = endpoints[LabServices.Api];
            var api = await lab.StartServiceAsync("Lab.Api", endpoints[LabServices.Api], settings, ApiService.Build, cancellationToken);
            progress.Report("Making sure the lab has a first member who can log in");
            var login = await FirstMember.EnsureAsync(api.Services, Path.Combine(options.DataDirectory, FirstMemberTokenFile), Environment.UserName, cancellationToken);
            lab.Token = login.Token;
            lab.LoginLines.Add($"Log in as  @{login.Member.Handle} with the token {login.Token}");
            lab.LoginLines.Add($"           (kept in {Path.Combine(options.DataDirectory, FirstMemberTokenFile)}; API calls take it as 'Authorization: Bearer ...')");
            if (options.TokenFile is not null)
            {
                await FirstMember.WritePrivateAsync(options.TokenFile, login.Token, cancellationToken);
                lab.LoginLines.Add($"Token file {Path.GetFullPath(options.TokenFile)}");
            }
            settings["Worker:Token"] = login.Token;
            settings["Worker:CheckpointRoot"] = Path.Combine(options.DataDirectory, "checkpoints");
            progress.Report(options.Workers == 1 ? "Starting the worker with this machine's devices" : $"Starting {options.Workers} workers, each a node with this machine's devices");
            await lab.StartServiceAsync("Lab.Worker", endpoints[LabServices.Worker], settings, WorkerService.Build, cancellationToken);
            for (var node = 2; node <= options.Workers; node++)
            {
                var another = new Dictionary<string, string?>(settings)
                {
                    ["Worker:NodeName"] = $"{(settings.GetValueOrDefault("Worker:NodeName") is { Length: > 0 } name ? name : Environment.MachineName)}-{node}",
                };
                await lab.StartServiceAsync("Lab.Worker", $"http://127.0.0.1:{FreePort.Next()}", another, WorkerService.Build, cancellationToken);
            }
            progress.Report("Starting the portal");
            await lab.StartServiceAsync("Lab.Portal", endpoints[LabServices.Portal], settings, PortalService.Build, cancellationToken);
            progress.Report($"Starting the gateway on port {options.Port}");
            await lab.StartServiceAsync("Lab.Gateway", $"http://localhost:{options.Port}", settings, GatewayService.Build, cancellationToken);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Watches what the lab runs itself (its PostgreSQL) and starts it again when it stops unexpectedly.</summary>
    public void Supervise(IProgress<string> notices) => _postgres?.Supervise(notices);

    public async ValueTask DisposeAsync()
    {
        await InProcessService.StopAllAsync(_started);
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
            _postgres = null;
        }
    }

    private async Task<string> DatabaseAsync(LocalLabOptions options, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var given = Environment.GetEnvironmentVariable($"ConnectionStrings__{LabServices.Database}");
        if (!string.IsNullOrWhiteSpace(given))
        {
            DataDescription = $"the database named by ConnectionStrings__{LabServices.Database}";
            return given;
        }
        progress.Report($"Starting PostgreSQL (data in {options.DataDirectory})");
        Directory.CreateDirectory(options.DataDirectory);
        _postgres = await EmbeddedPostgres.StartAsync(options.DataDirectory, progress, cancellationToken);
        DataDescription = options.DataDirectory;
        return _postgres.ConnectionString;
    }

    private async Task<WebApplication> StartServiceAsync(
        string name,
        string url,
        Dictionary<string, string?> settings,
        Func<WebApplicationBuilder, WebApplication> build,
        CancellationToken cancellationToken)
    {
        var app = await InProcessService.StartAsync(name, url, settings, build, cancellationToken);
        _started.Add(app);
        return app;
    }

    private static Dictionary<string, string?> SharedSettings(string connectionString, Dictionary<string, string> endpoints, bool verbose)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{LabServices.Database}"] = connectionString,
            ["Logging:LogLevel:Default"] = verbose ? "Information" : "Warning",
            ["Logging:LogLevel:Orleans"] = verbose ? "Information" : "Error",
            ["Logging:LogLevel:Microsoft.Orleans"] = verbose ? "Information" : "Error",
            ["Logging:LogLevel:Marten"] = verbose ? "Information" : "Error",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = verbose ? "Information" : "Warning",
            // The portal's key ring sits unencrypted in the lab's own database, which data protection warns of at every new key.
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
        };
        foreach (var (service, url) in endpoints)
        {
            settings[LabServices.EndpointKey(service)] = url;
        }
        return settings;
    }

    private static void EnsurePortFree(int port)
    {
        try
        {
            using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            probe.Start();
        }
        catch (System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException($"Port {port} is already in use. Choose another with --port.");
        }
    }
}
