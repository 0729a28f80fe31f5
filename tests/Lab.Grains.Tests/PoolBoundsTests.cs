using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;

namespace Lab.Grains.Tests;

/// <summary>The pool holds every run to the lab's bounds, the same for everyone: time on devices, runs waiting per member.</summary>
public sealed class PoolBoundsTests
{
    private static readonly Guid Alice = Guid.CreateVersion7();
    private static readonly Guid Bob = Guid.CreateVersion7();

    [Fact]
    public async Task A_run_that_holds_devices_longer_than_the_bound_over_all_its_placements_fails_and_gives_its_device_back()
    {
        // Nodes stay alive however far the clock moves: this test is about the run's time, not faults.
        await using var lab = await PoolLab.StartAsync(heartbeatTimeout: TimeSpan.FromDays(1), bounds: new LabBounds { MaxRunTime = TimeSpan.FromHours(2) });
        await lab.BeatAsync("n1");
        var run = await lab.SubmitAsync(await lab.IdeaAsync("Endless", Alice), Alice, steps: 1000);
        await lab.BeatAsync("n1", 1, new RunReport(run.Id, 1, RunReportKind.Started, lab.Clock.GetUtcNow()));

        // 90 minutes, then its worker stops it; it is placed again at once and resumes.
        lab.Clock.Advance(TimeSpan.FromMinutes(90));
        Assert.Equal(RunStatus.Running, (await lab.RunAsync(run.Id)).Status);
        var restarted = await lab.BeatAsync("n1", 1, new RunReport(run.Id, 1, RunReportKind.Stopped, lab.Clock.GetUtcNow(), Step: 400, Checkpoint: "/c/step-400"));
        var order = Assert.Single(restarted.Runs);
        Assert.Equal((run.Id, 2, false), (order.RunId, order.Attempt, order.Stop));
        await lab.BeatAsync("n1", 1, new RunReport(run.Id, 2, RunReportKind.Started, lab.Clock.GetUtcNow(), Step: 400, Resumed: true));

        // 110 minutes in all: still within the bound.
        lab.Clock.Advance(TimeSpan.FromMinutes(20));
        await lab.BeatAsync("n1");
        Assert.Equal(RunStatus.Running, (await lab.RunAsync(run.Id)).Status);

        // 125 minutes in all: the second placement alone is 35 minutes, the two together are past the bound.
        // The pool woke at the bound; its worker's next beat comes after that.
        lab.Clock.Advance(TimeSpan.FromMinutes(15));
        var orders = await lab.BeatAsync("n1");
        var failed = await lab.RunAsync(run.Id);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Equal("ran longer than the lab's bound of 2 h", failed.FailureReason);
        Assert.Equal(("failed", "ran longer than the lab's bound of 2 h"), (failed.History[^1].Event, failed.History[^1].Detail));
        Assert.Null(failed.Node);
        Assert.Equal(125 * 60, failed.DeviceSeconds, 3);
        // Its worker is no longer told to run it, and the device is free for others.
        Assert.Empty(orders.Runs);
        var pool = await lab.Pool.Get();
        Assert.Equal(0, pool.DevicesInUse);
        var next = await lab.SubmitAsync(await lab.IdeaAsync("Next", Bob), Bob);
        Assert.Equal(RunStatus.Placed, next.Status);
    }

    [Fact]
    public async Task A_member_with_the_most_runs_waiting_is_refused_another_until_one_starts_and_others_are_not()
    {
        await using var lab = await PoolLab.StartAsync(bounds: new LabBounds { MaxQueuedRunsPerMember = 2 });
        var idea = await lab.IdeaAsync("Sweep", Alice);
        var first = await lab.SubmitAsync(idea, Alice);
        var second = await lab.SubmitAsync(idea, Alice);
        Assert.All([first, second], r => Assert.Equal(RunStatus.Queued, r.Status)); // no node yet: both wait

        var refusedId = Guid.CreateVersion7();
        var refused = await Assert.ThrowsAsync<LabRefusedException>(() =>
            lab.Pool.Submit(refusedId, new SubmitRun(idea, """{"training":{"steps":20}}""", 20), Alice));
        Assert.Equal(LabRefusal.TooMany, refused.Kind);
        Assert.Contains("You have 2 runs waiting", refused.Message);
        Assert.Contains("the same for everyone", refused.Message);
        Assert.Null(await lab.Client.GetGrain<IRunGrain>(refusedId).Get()); // nothing was written
        Assert.Equal(RunStatus.Queued, (await lab.SubmitAsync(idea, Bob)).Status); // Bob's own waiting runs are his

        // A node joins and Alice's first run starts: she has one waiting, so one more may wait.
        await lab.BeatAsync("n1");
        Assert.Equal(RunStatus.Placed, (await lab.RunAsync(first.Id)).Status);
        var third = await lab.SubmitAsync(idea, Alice);
        Assert.Equal(RunStatus.Queued, third.Status);

        // Resuming a cancelled run makes it wait again: the same bound applies.
        await lab.Pool.Cancel(third.Id, Alice);
        var fourth = await lab.SubmitAsync(idea, Alice);
        var resume = await Assert.ThrowsAsync<LabRefusedException>(() => lab.Pool.Resume(third.Id, Alice));
        Assert.Equal(LabRefusal.TooMany, resume.Kind);
        Assert.Equal(RunStatus.Cancelled, (await lab.RunAsync(third.Id)).Status);
        await lab.Pool.Cancel(fourth.Id, Alice);
        Assert.Equal(RunStatus.Queued, (await lab.Pool.Resume(third.Id, Alice)).Status);
    }
}
