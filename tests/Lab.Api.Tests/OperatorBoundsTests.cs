using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lab.Api.Tests;

/// <summary>An API whose operators set other bounds (<c>Lab:Bounds:*</c>), and a GPU node that says how much memory it has.</summary>
public sealed class OperatorBoundsFixture : IAsyncLifetime
{
    public const int MaxWaiting = 3;
    public const int MaxWrites = 40;

    public ApiFixture Api { get; } = new()
    {
        Settings = new Dictionary<string, string?>
        {
            ["Lab:Bounds:MaxQueuedRunsPerMember"] = MaxWaiting.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Lab:Bounds:MaxWritesPerWindow"] = MaxWrites.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Lab:Bounds:WriteWindow"] = "00:10:00",
            ["Lab:Bounds:MaxRunMemoryGiB"] = "2.5",
        },
    };

    public Task InitializeAsync() => Api.InitializeAsync();

    public Task DisposeAsync() => Api.DisposeAsync();
}

/// <summary>Bounds set by operators apply to everyone equally: runs waiting per member, writes per token, memory per device.</summary>
public sealed class OperatorBoundsTests(OperatorBoundsFixture fixture) : IClassFixture<OperatorBoundsFixture>
{
    private readonly ApiFixture _api = fixture.Api;

    [Fact]
    public async Task The_bounds_operators_set_are_the_ones_everyone_reads()
    {
        var bounds = await Answers.Ok(_api.Http.GetAsync("/api/v1/bounds"));

        Assert.Equal(OperatorBoundsFixture.MaxWaiting, bounds.GetProperty("maxQueuedRunsPerMember").GetInt32());
        Assert.Equal(OperatorBoundsFixture.MaxWrites, bounds.GetProperty("maxWritesPerWindow").GetInt32());
        Assert.Equal("00:10:00", bounds.GetProperty("writeWindow").GetString());
        Assert.Equal(2.5, bounds.GetProperty("maxRunMemoryGiB").GetDouble());
        Assert.Equal(100_000, bounds.GetProperty("maxSteps").GetInt32()); // not set: the default
    }

    [Fact]
    public async Task A_run_larger_than_the_largest_live_device_of_its_kind_is_refused_with_both_figures()
    {
        var (member, _) = await _api.NewMemberAsync("gpu");
        using var _ = member;
        var node = "gpu-" + Guid.NewGuid().ToString("N")[..8];
        // A node with one GPU of 1 GiB (a heartbeat as its worker sends it; the first member operates the lab).
        await Answers.Ok(_api.Http.PostAsJsonAsync("/api/v1/pool/heartbeats", new
        {
            node,
            devices = new[] { new { id = "cuda:0", kind = "cuda", description = "a small GPU", memoryBytes = 1L << 30 } },
        }));
        var negative = await Answers.Expect(_api.Http.PostAsJsonAsync("/api/v1/pool/heartbeats", new
        {
            node = node + "-x",
            devices = new[] { new { id = "cuda:0", kind = "cuda", description = "a broken report", memoryBytes = -1L } },
        }), HttpStatusCode.BadRequest);
        Assert.Contains("memory", negative.GetProperty("errors").GetProperty("devices")[0].GetString(), StringComparison.Ordinal);
        var pool = await Answers.Ok(_api.Http.GetAsync("/api/v1/pool"));
        Assert.Equal(1L << 30, pool.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("name").GetString() == node)
            .GetProperty("devices")[0].GetProperty("memoryBytes").GetInt64());
        var idea = await IdeaAsync(member);
        var before = await _api.EventCountAsync();

        // The small preset needs about 1.1 GiB: within the lab's bound of 2.5 GiB, not within the node's 1 GiB.
        var refused = await Answers.Expect(member.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = new { preset = "small" }, kind = "cuda" }), HttpStatusCode.BadRequest);
        var message = Assert.Single(refused.GetProperty("errors").GetProperty("config").EnumerateArray()).GetString()!;
        Assert.StartsWith("The run needs about 1.1 GiB (7.8 M parameters: ", message, StringComparison.Ordinal);
        Assert.EndsWith($"the largest live cuda device offers 1.0 GiB (cuda:0 on {node}).", message, StringComparison.Ordinal);
        Assert.Equal(before, await _api.EventCountAsync());

        // The same run may wait for a CPU (no live CPU node says it has less), and a smaller one fits the GPU.
        var onCpu = await Answers.Created(member.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = new { preset = "small" }, kind = "cpu" }));
        await Answers.Ok(member.PostAsync($"/api/v1/runs/{onCpu.GetProperty("id").GetGuid()}/cancel", null));
        var past = await Answers.Expect(member.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config = new { preset = "small", training = new { batch_size = 64 } }, kind = "cpu" }), HttpStatusCode.BadRequest);
        Assert.Contains("the lab's bound is 2.5 GiB a run", past.GetProperty("errors").GetProperty("config")[0].GetString());
    }

    [Fact]
    public async Task A_member_with_the_most_runs_waiting_gets_429_and_the_next_member_does_not()
    {
        var (member, _) = await _api.NewMemberAsync("sweeper");
        var (other, _) = await _api.NewMemberAsync("other");
        using (member)
        using (other)
        {
            var idea = await IdeaAsync(member);
            var tiny = new { ideaId = idea, config = new { preset = "tiny" }, kind = "cuda", devices = 2 }; // no node has two GPUs: they wait
            for (var i = 0; i < OperatorBoundsFixture.MaxWaiting; i++)
            {
                await Answers.Created(member.PostAsJsonAsync("/api/v1/runs", tiny));
            }
            var before = await _api.EventCountAsync();

            using var refused = await member.PostAsJsonAsync("/api/v1/runs", tiny);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(
                $"You have {OperatorBoundsFixture.MaxWaiting} runs waiting for devices, and the lab lets every member have at most {OperatorBoundsFixture.MaxWaiting} waiting at once. Submit more as these start, or cancel one; the bound is the same for everyone.",
                problem.GetProperty("detail").GetString());
            Assert.Equal(before, await _api.EventCountAsync());

            await Answers.Created(other.PostAsJsonAsync("/api/v1/runs", tiny));
        }
    }

    [Fact]
    public async Task Writes_past_a_tokens_bound_get_429_with_retry_after_while_its_reads_and_other_tokens_go_on()
    {
        var (runaway, _) = await _api.NewMemberAsync("runaway");
        var (neighbour, _) = await _api.NewMemberAsync("neighbour");
        using (runaway)
        using (neighbour)
        {
            // Writes the API refuses still count: the bound protects the machine from the requests, whatever they ask.
            for (var i = 0; i < OperatorBoundsFixture.MaxWrites; i++)
            {
                using var write = await runaway.PostAsJsonAsync("/api/v1/notes", new { title = "" });
                Assert.Equal(HttpStatusCode.BadRequest, write.StatusCode);
            }

            using var refused = await runaway.PostAsJsonAsync("/api/v1/notes", new { title = "One more", body = "Too many." });
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 600);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Too many writes", problem.GetProperty("title").GetString());
            Assert.Contains($"{OperatorBoundsFixture.MaxWrites} writes within 10 min, the lab's bound for every token", problem.GetProperty("detail").GetString());
            using var delete = await runaway.DeleteAsync($"/api/v1/me/tokens/{Guid.NewGuid()}");
            Assert.Equal(HttpStatusCode.TooManyRequests, delete.StatusCode);

            await Answers.Ok(runaway.GetAsync("/api/v1/bounds")); // reading is not limited
            await Answers.Created(neighbour.PostAsJsonAsync("/api/v1/notes", new { title = "Still writing", body = "Another token, another bound." }));
        }
    }

    [Fact]
    public async Task Workers_heartbeats_are_not_counted_against_the_operators_writes()
    {
        for (var i = 0; i < OperatorBoundsFixture.MaxWrites + 5; i++)
        {
            await Answers.Ok(_api.Http.PostAsJsonAsync("/api/v1/pool/heartbeats", new
            {
                node = "beating",
                devices = new[] { new { id = "cpu:0", kind = "cpu", description = "test CPU" } },
            }));
        }
        await Answers.Created(_api.Http.PostAsJsonAsync("/api/v1/notes", new { title = "After the heartbeats", body = "Still within the bound." }));
    }

    private static async Task<Guid> IdeaAsync(HttpClient member)
    {
        var idea = await Answers.Created(member.PostAsJsonAsync("/api/v1/ideas", new { title = "Bounded " + Guid.NewGuid().ToString("N")[..6], hypothesis = "Bounds apply to everyone." }));
        return idea.GetProperty("id").GetGuid();
    }
}
