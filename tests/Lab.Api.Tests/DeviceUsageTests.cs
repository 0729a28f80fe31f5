using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lab.Api.Tests;

/// <summary>
/// A node's heartbeat says how each of its devices is used (memory, utilisation, training rate, the run on it): the pool's
/// view shows the latest reading, which is never recorded; a reading that cannot be true is refused and changes nothing.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DeviceUsageTests(ApiFixture api)
{
    [Fact]
    public async Task The_pool_shows_each_devices_latest_use_as_its_node_reported_it()
    {
        var node = "gpus-" + Guid.NewGuid().ToString("N")[..8];
        var run = Guid.NewGuid();
        object Heartbeat(double busy) => new
        {
            node,
            devices = new[]
            {
                new { id = "cuda:0", kind = "cuda", description = "GPU 0", memoryBytes = 80L << 30 },
                new { id = "cuda:1", kind = "cuda", description = "GPU 1", memoryBytes = 80L << 30 },
            },
            usage = new object[]
            {
                new { id = "cuda:0", memoryUsedBytes = 12L << 30, utilization = busy, tokensPerS = 52_000.5, runId = run },
                new { id = "cuda:1", memoryUsedBytes = 0L, utilization = 0.0 },
            },
        };
        var before = await api.EventCountAsync();

        await Answers.Ok(api.Http.PostAsJsonAsync("/api/v1/pool/heartbeats", Heartbeat(0.5)));
        var joined = await api.EventCountAsync();
        await Answers.Ok(api.Http.PostAsJsonAsync("/api/v1/pool/heartbeats", Heartbeat(0.97)));

        var usage = Node(await Answers.Ok(api.Http.GetAsync("/api/v1/pool")), node).GetProperty("usage").EnumerateArray().ToList();
        Assert.Equal(["cuda:0", "cuda:1"], usage.Select(u => u.GetProperty("id").GetString()));
        Assert.Equal(0.97, usage[0].GetProperty("utilization").GetDouble());
        Assert.Equal(12L << 30, usage[0].GetProperty("memoryUsedBytes").GetInt64());
        Assert.Equal(52_000.5, usage[0].GetProperty("tokensPerS").GetDouble());
        Assert.Equal(run, usage[0].GetProperty("runId").GetGuid());
        // The node joined once; its devices' use is soft state, not an event per heartbeat.
        Assert.Equal(joined, await api.EventCountAsync());
        Assert.True(joined > before);
    }

    [Theory]
    [InlineData(-1L, 0.5, 10.0)]
    [InlineData(0L, 1.5, 10.0)]
    [InlineData(0L, -0.1, 10.0)]
    [InlineData(0L, 0.5, -3.0)]
    public async Task A_reading_that_cannot_be_true_is_refused_and_the_node_is_not_recorded(long memory, double busy, double rate)
    {
        var node = "bad-" + Guid.NewGuid().ToString("N")[..8];
        var before = await api.EventCountAsync();

        var refused = await Answers.Expect(api.Http.PostAsJsonAsync("/api/v1/pool/heartbeats", new
        {
            node,
            devices = new[] { new { id = "cuda:0", kind = "cuda", description = "GPU 0" } },
            usage = new[] { new { id = "cuda:0", memoryUsedBytes = memory, utilization = busy, tokensPerS = rate } },
        }), HttpStatusCode.BadRequest);

        Assert.True(refused.GetProperty("errors").TryGetProperty("usage", out _), refused.GetRawText());
        Assert.Equal(before, await api.EventCountAsync());
        var pool = await Answers.Ok(api.Http.GetAsync("/api/v1/pool"));
        Assert.DoesNotContain(pool.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == node);
    }

    [Fact]
    public async Task More_readings_than_a_node_may_have_devices_are_refused()
    {
        var refused = await Answers.Expect(api.Http.PostAsJsonAsync("/api/v1/pool/heartbeats", new
        {
            node = "many-" + Guid.NewGuid().ToString("N")[..8],
            devices = new[] { new { id = "cpu:0", kind = "cpu", description = "CPU" } },
            usage = Enumerable.Range(0, 65).Select(i => new { id = $"cpu:{i}", memoryUsedBytes = 0L }),
        }), HttpStatusCode.BadRequest);

        Assert.True(refused.GetProperty("errors").TryGetProperty("usage", out _), refused.GetRawText());
    }

    private static JsonElement Node(JsonElement pool, string name) =>
        pool.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("name").GetString() == name);
}
