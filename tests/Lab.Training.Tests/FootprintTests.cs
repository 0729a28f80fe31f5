using Lab.Training.Configuration;
using Lab.Training.Protocol;
using Lab.Training.Model;
using TorchSharp;

namespace Lab.Training.Tests;

/// <summary>The estimate the API refuses runs with counts the parameters exactly as the engine builds them.</summary>
public sealed class FootprintTests
{
    public static TheoryData<string> Configurations => new()
    {
        """{"preset":"tiny"}""",
        """{"preset":"small"}""",
        """{"preset":"tiny","model":{"tied_embeddings":false,"dense_layers":1}}""",
        """{"preset":"tiny","model":{"feed_forward":"dense","layers":3}}""",
        """{"preset":"tiny","model":{"shared_experts":0,"routed_experts":12,"top_k":3,"expert_hidden":24}}""",
        """{"preset":"small","model":{"model_dim":128,"heads":2,"shared_experts":2,"layers":2},"data":{"tokenizer":"bpe","bpe_vocab_size":700}}""",
        """{"preset":"tiny","model":{"mtp_depth":1}}""",
        """{"preset":"tiny","model":{"mtp_depth":2,"feed_forward":"dense","tied_embeddings":false}}""",
        """{"preset":"tiny","model":{"mtp_depth":1,"layers":3,"dense_layers":3}}""",
        """{"preset":"tiny","model":{"attention":"mla"}}""",
        """{"preset":"small","model":{"attention":"mla","q_lora_rank":96,"kv_lora_rank":64,"qk_rope_head_dim":32,"mtp_depth":1}}""",
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void The_estimate_counts_every_parameter_and_the_active_ones_as_the_model_does(string json)
    {
        var config = RunConfig.FromJson(json).EnsureValid();
        var footprint = RunFootprint.Of(config);

        using var model = new MoeTransformer(config.Model, footprint.VocabSize, torch.CPU, DispatchKernel.Loop);
        var (total, active) = model.CountParameters();

        Assert.Equal((total, active), (footprint.Parameters, footprint.ActiveParameters));
        Assert.Equal(total * 16, footprint.StateBytes);
    }

    [Fact]
    public void The_engines_started_line_reports_the_estimated_parameter_count()
    {
        using var folder = new TempFolder();
        var config = TestRuns.Tiny(steps: 1);

        var started = Assert.Single(TestRuns.Run(config, folder.Sub("run")).OfType<StartedEvent>());

        var footprint = RunFootprint.Of(config);
        Assert.Equal((started.Parameters, started.ActiveParameters, started.VocabSize), (footprint.Parameters, footprint.ActiveParameters, footprint.VocabSize));
    }

    [Fact]
    public void Activations_grow_with_the_tokens_of_a_step_and_absurd_configurations_do_not_overflow()
    {
        var small = Presets.Get(Presets.Small);
        var baseline = RunFootprint.Of(small);
        var twice = RunFootprint.Of(small with { Training = small.Training with { GradientAccumulation = 2 } });
        // The engine keeps every micro-batch's intermediates until the step ends: accumulation does not save memory.
        Assert.Equal(2 * baseline.ActivationBytes, twice.ActivationBytes, tolerance: 8);
        Assert.Equal(baseline.StateBytes, twice.StateBytes);
        // The small preset (2,048 tokens a step) fits in well under a GiB; measured here: about 0.95 GiB peak.
        Assert.InRange(baseline.TotalBytes / (double)(1L << 30), 0.9, 1.3);

        var huge = RunFootprint.Of(small with
        {
            Model = small.Model with { ModelDim = 1 << 30, Heads = 1, Layers = int.MaxValue, RoutedExperts = int.MaxValue, ExpertHidden = int.MaxValue },
            Training = small.Training with { BatchSize = int.MaxValue, GradientAccumulation = int.MaxValue },
        });
        Assert.True(huge.TotalBytes > 1L << 50);
        Assert.True(huge.Parameters > 0);
    }
}
