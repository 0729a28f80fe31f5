using Lab.Training.Configuration;
using Lab.Training.Protocol;

namespace Lab.Training.Tests;

/// <summary>Each MoE layer's expert load on progress and evaluation lines: what the portal's heatmap draws.</summary>
public sealed class ExpertLoadLinesTests
{
    [Fact]
    public void Progress_and_eval_lines_carry_each_moe_layers_share_of_tokens_per_expert()
    {
        using var folder = new TempFolder();
        var config = TestRuns.Tiny(steps: 12) with { Model = TestRuns.Tiny().Model with { DenseLayers = 0 } };
        config = config with { Training = config.Training with { LogEvery = 4, EvalEvery = 8 } };
        var events = TestRuns.Run(config, folder.Path);

        var progress = events.OfType<ProgressEvent>().ToList();
        Assert.Equal([4, 8, 12], progress.Select(p => p.Step));
        var evaluations = events.OfType<EvaluationEvent>().ToList();
        Assert.NotEmpty(evaluations);
        foreach (var load in progress.Select(p => p.ExpertLoad).Concat(evaluations.Select(e => e.ExpertLoad)))
        {
            Assert.NotNull(load);
            Assert.Equal(config.Model.Layers, load.Count);
            Assert.All(load, layer =>
            {
                Assert.Equal(config.Model.RoutedExperts, layer.Length);
                Assert.InRange(layer.Sum(), 0.999, 1.001);
                Assert.All(layer, share => Assert.InRange(share, 0, 1));
            });
        }
        // Measured, not made up: a fresh model's router is never perfectly even (1/experts everywhere).
        Assert.Contains(progress[0].ExpertLoad!, layer => layer.Any(share => Math.Abs(share - 1.0 / config.Model.RoutedExperts) > 1e-3));
    }

    [Fact]
    public void A_dense_model_has_no_expert_load_lines()
    {
        using var folder = new TempFolder();
        var config = TestRuns.Tiny(steps: 4) with { Model = TestRuns.Tiny().Model with { FeedForward = FeedForwardKind.Dense } };

        var events = TestRuns.Run(config, folder.Path);

        Assert.All(events.OfType<ProgressEvent>(), p => Assert.Null(p.ExpertLoad));
        Assert.DoesNotContain("expert_load\"", events.OfType<ProgressEvent>().First().ToJson(), StringComparison.Ordinal);
    }
}
