using Lab.Testing;

namespace Lab.Training.Tests;

/// <summary><c>lab bench moe --json</c> as a real process: the figures its last line promises, measured, not made up.</summary>
[Trait(Lab.Testing.TestSpeed.Trait, Lab.Testing.TestSpeed.Slow)]
public sealed class BenchCommandTests
{
    private static readonly string[] Quick = ["bench", "moe", "--json", "--preset", "tiny", "--threads", "1", "--repetitions", "2", "--matmul-size", "256"];

    [Fact]
    public async Task The_last_line_is_json_with_the_layer_timings_their_ratio_and_the_configuration()
    {
        var result = await LabCommand.RunAsync(Quick, new Dictionary<string, string?>(), TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.ToString());
        var figures = result.JsonLines()[^1];
        foreach (var name in new[] { "matmul_gflops", "moe_ms", "dense_ms", "moe_over_dense", "moe_gflops", "dense_gflops", "moe_over_matmul_rate", "loop_ms" })
        {
            Assert.True(figures.GetProperty(name).GetDouble() > 0, $"{name} is not a positive number: {result}");
        }
        var ratio = figures.GetProperty("moe_ms").GetDouble() / figures.GetProperty("dense_ms").GetDouble();
        Assert.Equal(ratio, figures.GetProperty("moe_over_dense").GetDouble(), 0.01 * ratio + 0.002);
        Assert.Contains(figures.GetProperty("dispatch").GetString(), new[] { "grouped_mm", "loop" });
        Assert.Equal(1, figures.GetProperty("threads").GetInt32());
        Assert.Equal("tiny", figures.GetProperty("preset").GetString());
        var config = figures.GetProperty("config");
        Assert.Equal(8, config.GetProperty("routed_experts").GetInt32());
        Assert.Equal(2, config.GetProperty("top_k").GetInt32());
    }

    [Fact]
    public async Task Bad_options_are_an_error_line_and_exit_code_2()
    {
        var result = await LabCommand.RunAsync([.. Quick, "--tokens", "0"], new Dictionary<string, string?>());

        Assert.True(result.ExitCode == 2, result.ToString());
        var error = result.JsonLines()[^1];
        Assert.Equal("error", error.GetProperty("event").GetString());
        Assert.Contains("--tokens", error.GetProperty("message").GetString());
        Assert.False(error.TryGetProperty("moe_ms", out _), "an error line carries no figures");
    }
}
