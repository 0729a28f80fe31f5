using Lab.Training.Protocol;

namespace Lab.Training.Tests;

/// <summary>Auxiliary-loss-free balancing: the selection bias evens out expert load, which stays uneven without it.</summary>
public sealed class BalancingTests
{
    [Fact]
    public void Bias_balancing_brings_expert_load_toward_even_and_below_the_unbalanced_run()
    {
        // Three times DeepSeek-V3's bias speed (0.001, tuned for long runs), so the effect shows within a short test.
        const int steps = 120;
        var balanced = LoadByStep(biasSpeed: 0.003, steps);
        var unbalanced = LoadByStep(biasSpeed: 0, steps);

        var balancedEarly = balanced.Take(20).Average();
        var balancedLate = balanced.TakeLast(40).Average();
        var unbalancedLate = unbalanced.TakeLast(40).Average();
        Assert.True(balancedLate < balancedEarly,
            $"with balancing, load max/mean did not fall: {balancedEarly:F2} early, {balancedLate:F2} late");
        Assert.True(balancedLate < 0.8 * unbalancedLate,
            $"with balancing, late load max/mean {balancedLate:F2} is not well below {unbalancedLate:F2} without it");
    }

    /// <summary>Load max/mean of every step, with the balance loss off so only the bias acts.</summary>
    private static List<double> LoadByStep(double biasSpeed, int steps)
    {
        using var folder = new TempFolder();
        var config = TestRuns.Tiny(steps);
        config = config with { Model = config.Model with { BiasUpdateSpeed = biasSpeed, BalanceLossWeight = 0 } };
        return TestRuns.Run(config, folder.Path).OfType<ProgressEvent>().Select(p => p.ExpertLoadMaxOverMean).ToList();
    }
}
