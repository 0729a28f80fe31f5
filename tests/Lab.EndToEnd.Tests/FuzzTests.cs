using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// Thousands of malformed and random requests, made from the lab's own OpenAPI document with a fixed seed, sent to every
/// operation through the gateway of a real lab (<c>lab up</c> on a database of the test's own, so that the test can count
/// its events). Every answer must be a 4xx problem document that gives nothing of the server away, and the event store
/// must hold exactly as many events afterwards as before.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Seed = 20261127;

    /// <summary>Requests per operation besides one oversized body each: 3,852 for the 48 operations of the document, 8 to 25 s on two cores.</summary>
    private const int RequestsPerOperation = 80;

    private const int Concurrency = 4;

    private readonly string _folder = TestFolders.Create("fuzz");
    private string _database = "";
    private LabProcess _lab = null!;
    private string _token = "";

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync("fuzz");
        var tokenFile = Path.Combine(_folder, "token");
        _lab = await LabProcess.UpAsync(_folder, new Dictionary<string, string?> { ["ConnectionStrings__lab"] = _database }, "--token-file", tokenFile);
        _token = (await File.ReadAllTextAsync(tokenFile)).Trim();
    }

    public async Task DisposeAsync()
    {
        await _lab.DisposeAsync();
        TestFolders.TryDelete(_folder);
    }

    [Fact]
    public async Task Every_operation_refuses_thousands_of_malformed_requests_with_a_problem_and_nothing_is_written()
    {
        using var http = LabProcess.Client(_lab.Url, _token);
        // The worker's node joins the pool once; after that the lab writes only what it is asked to.
        await Polling.UntilAsync(http, "/api/v1/pool", pool => pool.GetProperty("liveDevices").GetInt32() > 0, "the worker's node joined the pool");
        using var member = await LabMembers.JoinAsync(_lab.Url, http, "fuzzer");
        var operations = OpenApiOperation.AllIn(await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json"));
        Assert.True(operations.Count >= 40, $"the OpenAPI document lists only {operations.Count} operations");
        var generator = new MalformedRequests(Seed, _token, member.Token);
        var requests = operations.SelectMany(o => generator.For(o, RequestsPerOperation)).ToList();
        var before = await EventCountAsync();

        var clock = Stopwatch.StartNew();
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        using var client = new HttpClient { BaseAddress = new Uri(_lab.Url), Timeout = TimeSpan.FromSeconds(30) };
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (request, cancel) =>
        {
            using var message = request.ToMessage();
            using var response = await client.SendAsync(message, cancel);
            var body = await response.Content.ReadAsStringAsync(cancel);
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            if (ProblemAnswer.Fault((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body) is { } fault)
            {
                failures.Enqueue($"{request}: {fault}: {(body.Length > 300 ? body[..300] : body)}");
            }
        });
        clock.Stop();

        output.WriteLine($"{requests.Count} requests to {operations.Count} operations in {clock.Elapsed.TotalSeconds:0.0} s; " +
            string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        Assert.True(failures.IsEmpty, $"{failures.Count} of {requests.Count} answers were not clean 4xx problems, for example:{Environment.NewLine}" +
            string.Join(Environment.NewLine, failures.Take(20)));
        Assert.Equal(before, await EventCountAsync());
        // Every operation was tried, and every kind of wrong request was answered.
        Assert.Equal(operations.Count, requests.Select(r => r.Operation).Distinct().Count());
        Assert.True(requests.Count >= 2500, $"only {requests.Count} requests");
    }

    private async Task<long> EventCountAsync()
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("select count(*) from lab.mt_events", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
