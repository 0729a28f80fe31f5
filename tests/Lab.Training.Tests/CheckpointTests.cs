using Lab.Training.Checkpoints;
using Lab.Training.Protocol;

namespace Lab.Training.Tests;

/// <summary>A damaged or missing checkpoint is reported and never loaded.</summary>
public sealed class CheckpointTests
{
    [Fact]
    public void A_checkpoint_with_a_flipped_payload_byte_is_refused()
    {
        using var folder = new TempFolder();
        var checkpoint = TrainBriefly(folder.Path);
        FlipByte(checkpoint, at: 1000);

        var error = Assert.Throws<CheckpointException>(() => TestRuns.Resume(TestRuns.Tiny(steps: 8), folder.Path));
        Assert.Contains("corrupt", error.Message);
        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void A_truncated_checkpoint_is_refused()
    {
        using var folder = new TempFolder();
        var checkpoint = TrainBriefly(folder.Path);
        using (var file = new FileStream(checkpoint, FileMode.Open))
        {
            file.SetLength(file.Length / 2);
        }

        var error = Assert.Throws<CheckpointException>(() => TestRuns.Resume(TestRuns.Tiny(steps: 8), folder.Path));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Resuming_where_there_is_no_checkpoint_is_refused()
    {
        using var folder = new TempFolder();

        var error = Assert.Throws<CheckpointException>(() => TestRuns.Resume(TestRuns.Tiny(steps: 8), folder.Path));
        Assert.Contains("no checkpoint", error.Message);
    }

    [Fact]
    public void A_corrupt_newest_checkpoint_is_skipped_with_a_warning_for_the_older_valid_one()
    {
        using var folder = new TempFolder();
        var config = TestRuns.Tiny(steps: 6);
        config = config with { Training = config.Training with { CheckpointEvery = 3 } };
        var newest = TestRuns.Run(config, folder.Path).OfType<FinishedEvent>().Single().Checkpoint;
        FlipByte(newest, at: 500);

        var events = TestRuns.Resume(config with { Training = config.Training with { Steps = 8 } }, folder.Path);

        Assert.Contains(events.OfType<WarningEvent>(), w => w.Message.Contains("corrupt") && w.Message.Contains("step 3"));
        Assert.Equal(3, events.OfType<StartedEvent>().Single().Step);
        Assert.Equal(8, events.OfType<FinishedEvent>().Single().Step);
    }

    [Fact]
    public void A_checkpoint_of_a_different_model_is_refused()
    {
        using var folder = new TempFolder();
        TrainBriefly(folder.Path);
        var config = TestRuns.Tiny(steps: 8);
        var wider = config with { Model = config.Model with { ModelDim = 128 } };

        var error = Assert.ThrowsAny<Exception>(() => TestRuns.Resume(wider, folder.Path));
        Assert.Contains("different model", error.Message);
    }

    private static string TrainBriefly(string folder) =>
        TestRuns.Run(TestRuns.Tiny(steps: 4), folder).OfType<FinishedEvent>().Single().Checkpoint;

    private static void FlipByte(string path, long at)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = at;
        var value = file.ReadByte();
        file.Position = at;
        file.WriteByte((byte)(value ^ 0xFF));
    }
}
