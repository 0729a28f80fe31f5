using Lab.Training.Configuration;
using Lab.Training.Engine;
using Lab.Training.Protocol;

namespace Lab.Training.Tests;

/// <summary>
/// A run on several devices trains data parallel: a replica per device, each batch split between them, the gradients
/// added up before each step, one checkpoint. On this machine the devices are CPU slices (<c>--devices 0,1</c>: two
/// replicas, each computing with one of the two threads).
/// </summary>
[Trait(Lab.Testing.TestSpeed.Trait, Lab.Testing.TestSpeed.Slow)]
public sealed class DataParallelTests
{
    private static readonly int[] TwoSlices = [0, 1];

    /// <summary>Two threads, so that each of two CPU slices computes with one.</summary>
    private static RunConfig Config(int steps, string variant = "plain")
    {
        var config = TestRuns.Tiny(variant, steps);
        return config with { Training = config.Training with { Threads = 2 } };
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("mtp")]
    public void Two_replicas_with_half_the_batch_each_train_to_the_losses_of_one_device_with_the_whole_batch(string variant)
    {
        const int steps = 16;
        var config = Config(steps, variant);
        using var single = new TempFolder();
        using var parallel = new TempFolder();

        var one = TestRuns.Run(config, single.Path);
        var two = TestRuns.Run(config, parallel.Path, devices: TwoSlices);

        Assert.Equal(["cpu:0"], one.OfType<StartedEvent>().Single().Devices);
        Assert.Equal(["cpu:0", "cpu:1"], two.OfType<StartedEvent>().Single().Devices);
        var expected = TestRuns.Losses(one);
        var actual = TestRuns.Losses(two);
        Assert.Equal(Enumerable.Range(1, steps), actual.Keys);
        // The same arithmetic in another order: equal up to float rounding, which training carries from step to step.
        Assert.All(expected, e => Assert.True(Math.Abs(e.Value - actual[e.Key]) < 2e-4 * Math.Max(1, e.Value),
            $"step {e.Key}: {e.Value} on one device, {actual[e.Key]} on two"));
        Assert.NotEqual(expected[1], expected[steps]);
        Assert.Equal(one.OfType<FinishedEvent>().Single().ValLoss, two.OfType<FinishedEvent>().Single().ValLoss, 1e-3);
        var tokens = one.OfType<FinishedEvent>().Single().Tokens;
        Assert.Equal(tokens, two.OfType<FinishedEvent>().Single().Tokens);

        // Every progress line says what each replica did: half the tokens each, the process' memory.
        Assert.All(two.OfType<ProgressEvent>(), p =>
        {
            Assert.Equal(["cpu:0", "cpu:1"], p.PerDevice!.Select(d => d.Id));
            Assert.All(p.PerDevice!, d => Assert.True(d.TokensPerS > 0 && d.MemoryBytes > 0 && d.Utilization is null, $"{d}"));
        });
        Assert.Equal(["cpu:0"], one.OfType<ProgressEvent>().First().PerDevice!.Select(d => d.Id));
    }

    [Fact]
    public void A_data_parallel_run_stopped_and_resumed_has_the_loss_curve_of_an_uninterrupted_one()
    {
        const int steps = 20;
        const int stopAt = 7;
        var config = Config(steps);
        config = config with { Training = config.Training with { EvalEvery = 10 } };

        using var straight = new TempFolder();
        var uninterrupted = TestRuns.Run(config, straight.Path, devices: TwoSlices);

        using var interrupted = new TempFolder();
        var control = new TrainingControl();
        var first = TestRuns.Run(config, interrupted.Path, control, e =>
        {
            if (e is ProgressEvent { Step: stopAt })
            {
                control.RequestStop();
            }
        }, TwoSlices);
        Assert.Equal(stopAt, first.OfType<StoppedEvent>().Single().Step);
        // One checkpoint for the run, whatever its number of devices.
        Assert.Single(Directory.GetFiles(Path.Combine(interrupted.Path, "checkpoints"), "*.ckpt"));

        var second = TestRuns.Resume(config, interrupted.Path, devices: TwoSlices);
        Assert.Equal(["cpu:0", "cpu:1"], second.OfType<StartedEvent>().Single().Devices);

        Assert.Equal(TestRuns.Losses(uninterrupted), TestRuns.Losses(first.Concat(second)));
        Assert.Equal(
            uninterrupted.OfType<EvaluationEvent>().Where(e => e.Step > stopAt).Select(e => (e.Step, e.ValLoss)),
            second.OfType<EvaluationEvent>().Select(e => (e.Step, e.ValLoss)));
    }

    [Fact]
    public void A_batch_too_small_to_give_every_device_a_sequence_is_refused_before_any_work()
    {
        var config = Config(4);
        config = config with { Training = config.Training with { BatchSize = 1 } };
        using var folder = new TempFolder();

        var refused = Assert.Throws<ConfigException>(() => Trainer.Start(config, folder.Path, _ => { }, TwoSlices));

        Assert.Contains("batch_size (1) cannot be split between 2 devices", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "checkpoints")) && Directory.EnumerateFileSystemEntries(Path.Combine(folder.Path, "checkpoints")).Any());
    }
}
