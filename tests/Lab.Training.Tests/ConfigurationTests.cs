using Lab.Training.Configuration;
using Lab.Training.Engine;

namespace Lab.Training.Tests;

/// <summary>Configurations load from JSON over presets, and unusable ones are refused before any work.</summary>
public sealed class ConfigurationTests
{
    public static TheoryData<string, string> InvalidModels => new()
    {
        { """{"preset":"tiny","model":{"top_k":9}}""", "top_k (9) is larger than the number of routed experts (8)" },
        { """{"preset":"tiny","model":{"routed_experts":0}}""", "routed_experts must be at least 1" },
        { """{"preset":"tiny","model":{"model_dim":-64}}""", "model.model_dim must be positive" },
        { """{"preset":"tiny","model":{"expert_hidden":-1}}""", "model.expert_hidden must be positive" },
        { """{"preset":"tiny","training":{"batch_size":0}}""", "training.batch_size must be positive" },
        { """{"preset":"tiny","model":{"model_dim":66}}""", "must be a multiple of model.heads" },
        { """{"preset":"tiny","model":{"mtp_depth":-1}}""", "model.mtp_depth must be between 0 (off) and model.context_length - 1 (63), got -1" },
        { """{"preset":"tiny","model":{"mtp_depth":64}}""", "model.mtp_depth must be between 0 (off) and model.context_length - 1 (63), got 64" },
        { """{"preset":"tiny","model":{"mtp_depth":1,"mtp_loss_weight":0}}""", "model.mtp_loss_weight must be above 0 when model.mtp_depth is set" },
        { """{"preset":"tiny","model":{"mtp_loss_weight":-0.1}}""", "model.mtp_loss_weight must not be negative" },
        { """{"preset":"tiny","model":{"attention":"mla","kv_lora_rank":0}}""", "model.kv_lora_rank must be positive" },
        { """{"preset":"tiny","model":{"attention":"mla","qk_rope_head_dim":7}}""", "model.qk_rope_head_dim (7) must be even" },
        { """{"preset":"tiny","model":{"attention":"mla","q_lora_rank":-2}}""", "model.q_lora_rank must not be negative" },
        { """{"preset":"tiny","model":{"attention":"mla","kv_lora_rank":120}}""", "model.kv_lora_rank (120) plus model.qk_rope_head_dim (16) must be below 2 × model.model_dim (128)" },
    };

    [Theory]
    [MemberData(nameof(InvalidModels))]
    public void An_invalid_configuration_is_refused_before_anything_is_written(string json, string expected)
    {
        using var folder = new TempFolder();
        var output = folder.Sub("run");
        var config = RunConfig.FromJson(json);

        var error = Assert.Throws<ConfigException>(() => Trainer.Start(config, output, _ => { }));

        Assert.Contains(expected, error.Message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_misspelt_field_is_an_error_not_a_silent_default()
    {
        var error = Assert.Throws<ConfigException>(() => RunConfig.FromJson("""{"model":{"top_kk":2}}"""));
        Assert.Contains("top_kk", error.Message);
    }

    [Fact]
    public void Data_that_does_not_exist_or_is_empty_is_refused()
    {
        using var folder = new TempFolder();
        var empty = folder.Sub("empty.txt");
        File.WriteAllText(empty, "  \n");
        var tiny = TestRuns.Tiny();

        var missing = Assert.Throws<ConfigException>(() =>
            Trainer.Start(tiny with { Data = tiny.Data with { Source = folder.Sub("nowhere.txt") } }, folder.Sub("a"), _ => { }));
        var blank = Assert.Throws<ConfigException>(() =>
            Trainer.Start(tiny with { Data = tiny.Data with { Source = empty } }, folder.Sub("b"), _ => { }));
        var emptyFolder = Assert.Throws<ConfigException>(() =>
            Trainer.Start(tiny with { Data = tiny.Data with { Source = Directory.CreateDirectory(folder.Sub("none")).FullName } }, folder.Sub("c"), _ => { }));

        Assert.Contains("does not exist", missing.Message);
        Assert.Contains("is empty", blank.Message);
        Assert.Contains("holds no files", emptyFolder.Message);
    }

    [Fact]
    public void A_config_file_names_a_preset_and_changes_only_what_it_lists()
    {
        var config = RunConfig.FromJson("""{"preset":"tiny","model":{"routed_experts":4},"training":{"steps":7}}""");
        var tiny = Presets.Get(Presets.Tiny);

        Assert.Equal(4, config.Model.RoutedExperts);
        Assert.Equal(7, config.Training.Steps);
        Assert.Equal(tiny.Model with { RoutedExperts = 4 }, config.Model);
        Assert.Equal(tiny.Data, config.Data);
        Assert.Equal(config, RunConfig.FromJson(config.ToJson()));
    }

    [Fact]
    public void Multi_token_prediction_and_latent_attention_are_off_by_default_and_read_from_the_model_section()
    {
        var defaults = Presets.Get(Presets.Small).Model;
        Assert.Equal((0, AttentionKind.Mha), (defaults.MtpDepth, defaults.Attention));

        var config = RunConfig.FromJson("""
            {"preset":"tiny","model":{"mtp_depth":1,"mtp_loss_weight":0.1,"attention":"mla","kv_lora_rank":24,"q_lora_rank":32,"qk_rope_head_dim":8}}
            """).EnsureValid();

        Assert.Equal((1, 0.1, AttentionKind.Mla, 24, 32, 8),
            (config.Model.MtpDepth, config.Model.MtpLossWeight, config.Model.Attention, config.Model.KvLoraRank, config.Model.QLoraRank, config.Model.QkRopeHeadDim));
        Assert.Equal(config, RunConfig.FromJson(config.ToJson()));
    }

    [Fact]
    public void A_configuration_saved_before_these_options_existed_reads_as_one_without_them()
    {
        var saved = Presets.Get(Presets.Tiny).ToJson();
        foreach (var field in new[] { "mtp_depth", "mtp_loss_weight", "attention", "kv_lora_rank", "q_lora_rank", "qk_rope_head_dim" })
        {
            Assert.Contains($"\"{field}\"", saved);
            saved = System.Text.RegularExpressions.Regex.Replace(saved, $"\"{field}\":[^,}}]+,?", "");
        }

        var config = RunConfig.FromJson(saved);

        Assert.Equal(Presets.Get(Presets.Tiny), config);
        Assert.True(Presets.Get(Presets.Tiny).CanResume(config));
    }

    [Theory]
    [InlineData(Presets.Tiny)]
    [InlineData(Presets.Small)]
    public void The_presets_are_valid(string name) => Assert.Empty(Presets.Get(name).Validate());

    [Fact]
    public void The_dense_baseline_has_the_active_width_of_the_moe_layer()
    {
        var model = Presets.Get(Presets.Small).Model;
        Assert.Equal((model.SharedExperts + model.TopK) * model.ExpertHidden, model.DenseHidden);
    }
}
