using Lab.Training.Engine;
using Lab.Training.Protocol;

namespace Lab.Training.Tests;

/// <summary>A run stopped and resumed continues exactly where it stopped: the same loss at every step.</summary>
[Trait(Lab.Testing.TestSpeed.Trait, Lab.Testing.TestSpeed.Slow)]
public sealed class ResumeTests
{
    /// <summary>With multi-token prediction or latent attention the modules' weights and moments are in the checkpoint too.</summary>
    [Theory]
    [InlineData("plain")]
    [InlineData("mtp")]
    [InlineData("mla")]
    public void A_run_stopped_at_a_step_and_resumed_has_the_loss_curve_of_an_uninterrupted_run(string variant)
    {
        const int steps = 36;
        const int stopAt = 13;
        var config = TestRuns.Tiny(variant, steps);
        config = config with { Training = config.Training with { EvalEvery = 10 } };

        using var straight = new TempFolder();
        var uninterrupted = TestRuns.Run(config, straight.Path);

        using var interrupted = new TempFolder();
        var control = new TrainingControl();
        var first = TestRuns.Run(config, interrupted.Path, control, e =>
        {
            if (e is ProgressEvent { Step: stopAt })
            {
                control.RequestStop();
            }
        });
        var stopped = first.OfType<StoppedEvent>().Single();
        Assert.Equal(stopAt, stopped.Step);
        Assert.True(File.Exists(stopped.Checkpoint));
        Assert.Empty(first.OfType<FinishedEvent>());

        var second = TestRuns.Resume(config, interrupted.Path);
        Assert.Equal(stopAt, second.OfType<StartedEvent>().Single().Step);

        var expected = TestRuns.Losses(uninterrupted);
        var actual = TestRuns.Losses(first.Concat(second));
        Assert.Equal(Enumerable.Range(1, steps), actual.Keys);
        Assert.Equal(expected, actual);
        Assert.Equal(MtpLosses(uninterrupted), MtpLosses(first.Concat(second)));
        Assert.Equal(variant == "mtp", MtpLosses(uninterrupted).Count == steps);
        var expectedEvaluations = uninterrupted.OfType<EvaluationEvent>().Where(e => e.Step > stopAt).Select(e => (e.Step, e.ValLoss));
        Assert.Equal(expectedEvaluations, second.OfType<EvaluationEvent>().Select(e => (e.Step, e.ValLoss)));
        Assert.Equal(uninterrupted.OfType<FinishedEvent>().Single().ValLoss, second.OfType<FinishedEvent>().Single().ValLoss);
    }

    private static List<double> MtpLosses(IEnumerable<TrainingEvent> events) =>
        events.OfType<ProgressEvent>().Where(p => p.MtpLoss is not null).Select(p => p.MtpLoss!.Value).ToList();

    [Fact]
    public void A_checkpoint_request_saves_at_the_next_step_and_training_carries_on()
    {
        using var folder = new TempFolder();
        var control = new TrainingControl();
        var events = TestRuns.Run(TestRuns.Tiny(steps: 8), folder.Path, control, e =>
        {
            if (e is ProgressEvent { Step: 3 })
            {
                control.RequestCheckpoint();
            }
        });

        var requested = events.OfType<CheckpointEvent>().Single(c => c.Reason == "request");
        Assert.Equal(3, requested.Step);
        Assert.True(File.Exists(requested.Path));
        Assert.Equal(8, events.OfType<FinishedEvent>().Single().Step);
    }

    [Fact]
    public void Cancellation_stops_at_a_step_boundary_and_saves()
    {
        using var folder = new TempFolder();
        using var cancellation = new CancellationTokenSource();
        var control = new TrainingControl();
        using var registration = control.StopWhenCancelled(cancellation.Token);
        var events = TestRuns.Run(TestRuns.Tiny(steps: 30), folder.Path, control, e =>
        {
            if (e is ProgressEvent { Step: 5 })
            {
                cancellation.Cancel();
            }
        });

        var stopped = events.OfType<StoppedEvent>().Single();
        Assert.Equal(5, stopped.Step);
        Assert.Equal(stopped.Checkpoint, events.OfType<CheckpointEvent>().Last().Path);
    }
}
