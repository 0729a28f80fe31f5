using System.Text.Json;
using Lab.Testing;

namespace Lab.Training.Tests;

/// <summary>
/// <c>lab bench quality --json</c> as a real process, on tiny sizes: the MoE model and its dense twin trained for the
/// same tokens and for the same time, with the figures its last line promises, measured, not made up.
/// </summary>
[Trait(Lab.Testing.TestSpeed.Trait, Lab.Testing.TestSpeed.Slow)]
public sealed class QualityBenchCommandTests
{
    /// <summary>The bench on tiny sizes, with some options given other values (option, value, option, value...).</summary>
    private static string[] Quick(params string[] changes)
    {
        var options = new Dictionary<string, string>
        {
            ["--preset"] = "tiny",
            ["--steps"] = "12",
            ["--eval-batches"] = "2",
            ["--threads"] = "1",
            ["--matmul-size"] = "256",
        };
        for (var i = 0; i < changes.Length; i += 2)
        {
            options[changes[i]] = changes[i + 1];
        }
        return ["bench", "quality", "--json", .. options.SelectMany(o => new[] { o.Key, o.Value })];
    }

    [Fact]
    public async Task The_last_line_compares_moe_and_dense_at_equal_tokens_and_equal_time_with_the_variants()
    {
        var result = await LabCommand.RunAsync(Quick("--variants", "mtp,mla"), new Dictionary<string, string?>(), TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.ToString());
        var figures = result.JsonLines()[^1];
        foreach (var name in new[]
        {
            "moe_val_loss_equal_tokens", "dense_val_loss_equal_tokens", "moe_val_loss_equal_time", "dense_val_loss_equal_time",
            "moe_tokens_per_s", "dense_tokens_per_s", "moe_mfu", "dense_mfu", "matmul_gflops", "time_budget_s",
        })
        {
            Assert.True(figures.GetProperty(name).GetDouble() > 0, $"{name} is not a positive number: {result}");
        }
        Assert.Equal((12, 12 * 8 * 64), (figures.GetProperty("steps").GetInt32(), figures.GetProperty("tokens").GetInt64()));
        Assert.Equal(1, figures.GetProperty("threads").GetInt32());
        Assert.Equal("synthetic", figures.GetProperty("data").GetString());

        var models = figures.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal(["moe", "dense", "moe+mtp", "moe+mla"], models.Keys);
        var (moe, dense) = (models["moe"], models["dense"]);
        Assert.Equal(("moe", "dense"), (moe.GetProperty("feed_forward").GetString(), dense.GetProperty("feed_forward").GetString()));
        Assert.Equal((1, "mla"), (models["moe+mtp"].GetProperty("mtp_depth").GetInt32(), models["moe+mla"].GetProperty("attention").GetString()));
        // Equal active parameters (up to the router), far fewer parameters in all for the dense model.
        Assert.Equal(moe.GetProperty("active_parameters").GetDouble(), dense.GetProperty("active_parameters").GetDouble(), 0.02 * dense.GetProperty("active_parameters").GetDouble());
        Assert.True(moe.GetProperty("parameters").GetInt64() > 1.5 * dense.GetProperty("parameters").GetInt64());
        foreach (var model in models.Values)
        {
            Assert.Equal(12 * 8 * 64, model.GetProperty("tokens_equal_tokens").GetInt64());
            Assert.True(model.GetProperty("val_loss_equal_tokens").GetDouble() < model.GetProperty("start_val_loss").GetDouble() - 0.3, $"{model} did not learn");
            var mfu = model.GetProperty("model_gflops_per_s").GetDouble() / figures.GetProperty("matmul_gflops").GetDouble();
            Assert.Equal(mfu, model.GetProperty("mfu").GetDouble(), 0.01 * mfu + 0.001);
            // Each model's equal-time run is sized from its own speed to fill the budget. Both times are printed to a
            // hundredth of a second, which for runs of a fraction of a second moves the expected steps by several percent.
            var (budget, seconds) = (figures.GetProperty("time_budget_s").GetDouble(), model.GetProperty("seconds_equal_tokens").GetDouble());
            var (fewest, most) = (12 * (budget - 0.005) / (seconds + 0.005), 12 * (budget + 0.005) / Math.Max(seconds - 0.005, 1e-3));
            Assert.InRange(model.GetProperty("steps_equal_time").GetInt32(), Math.Floor(fewest - 0.5), Math.Ceiling(most + 0.5));
        }
        // The budget is what the MoE model took for the token budget: its one run serves both points.
        Assert.Equal(figures.GetProperty("time_budget_s").GetDouble(), moe.GetProperty("seconds_equal_time").GetDouble(), 0.01);
        Assert.Equal(figures.GetProperty("moe_val_loss_equal_tokens").GetDouble(), figures.GetProperty("moe_val_loss_equal_time").GetDouble());
        Assert.Equal(dense.GetProperty("val_loss_equal_time").GetDouble(), figures.GetProperty("dense_val_loss_equal_time").GetDouble());
    }

    [Fact]
    public async Task It_trains_both_models_on_a_folder_of_text()
    {
        using var folder = new TempFolder();
        var texts = Directory.CreateDirectory(folder.Sub("texts")).FullName;
        for (var file = 0; file < 3; file++)
        {
            var lines = Enumerable.Range(0, 150).Select(i => $"Note {file}.{i}: the run on node {i % 7} took {i * 3 % 11} minutes and reached loss {i % 5}.{i % 9}.");
            File.WriteAllLines(Path.Combine(texts, $"notes-{file}.txt"), lines);
        }

        var result = await LabCommand.RunAsync(Quick("--steps", "6", "--data", texts, "--time-budget", "0.5"), new Dictionary<string, string?>(), TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.ToString());
        var figures = result.JsonLines()[^1];
        Assert.Equal(texts, figures.GetProperty("data").GetString());
        Assert.Equal(0.5, figures.GetProperty("time_budget_s").GetDouble());
        Assert.Equal(2, figures.GetProperty("models").GetArrayLength());
        Assert.True(figures.GetProperty("moe_val_loss_equal_time").GetDouble() > 0);
        Assert.True(figures.GetProperty("dense_val_loss_equal_time").GetDouble() > 0);
    }

    [Theory]
    [InlineData("--steps", "0", "--steps")]
    [InlineData("--time-budget", "-1", "--time-budget")]
    [InlineData("--variants", "mtp,moe2", "'moe2'")]
    [InlineData("--data", "/nonexistent/lab-texts", "does not exist")]
    [InlineData("--preset", "huge", "unknown preset 'huge'")]
    public async Task Bad_options_are_an_error_line_and_exit_code_2(string option, string value, string expected)
    {
        var result = await LabCommand.RunAsync(Quick(option, value), new Dictionary<string, string?>());

        Assert.True(result.ExitCode == 2, result.ToString());
        var error = result.JsonLines()[^1];
        Assert.Equal("error", error.GetProperty("event").GetString());
        Assert.Contains(expected, error.GetProperty("message").GetString());
        Assert.False(error.TryGetProperty("moe_val_loss_equal_tokens", out _), "an error line carries no figures");
    }

    [Fact]
    public async Task A_variant_the_configuration_cannot_take_is_refused_naming_the_field()
    {
        using var folder = new TempFolder();
        var config = folder.Sub("narrow.json");
        File.WriteAllText(config, """{"preset":"tiny","model":{"kv_lora_rank":200}}""");

        var result = await LabCommand.RunAsync(["bench", "quality", "--json", "--config", config, "--variants", "mla"], new Dictionary<string, string?>());

        Assert.True(result.ExitCode == 2, result.ToString());
        var message = result.JsonLines()[^1].GetProperty("message").GetString();
        Assert.Contains("--variants mla", message);
        Assert.Contains("model.kv_lora_rank (200)", message);
    }
}
