using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Cli.Up;
using Lab.Hosting;

namespace Lab.Cli.Bench;

/// <summary>What <c>lab bench gateway</c> measures: each figure for a read and for a streamed answer.</summary>
public sealed record GatewayBenchResult(
    double DirectRps,
    double GatewayRps,
    double GatewayOverDirect,
    double DirectP50Ms,
    double DirectP99Ms,
    double GatewayP50Ms,
    double GatewayP99Ms,
    double AddedP50Ms,
    double AddedP99Ms,
    double StreamDirectRps,
    double StreamGatewayRps,
    double StreamGatewayOverDirect,
    double StreamAddedP50Ms,
    double StreamAddedP99Ms,
    int Connections,
    double SecondsPerPhase,
    int Rounds,
    long Requests,
    long Errors);

/// <summary>
/// The gateway's cost, measured against the API itself in the same run: a lab of its own (as <c>lab up</c> starts it,
/// in a throwaway data folder), the same requests sent straight to the API and through the gateway, in alternating
/// phases so that both see the same machine. The load comes from this process, with a fixed number of connections
/// each sending one request after another.
/// </summary>
public static class GatewayBench
{
    private const string Read = "/api/v1/ideas?limit=20";

    public static async Task<GatewayBenchResult> RunAsync(int connections, TimeSpan phase, int rounds, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"lab-bench-gateway-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(folder);
        try
        {
            await using var lab = await LocalLab.StartAsync(new LocalLabOptions(FreePort.Next(), folder, null, Verbose: false), progress, cancellationToken);
            progress.Report("Writing what the requests read");
            var stream = await SeedAsync(lab, cancellationToken);
            using var direct = Client(lab.ApiUrl, lab.Token, connections);
            using var gateway = Client(lab.Url, lab.Token, connections);

            var phases = new Dictionary<string, Phase>();
            foreach (var (name, client, path) in new[] { ("read direct", direct, Read), ("read gateway", gateway, Read), ("stream direct", direct, stream), ("stream gateway", gateway, stream) })
            {
                progress.Report($"Warming up: {name}");
                await MeasureAsync(client, path, connections, TimeSpan.FromSeconds(1), cancellationToken);
                phases[name] = new Phase();
            }
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var (name, client, path) in new[] { ("read direct", direct, Read), ("read gateway", gateway, Read), ("stream direct", direct, stream), ("stream gateway", gateway, stream) })
                {
                    progress.Report($"Round {round} of {rounds}: {name} ({connections} connections, {phase.TotalSeconds:0} s)");
                    phases[name].Add(await MeasureAsync(client, path, connections, phase, cancellationToken));
                }
            }
            var (readDirect, readGateway, streamDirect, streamGateway) = (phases["read direct"], phases["read gateway"], phases["stream direct"], phases["stream gateway"]);
            return new GatewayBenchResult(
                Round(readDirect.Rps), Round(readGateway.Rps), Round(readGateway.Rps / readDirect.Rps, 3),
                Round(readDirect.Percentile(0.5), 3), Round(readDirect.Percentile(0.99), 3),
                Round(readGateway.Percentile(0.5), 3), Round(readGateway.Percentile(0.99), 3),
                Round(readGateway.Percentile(0.5) - readDirect.Percentile(0.5), 3), Round(readGateway.Percentile(0.99) - readDirect.Percentile(0.99), 3),
                Round(streamDirect.Rps), Round(streamGateway.Rps), Round(streamGateway.Rps / streamDirect.Rps, 3),
                Round(streamGateway.Percentile(0.5) - streamDirect.Percentile(0.5), 3), Round(streamGateway.Percentile(0.99) - streamDirect.Percentile(0.99), 3),
                connections, phase.TotalSeconds, rounds,
                phases.Values.Sum(p => p.Requests), phases.Values.Sum(p => p.Errors));
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // PostgreSQL's files may linger a moment; the folder is in the temporary folder anyway.
            }
        }
    }

    /// <summary>Ideas for the read to list, and a run whose metrics are the streamed answer (it waits: no node has two devices).</summary>
    private static async Task<string> SeedAsync(LocalLab lab, CancellationToken cancellationToken)
    {
        using var http = Client(lab.ApiUrl, lab.Token, 4);
        Guid idea = default;
        for (var i = 0; i < 40; i++)
        {
            using var created = await http.PostAsJsonAsync("/api/v1/ideas", new { title = $"Bench idea {i}", hypothesis = "Read by the gateway benchmark." }, cancellationToken);
            created.EnsureSuccessStatusCode();
            idea = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetGuid();
        }
        using var run = await http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, devices = 2, config = new { preset = "tiny", training = new { steps = 10 } } }, cancellationToken);
        run.EnsureSuccessStatusCode();
        var id = (await run.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetGuid();
        return $"/api/v1/runs/{id}/metrics?follow=false";
    }

    private static async Task<Sample> MeasureAsync(HttpClient client, string path, int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        var latencies = new List<double>[connections];
        var errors = 0L;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = [];
            var buffer = new byte[16384];
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    while (await body.ReadAsync(buffer, cancellationToken) > 0)
                    {
                    }
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                        continue;
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                    continue;
                }
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }, cancellationToken)));
        return new Sample([.. latencies.SelectMany(l => l)], clock.Elapsed.TotalSeconds, errors);
    }

    private static HttpClient Client(string url, string token, int connections)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        var client = new HttpClient(handler) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static double Round(double value, int digits = 0) => Math.Round(value, digits);

    private sealed record Sample(List<double> Latencies, double Seconds, long Errors);

    /// <summary>One target's samples over all rounds.</summary>
    private sealed class Phase
    {
        private readonly List<double> _latencies = [];
        private double _seconds;

        public long Requests => _latencies.Count;
        public long Errors { get; private set; }
        public double Rps => _latencies.Count / _seconds;

        public void Add(Sample sample)
        {
            _latencies.AddRange(sample.Latencies);
            _seconds += sample.Seconds;
            Errors += sample.Errors;
        }

        public double Percentile(double p)
        {
            var sorted = _latencies.Order().ToList();
            return sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];
        }
    }
}
