using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;
using Xunit.Abstractions;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// Many members at once through the gateway for a fixed time, doing what members do: reading the board and the feed,
/// searching, proposing, joining teams, writing notes, putting runs on the pool. Nothing may fail with a server error,
/// and the lab must hold exactly the writes it acknowledged. Throughput and latency are reported, not asserted.
/// </summary>
public sealed class LoadTests(ITestOutputHelper output)
{
    private const int Members = 12;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Many_members_at_once_get_no_server_error_and_every_acknowledged_write_is_kept()
    {
        var data = TestFolders.Create("load");
        var tokenFile = Path.Combine(data, "token");
        try
        {
            await using var lab = await LabProcess.UpAsync(data, "--token-file", tokenFile);
            using var founder = LabProcess.Client(lab.Url, File.ReadAllText(tokenFile).Trim());
            var members = new List<HttpClient>();
            for (var i = 0; i < Members; i++)
            {
                members.Add(await JoinAsync(founder, lab.Url, $"load{i}"));
            }
            var seed = await Answer(founder.PostAsJsonAsync("/api/v1/ideas", new { title = "Load", hypothesis = "The lab holds." }));
            var seedIdea = seed.GetProperty("id").GetGuid();

            var acknowledged = new ConcurrentDictionary<string, int>();
            var statuses = new ConcurrentDictionary<int, int>();
            var latencies = new ConcurrentBag<double>();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(members.Select((member, index) => Task.Run(async () =>
            {
                var random = new Random(index);
                while (clock.Elapsed < Duration)
                {
                    var (kind, call) = random.Next(10) switch
                    {
                        0 => ("idea", member.PostAsJsonAsync("/api/v1/ideas", new { title = $"Idea {index}-{random.Next()}", hypothesis = "Under load." })),
                        1 => ("note", member.PostAsJsonAsync("/api/v1/notes", new { title = $"Note {index}", body = "Written under load.", attachedTo = "Idea", attachedId = seedIdea })),
                        2 => ("join", member.PostAsync($"/api/v1/ideas/{seedIdea}/team/join", null)),
                        3 when random.Next(8) == 0 => ("run", member.PostAsJsonAsync("/api/v1/runs", new { ideaId = seedIdea, config = new { preset = "tiny", training = new { steps = 5, threads = 1 } } })),
                        4 => ("search", member.GetAsync("/api/v1/knowledge/search?q=load")),
                        5 => ("feed", member.GetAsync("/api/v1/feed?limit=20")),
                        _ => ("board", member.GetAsync("/api/v1/ideas?limit=20")),
                    };
                    var started = Stopwatch.GetTimestamp();
                    using var response = await call;
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                    if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK && kind is "idea" or "note" or "run")
                    {
                        acknowledged.AddOrUpdate(kind, 1, (_, n) => n + 1);
                    }
                }
            })));

            var sorted = latencies.Order().ToList();
            output.WriteLine($"{sorted.Count} requests from {Members} members in {Duration.TotalSeconds:0} s: {sorted.Count / Duration.TotalSeconds:0} per second, " +
                $"p50 {sorted[sorted.Count / 2]:0.0} ms, p99 {sorted[(int)(sorted.Count * 0.99)]:0.0} ms; statuses {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"))}; " +
                $"acknowledged {string.Join(", ", acknowledged.Select(a => $"{a.Key}: {a.Value}"))}");
            Assert.DoesNotContain(statuses.Keys, status => status >= 500);
            Assert.True(acknowledged.GetValueOrDefault("note") > 0 && acknowledged.GetValueOrDefault("idea") > 0, "the load wrote nothing");

            // Exactly the acknowledged writes are there: none lost, none doubled.
            var notes = await founder.GetFromJsonAsync<JsonElement>($"/api/v1/notes?ideaId={seedIdea}&limit=1");
            Assert.Equal(acknowledged.GetValueOrDefault("note"), notes.GetProperty("total").GetInt32());
            var ideas = await founder.GetFromJsonAsync<JsonElement>("/api/v1/ideas?limit=1");
            Assert.Equal(acknowledged.GetValueOrDefault("idea") + 1, ideas.GetProperty("total").GetInt32());
            var runs = await founder.GetFromJsonAsync<JsonElement>($"/api/v1/runs?ideaId={seedIdea}&limit=1");
            Assert.Equal(acknowledged.GetValueOrDefault("run"), runs.GetProperty("total").GetInt32());
            var team = await founder.GetFromJsonAsync<JsonElement>($"/api/v1/ideas/{seedIdea}/team");
            Assert.Equal(Members, team.GetProperty("members").GetArrayLength());
        }
        finally
        {
            TestFolders.TryDelete(data);
        }
    }

    private static async Task<HttpClient> JoinAsync(HttpClient founder, string url, string handle)
    {
        var code = (await Answer(founder.PostAsync("/api/v1/invitations", null))).GetProperty("code").GetString();
        using var invitee = LabProcess.Client(url, code);
        var joined = await Answer(invitee.PostAsJsonAsync("/api/v1/join", new { handle = $"{handle}-{Guid.NewGuid():N}"[..(handle.Length + 9)], name = handle }));
        return LabProcess.Client(url, joined.GetProperty("token").GetProperty("token").GetString());
    }

    private static async Task<JsonElement> Answer(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
