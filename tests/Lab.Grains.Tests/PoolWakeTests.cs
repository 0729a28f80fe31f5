using Lab.Contracts.Runs;

namespace Lab.Grains.Tests;

/// <summary>
/// The pool looks again the moment something falls due (a node silent too long, a run that waited long enough for one
/// that ran long enough), with no call to prompt it, and not on a fixed tick: the tests move a fake clock and wait for
/// the wake-up it made due.
/// </summary>
public sealed class PoolWakeTests
{
    private static readonly Guid Alice = Guid.CreateVersion7();
    private static readonly Guid Bob = Guid.CreateVersion7();

    [Fact]
    public async Task A_node_silent_past_its_timeout_loses_its_lease_without_any_call_to_the_pool()
    {
        await using var lab = await PoolLab.StartAsync(); // heartbeat timeout 30 s
        await lab.BeatAsync("doomed");
        var run = await lab.SubmitAsync(await lab.IdeaAsync("Alone", Alice), Alice);
        Assert.Equal("doomed", run.Node);
        using var wakeUps = lab.WatchWakeUps();

        lab.Clock.Advance(TimeSpan.FromSeconds(29));
        lab.Clock.Advance(TimeSpan.FromSeconds(2));
        await wakeUps.NextAsync();

        // Its first wake-up since is the one at the timeout: nothing woke it at 29 s.
        var pool = await lab.Pool.Get();
        Assert.False(Assert.Single(pool.Nodes).Alive);
        var queued = Assert.Single(pool.Queue!);
        Assert.Equal(run.Id, queued.RunId);
        Assert.False(string.IsNullOrWhiteSpace(queued.Reason));
        var requeued = await lab.RunAsync(run.Id);
        Assert.Equal((RunStatus.Queued, (string?)null), (requeued.Status, requeued.Node));
        Assert.Contains(requeued.History, h => h.Event == "requeued" && h.Detail.Contains("doomed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_over_share_run_is_asked_to_step_aside_as_soon_as_the_newcomer_waited_long_enough_without_any_call()
    {
        // Nodes stay alive however far the clock moves: this test is about fairness, not faults.
        await using var lab = await PoolLab.StartAsync(heartbeatTimeout: TimeSpan.FromDays(1));
        await lab.BeatAsync("n1", devices: 2);
        var greedy = await lab.IdeaAsync("Greedy", Alice);
        var first = await lab.SubmitAsync(greedy, Alice);
        var second = await lab.SubmitAsync(greedy, Alice);
        lab.Clock.Advance(TimeSpan.FromMinutes(6));
        var waiting = await lab.SubmitAsync(await lab.IdeaAsync("Newcomer", Bob), Bob);
        Assert.Equal(RunStatus.Queued, waiting.Status);
        using var wakeUps = lab.WatchWakeUps();

        // The newcomer has waited five minutes (PreemptAfter) and the greedy runs have run ten (MinRunTime).
        lab.Clock.Advance(TimeSpan.FromMinutes(5));
        await wakeUps.NextAsync();

        var stopping = Assert.Single((await lab.Pool.Get()).Running!, l => l.Stopping);
        Assert.Equal(second.Id, stopping.RunId); // the over-share idea's newest run
        Assert.Equal(RunStatus.Stopping, (await lab.RunAsync(second.Id)).Status);
        Assert.Equal(RunStatus.Placed, (await lab.RunAsync(first.Id)).Status);
    }
}
