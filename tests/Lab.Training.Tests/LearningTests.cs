using Lab.Training.Protocol;

namespace Lab.Training.Tests;

/// <summary>The model learns the synthetic corpus: validation loss falls far below a uniform guess and below step 0.</summary>
[Trait(Lab.Testing.TestSpeed.Trait, Lab.Testing.TestSpeed.Slow)]
public sealed class LearningTests
{
    [Fact]
    public void A_short_tiny_run_beats_a_uniform_guess_and_its_own_start()
    {
        using var folder = new TempFolder();
        var config = TestRuns.Tiny(steps: 150);

        var events = TestRuns.Run(config, folder.Path);

        var evaluations = events.OfType<EvaluationEvent>().ToList();
        var start = evaluations.First();
        var finished = events.OfType<FinishedEvent>().Single();
        var uniform = Math.Log(256);
        Assert.Equal(0, start.Step);
        Assert.InRange(start.ValLoss, uniform - 0.5, uniform + 0.5);
        Assert.True(finished.ValLoss < 0.6 * uniform, $"val loss {finished.ValLoss:F3} is not well below ln(256) = {uniform:F3}");
        Assert.True(finished.ValLoss < start.ValLoss - 1, $"val loss {finished.ValLoss:F3} did not fall from {start.ValLoss:F3}");
        Assert.Equal(150, finished.Step);
        Assert.True(File.Exists(finished.Checkpoint));
    }
}
