using System.Diagnostics;
using System.Net.Http.Headers;
using Lab.Api;
using Lab.Api.Infrastructure;
using Lab.Clustering;
using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Contracts.Researchers;
using Lab.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Lab.Cli.Bench;

/// <summary>What <c>lab bench grains</c> measures.</summary>
public sealed record GrainsBenchResult(
    double CallsPerS,
    double CrossSiloCallsPerS,
    double CrossOverLocal,
    double ClientCallsPerS,
    double ClientOverLocal,
    double LocalP50Ms,
    double LocalP99Ms,
    double CrossSiloP50Ms,
    double CrossSiloP99Ms,
    double ClientP50Ms,
    double ClientP99Ms,
    int Grains,
    int Concurrency,
    double Seconds);

/// <summary>
/// Grain calls: from inside a silo to grains active on that silo, to grains active on another silo of the same cluster
/// (over the cluster's TLS connection), and from outside through the API (an HTTP request whose answer is one grain
/// call). Two API replicas of a lab of their own run in this process on one throwaway PostgreSQL, as separate silos.
/// </summary>
public static class GrainsBench
{
    public static async Task<GrainsBenchResult> RunAsync(int grainCount, int concurrency, TimeSpan duration, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"lab-bench-grains-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(folder);
        List<WebApplication> silos = [];
        EmbeddedPostgres? postgres = null;
        try
        {
            postgres = await EmbeddedPostgres.StartAsync(folder, progress, cancellationToken);
            var certificate = ClusterCertificate.EnsureFile(folder);
            var token = "lab_" + Guid.NewGuid().ToString("N") + "bench";
            for (var i = 0; i < 2; i++)
            {
                progress.Report($"Starting silo {i + 1} of 2");
                silos.Add(await InProcessService.StartAsync("Lab.Api", $"http://127.0.0.1:{FreePort.Next()}", new Dictionary<string, string?>
                {
                    [$"ConnectionStrings:{LabServices.Database}"] = postgres.ConnectionString,
                    [LabCluster.Keys.CertificatePath] = certificate,
                    ["Lab:Bootstrap:Token"] = i == 0 ? token : null,
                    ["Logging:LogLevel:Default"] = "Warning",
                    ["Logging:LogLevel:Orleans"] = "Error",
                }, ApiService.Build, cancellationToken));
            }
            var grains = silos[0].Services.GetRequiredService<IGrainFactory>();
            var management = grains.GetGrain<IManagementGrain>(0);
            while ((await management.GetHosts(onlyActive: true)).Count < 2)
            {
                await Task.Delay(200, cancellationToken);
            }

            progress.Report($"Proposing {grainCount} ideas");
            var member = Guid.CreateVersion7();
            await grains.GetGrain<IResearcherGrain>(member).Join(new JoinLab("bench-" + Guid.NewGuid().ToString("N")[..8], "Bench"), operatesLab: false);
            // Proposed from each silo in turn: placement prefers the calling silo when the two are alike, and either
            // silo alone may otherwise take every one of them while the other's load figures are not in yet.
            var ideas = new List<Guid>();
            for (var i = 0; i < grainCount; i++)
            {
                var id = Guid.CreateVersion7();
                var proposer = silos[i % silos.Count].Services.GetRequiredService<IGrainFactory>();
                await proposer.GetGrain<IIdeaGrain>(id).Propose(new ProposeIdea($"Bench idea {i}", "Called by the grain benchmark."), member);
                ideas.Add(id);
            }
            var here = ((Orleans.Runtime.ILocalSiloDetails)silos[0].Services.GetRequiredService(typeof(Orleans.Runtime.ILocalSiloDetails))).SiloAddress;
            var placed = (await management.GetDetailedGrainStatistics())
                .Where(s => s.GrainType.Split(',')[0].EndsWith(".IdeaGrain", StringComparison.Ordinal))
                .ToDictionary(s => s.GrainId.ToString(), s => s.SiloAddress.Equals(here));
            var local = ideas.Where(i => placed.GetValueOrDefault($"idea/{i:N}", false)).ToList();
            var remote = ideas.Where(i => placed.TryGetValue($"idea/{i:N}", out var isLocal) && !isLocal).ToList();
            if (local.Count == 0 || remote.Count == 0)
            {
                throw new InvalidOperationException($"The ideas did not spread over both silos ({local.Count} here, {remote.Count} there); run again with more of them.");
            }

            progress.Report($"Calling grains in the silo ({local.Count} here, {remote.Count} on the other silo)");
            var localCalls = await MeasureAsync(n => grains.GetGrain<IIdeaGrain>(local[n % local.Count]).Get(), concurrency, duration, cancellationToken);
            progress.Report("Calling grains on the other silo");
            var crossCalls = await MeasureAsync(n => grains.GetGrain<IIdeaGrain>(remote[n % remote.Count]).Get(), concurrency, duration, cancellationToken);
            progress.Report("Calling a grain through the API");
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(InProcessService.AddressOf(silos[0])) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var clientCalls = await MeasureAsync(async _ =>
            {
                using var response = await http.GetAsync("/api/v1/me", cancellationToken);
                response.EnsureSuccessStatusCode();
                return response;
            }, concurrency, duration, cancellationToken);

            return new GrainsBenchResult(
                Math.Round(localCalls.Rate), Math.Round(crossCalls.Rate), Math.Round(crossCalls.Rate / localCalls.Rate, 3),
                Math.Round(clientCalls.Rate), Math.Round(clientCalls.Rate / localCalls.Rate, 4),
                localCalls.P(0.5), localCalls.P(0.99), crossCalls.P(0.5), crossCalls.P(0.99), clientCalls.P(0.5), clientCalls.P(0.99),
                grainCount, concurrency, duration.TotalSeconds);
        }
        finally
        {
            await InProcessService.StopAllAsync(silos);
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // In the temporary folder anyway.
            }
        }
    }

    private static async Task<Measured> MeasureAsync<T>(Func<int, Task<T>> call, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var latencies = new List<double>[concurrency];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = [];
            for (var n = worker; clock.Elapsed < duration && !cancellationToken.IsCancellationRequested; n += concurrency)
            {
                var started = Stopwatch.GetTimestamp();
                await call(n);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }, cancellationToken)));
        return new Measured([.. latencies.SelectMany(l => l).Order()], clock.Elapsed.TotalSeconds);
    }

    private sealed record Measured(List<double> Sorted, double Seconds)
    {
        public double Rate => Sorted.Count / Seconds;

        public double P(double p) => Math.Round(Sorted[Math.Min(Sorted.Count - 1, (int)(Sorted.Count * p))], 3);
    }
}
