using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lab.Api.Tests;

/// <summary>The lab's bounds as shipped: everyone can read them, and a run past one is refused with the field and the figures.</summary>
[Collection(ApiCollection.Name)]
public sealed class BoundsApiTests(ApiFixture api)
{
    [Fact]
    public async Task Every_member_reads_the_bounds_in_the_api_and_its_openapi_document()
    {
        var (member, _) = await api.NewMemberAsync("reader");
        using (member)
        {
            var bounds = await Answers.Ok(member.GetAsync("/api/v1/bounds"));
            Assert.Equal(100_000, bounds.GetProperty("maxSteps").GetInt32());
            Assert.Equal("1.00:00:00", bounds.GetProperty("maxRunTime").GetString());
            Assert.Equal(Environment.ProcessorCount, bounds.GetProperty("maxThreads").GetInt32());
            Assert.Equal(262_144, bounds.GetProperty("maxTokensPerStep").GetInt64());
            Assert.Equal(8, bounds.GetProperty("maxRunMemoryGiB").GetDouble());
            Assert.Equal(20, bounds.GetProperty("maxQueuedRunsPerMember").GetInt32());
            Assert.Equal(300, bounds.GetProperty("maxWritesPerWindow").GetInt32());
            Assert.Equal("00:01:00", bounds.GetProperty("writeWindow").GetString());
        }
        using var anonymous = await api.Anonymous.GetAsync("/api/v1/bounds");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var document = await api.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(document.GetProperty("paths").GetProperty("/api/v1/bounds").TryGetProperty("get", out _));
        Assert.True(document.GetProperty("components").GetProperty("schemas").GetProperty("LabBounds").GetProperty("properties").TryGetProperty("maxRunMemoryGiB", out _));
    }

    [Fact]
    public async Task Steps_threads_tokens_a_step_and_memory_past_the_bounds_are_refused_with_the_figures_and_nothing_is_written()
    {
        var idea = await IdeaAsync();
        var before = await api.EventCountAsync();

        var steps = await RefusedAsync(idea, new { preset = "tiny", training = new { steps = int.MaxValue } });
        Assert.Equal("training.steps is 2,147,483,647; the lab's bound is 100,000 steps a run, the same for everyone.", Assert.Single(Messages(steps)));

        var threads = await RefusedAsync(idea, new { preset = "tiny", training = new { threads = 100_000 } });
        Assert.StartsWith($"training.threads is 100,000; the lab's bound is {Environment.ProcessorCount} threads a run", Assert.Single(Messages(threads)), StringComparison.Ordinal);

        // A batch × context of 10^12 tokens: past the tokens a step, and far past the memory a run may have.
        var tokens = await RefusedAsync(idea, new { preset = "tiny", model = new { context_length = 1_000_000 }, training = new { batch_size = 1_000_000 } });
        Assert.Equal(2, Messages(tokens).Count);
        Assert.Contains(Messages(tokens), m => m.EndsWith("= 1,000,000 × 1 × 1,000,000 = 1,000,000,000,000 tokens; the lab's bound is 262,144 tokens a step.", StringComparison.Ordinal));
        Assert.Contains(Messages(tokens), m => m.Contains("the lab's bound is 8.0 GiB a run", StringComparison.Ordinal));

        // A model of billions of parameters with one short sequence a step: its weights and optimizer state alone are too much.
        var huge = await RefusedAsync(idea, new { preset = "tiny", model = new { model_dim = 4096, heads = 32, layers = 32, routed_experts = 16, top_k = 2, expert_hidden = 1024 }, training = new { batch_size = 1 } });
        var memory = Assert.Single(Messages(huge));
        Assert.StartsWith("The run needs about ", memory, StringComparison.Ordinal);
        Assert.Matches(@"\(\d+(\.\d)? B parameters: \d+ GiB of weights, gradients and AdamW state; .+ of activations\); the lab's bound is 8\.0 GiB a run: a smaller model, or fewer tokens a step, would fit\.$", memory);

        Assert.Equal(before, await api.EventCountAsync());
    }

    private async Task<JsonElement> RefusedAsync(Guid idea, object config) =>
        await Answers.Expect(api.Http.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config }), HttpStatusCode.BadRequest);

    /// <summary>The configuration's problems, where the engine's own are too.</summary>
    private static List<string> Messages(JsonElement problem) =>
        [.. problem.GetProperty("errors").GetProperty("config").EnumerateArray().Select(m => m.GetString()!)];

    private async Task<Guid> IdeaAsync()
    {
        var idea = await Answers.Created(api.Http.PostAsJsonAsync("/api/v1/ideas", new { title = "Bounds " + Guid.NewGuid().ToString("N")[..6], hypothesis = "Bounds protect the machine." }));
        return idea.GetProperty("id").GetGuid();
    }
}
