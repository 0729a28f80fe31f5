using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Knowledge.Pool;
using Lab.Knowledge.Runs;

namespace Lab.Grains.Tests;

public sealed class PoolGrainTests
{
    private static readonly Guid Alice = Guid.CreateVersion7();
    private static readonly Guid Bob = Guid.CreateVersion7();

    [Fact]
    public async Task A_run_on_a_free_device_starts_at_once_and_its_finish_becomes_knowledge_with_its_device_time()
    {
        // The node stays alive while the clock moves 90 seconds without a heartbeat: this test is about accounting, not faults.
        await using var lab = await PoolLab.StartAsync(heartbeatTimeout: TimeSpan.FromDays(1));
        await lab.BeatAsync("n1");
        var idea = await lab.IdeaAsync("Shared experts", Alice);

        var run = await lab.SubmitAsync(idea, Alice);
        Assert.Equal(RunStatus.Placed, run.Status);
        Assert.Equal("n1", run.Node);
        var order = Assert.Single((await lab.BeatAsync("n1")).Runs);
        Assert.Equal((run.Id, 1, false), (order.RunId, order.Attempt, order.Stop));

        await lab.BeatAsync("n1", 1, new RunReport(run.Id, 1, RunReportKind.Started, lab.Clock.GetUtcNow()),
            new RunReport(run.Id, 1, RunReportKind.Progress, lab.Clock.GetUtcNow(), Step: 10, Loss: 3.1, TokensPerS: 900));
        lab.Clock.Advance(TimeSpan.FromSeconds(90));
        // A running run's device time counts its open lease up to now.
        Assert.Equal(90, (await lab.RunAsync(run.Id)).DeviceSeconds, 3);
        var after = await lab.BeatAsync("n1", 1, new RunReport(run.Id, 1, RunReportKind.Finished, lab.Clock.GetUtcNow(), Step: 20,
            Loss: 2.5, ValLoss: 2.7, TokensPerS: 1000, ModelGflopsPerS: 1.5, ExpertLoadMaxOverMean: 1.2, Checkpoint: "/c/step-20"));

        Assert.Empty(after.Runs);
        lab.Clock.Advance(TimeSpan.FromSeconds(60));
        var finished = await lab.RunAsync(run.Id);
        Assert.Equal(RunStatus.Finished, finished.Status);
        Assert.Equal(90, finished.DeviceSeconds, 3);
        Assert.Equal(2.7, finished.Outcome!.ValLoss);
        Assert.Equal(["submitted", "placed", "started", "checkpointed", "finished"], finished.History.Select(h => h.Event));
        await using var session = lab.Store.QuerySession();
        var entry = await session.LoadAsync<RunEntry>(run.Id);
        Assert.NotNull(entry);
        Assert.Equal(idea, entry.IdeaId);
        Assert.Contains("Shared experts", entry.Title);
        Assert.Equal(10, Assert.Single(entry.Curve).Step);
    }

    [Fact]
    public async Task An_idea_below_its_share_gets_a_device_by_preemption_and_the_preempted_run_resumes_from_its_checkpoint()
    {
        // Nodes stay alive however far the clock moves: this test is about fairness, not faults.
        await using var lab = await PoolLab.StartAsync(heartbeatTimeout: TimeSpan.FromDays(1));
        await lab.BeatAsync("n1", devices: 2);
        var greedy = await lab.IdeaAsync("Greedy", Alice);
        var newcomer = await lab.IdeaAsync("Newcomer", Bob);
        var first = await lab.SubmitAsync(greedy, Alice);
        var second = await lab.SubmitAsync(greedy, Alice);
        Assert.All([first, second], r => Assert.Equal(RunStatus.Placed, r.Status));

        lab.Clock.Advance(TimeSpan.FromMinutes(11));
        var waiting = await lab.SubmitAsync(newcomer, Bob);
        Assert.Equal(RunStatus.Queued, waiting.Status);
        var pool = await lab.Pool.Get();
        var queued = Assert.Single(pool.Queue!);
        Assert.Equal(waiting.Id, queued.RunId);
        Assert.False(string.IsNullOrWhiteSpace(queued.Reason));
        Assert.NotNull(queued.EstimatedStart);
        Assert.Equal(1.0, pool.Utilization);

        // Five minutes after it queued, the pool wakes and asks the over-share idea to give way; the worker hears it on its next beat.
        lab.Clock.Advance(TimeSpan.FromMinutes(6));
        var orders = await lab.BeatAsync("n1", 2);
        var stop = Assert.Single(orders.Runs, o => o.Stop);
        Assert.Equal(second.Id, stop.RunId); // the over-share idea's newest run
        Assert.Equal(RunStatus.Stopping, (await lab.RunAsync(second.Id)).Status);

        orders = await lab.BeatAsync("n1", 2, new RunReport(second.Id, 1, RunReportKind.Stopped, lab.Clock.GetUtcNow(), Step: 7, Checkpoint: "/c/step-7"));
        Assert.Contains(orders.Runs, o => o.RunId == waiting.Id && !o.Stop);
        Assert.DoesNotContain(orders.Runs, o => o.RunId == second.Id);
        var preempted = await lab.RunAsync(second.Id);
        Assert.Equal(RunStatus.Queued, preempted.Status);
        Assert.Equal(7, preempted.CheckpointStep);
        Assert.Equal(1, preempted.Preemptions);
        Assert.Contains(preempted.History, h => h.Event == "requeued" && h.Detail.Contains("step 7"));
        var shares = (await lab.Pool.Get()).Shares!;
        Assert.Equal(1, shares.Single(s => s.IdeaId == greedy).Allocated);
        Assert.Equal(1, shares.Single(s => s.IdeaId == newcomer).Allocated);

        // When the newcomer's run ends, the preempted run gets its device back and resumes.
        await lab.BeatAsync("n1", 2, new RunReport(waiting.Id, 1, RunReportKind.Finished, lab.Clock.GetUtcNow(), Step: 20, Loss: 2, ValLoss: 2));
        orders = await lab.BeatAsync("n1", 2);
        Assert.Contains(orders.Runs, o => o.RunId == second.Id && o.Attempt == 2);
        await lab.BeatAsync("n1", 2, new RunReport(second.Id, 2, RunReportKind.Started, lab.Clock.GetUtcNow(), Step: 7, Resumed: true));
        Assert.Equal(["submitted", "placed", "preempted", "checkpointed", "requeued", "placed", "resumed"],
            (await lab.RunAsync(second.Id)).History.Select(h => h.Event));
    }

    [Fact]
    public async Task A_runs_progress_is_recorded_with_it_and_the_run_waiting_for_its_device_is_expected_when_it_should_end()
    {
        await using var lab = await PoolLab.StartAsync(heartbeatTimeout: TimeSpan.FromDays(1));
        await lab.BeatAsync("n1");
        var idea = await lab.IdeaAsync("Pace", Alice);
        var running = await lab.SubmitAsync(idea, Alice, steps: 20);
        var next = await lab.SubmitAsync(idea, Alice);
        var start = lab.Clock.GetUtcNow();
        await lab.BeatAsync("n1", 1, new RunReport(running.Id, 1, RunReportKind.Started, start));

        lab.Clock.Advance(TimeSpan.FromMinutes(10));
        await lab.BeatAsync("n1", 1,
            new RunReport(running.Id, 1, RunReportKind.Progress, lab.Clock.GetUtcNow(), Step: 5, Loss: 3.5),
            new RunReport(running.Id, 1, RunReportKind.Progress, lab.Clock.GetUtcNow(), Step: 10, Loss: 3.1, TokensPerS: 800));
        await lab.SubmitAsync(idea, Alice); // the pool decides again

        var run = await lab.RunAsync(running.Id);
        Assert.Equal((10, 3.1), (run.Step, run.Loss));
        Assert.Equal(["submitted", "placed", "started"], run.History.Select(h => h.Event));
        var curve = await CurveAsync(lab, running.Id);
        Assert.Equal([5, 10], curve); // every progress report, though the pool heard only the last step
        // Ten steps in ten minutes, ten to go: the device is expected back twenty minutes after the run started, not in
        // the hour a run is assumed to take when nothing is known of its pace.
        Assert.Equal(start + TimeSpan.FromMinutes(20), (await lab.Pool.Get()).Queue!.Single(q => q.RunId == next.Id).EstimatedStart);
    }

    [Fact]
    public async Task A_silent_node_loses_its_leases_and_its_run_resumes_on_another_node()
    {
        await using var lab = await PoolLab.StartAsync();
        await lab.BeatAsync("doomed");
        var run = await lab.SubmitAsync(await lab.IdeaAsync("Fault tolerance", Alice), Alice);
        Assert.Equal("doomed", run.Node);
        await lab.BeatAsync("doomed", 1, new RunReport(run.Id, 1, RunReportKind.Started, lab.Clock.GetUtcNow()),
            new RunReport(run.Id, 1, RunReportKind.Checkpointed, lab.Clock.GetUtcNow(), Step: 12, Checkpoint: "/c/step-12"));

        lab.Clock.Advance(TimeSpan.FromSeconds(20));
        await lab.BeatAsync("survivor");
        Assert.Equal("doomed", (await lab.RunAsync(run.Id)).Node); // not yet timed out: the lease holds
        lab.Clock.Advance(TimeSpan.FromSeconds(15));
        await lab.BeatAsync("survivor");

        var moved = await lab.RunAsync(run.Id);
        Assert.Equal("survivor", moved.Node);
        Assert.Equal(2, moved.Attempts);
        Assert.Equal(12, moved.CheckpointStep);
        Assert.Contains(moved.History, h => h.Event == "requeued" && h.Detail.Contains("doomed"));
        Assert.Contains((await lab.BeatAsync("survivor")).Runs, o => o.RunId == run.Id && o.Attempt == 2);
        Assert.False((await lab.Pool.Get()).Nodes.Single(n => n.Name == "doomed").Alive);

        // A late report from the lost node's old placement changes nothing.
        await lab.BeatAsync("doomed", 1, new RunReport(run.Id, 1, RunReportKind.Finished, lab.Clock.GetUtcNow(), Step: 20, Loss: 1, ValLoss: 1));
        Assert.Equal(RunStatus.Placed, (await lab.RunAsync(run.Id)).Status);
    }

    [Fact]
    public async Task A_silo_restart_keeps_every_lease_and_the_queue_order()
    {
        var clock = PoolLab.NewClock();
        string database;
        Guid running, firstWaiting, secondWaiting;
        await using (var lab = await PoolLab.StartAsync(clock: clock))
        {
            database = lab.Database;
            await lab.BeatAsync("n1");
            var idea = await lab.IdeaAsync("Restart", Alice);
            running = (await lab.SubmitAsync(idea, Alice)).Id;
            firstWaiting = (await lab.SubmitAsync(idea, Alice)).Id;
            secondWaiting = (await lab.SubmitAsync(idea, Alice)).Id;
        }
        await using (var lab = await PoolLab.StartAsync(database, clock))
        {
            var pool = await lab.Pool.Get();
            Assert.True(Assert.Single(pool.Nodes).Alive); // counted on again until its heartbeat timeout
            Assert.Equal(running, Assert.Single(pool.Running!).RunId);
            var orders = await lab.BeatAsync("n1");
            Assert.Equal(running, Assert.Single(orders.Runs).RunId);
            Assert.Equal([firstWaiting, secondWaiting], (await lab.Pool.Get()).Queue!.Select(q => q.RunId));

            await lab.BeatAsync("n1", 1, new RunReport(running, 1, RunReportKind.Finished, clock.GetUtcNow(), Step: 20, Loss: 1, ValLoss: 1));
            Assert.Equal(firstWaiting, Assert.Single((await lab.BeatAsync("n1")).Runs).RunId);
        }
    }

    [Fact]
    public async Task A_pool_whose_nodes_were_not_yet_kept_inline_folds_its_stream_once_and_keeps_the_result()
    {
        var clock = PoolLab.NewClock();
        string database;
        await using (var lab = await PoolLab.StartAsync(clock: clock))
        {
            database = lab.Database;
            await lab.BeatAsync("n1", Guid.CreateVersion7(), 2);
            await lab.BeatAsync("n2");
            await lab.BeatAsync("n1", Guid.CreateVersion7(), 2); // its worker restarted
        }
        await using (var lab = await PoolLab.StartAsync(database, clock))
        {
            await using (var session = lab.Store.LightweightSession())
            {
                session.HardDelete<PoolNodes>(PoolStream.Id);
                await session.SaveChangesAsync();
            }
            var pool = await lab.Pool.Get();
            Assert.Equal(["n1", "n2"], pool.Nodes.Select(n => n.Name));
            Assert.Equal(2, pool.Nodes[0].Devices.Count);
            await using var query = lab.Store.QuerySession();
            var kept = await query.LoadAsync<PoolNodes>(PoolStream.Id);
            Assert.NotNull(kept);
            Assert.Equal(3, kept.Version);
            Assert.Equal(["n1", "n2"], kept.Nodes.Select(n => n.Name));
            await lab.BeatAsync("n2", 3); // the next change appends where the stream is
            await using var after = lab.Store.QuerySession();
            Assert.Equal(4, (await after.LoadAsync<PoolNodes>(PoolStream.Id))!.Version);
        }
    }

    [Fact]
    public async Task Only_the_submitter_or_the_ideas_team_can_cancel_and_a_running_run_is_stopped_by_its_worker()
    {
        await using var lab = await PoolLab.StartAsync();
        await lab.BeatAsync("n1");
        var idea = await lab.IdeaAsync("Cancel me", Alice);
        var run = await lab.SubmitAsync(idea, Alice);

        var refused = await Assert.ThrowsAsync<LabRefusedException>(() => lab.Pool.Cancel(run.Id, Bob));
        Assert.Equal(LabRefusal.Forbidden, refused.Kind);
        Assert.Equal(RunStatus.Placed, (await lab.RunAsync(run.Id)).Status);

        var cancelled = await lab.Pool.Cancel(run.Id, Alice);
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        var stop = Assert.Single((await lab.BeatAsync("n1")).Runs);
        Assert.True(stop.Stop);
        var next = await lab.SubmitAsync(idea, Alice);
        Assert.Equal(RunStatus.Queued, next.Status); // the cancelled run still holds the device until it has stopped

        var orders = await lab.BeatAsync("n1", 1, new RunReport(run.Id, 1, RunReportKind.Stopped, lab.Clock.GetUtcNow(), Step: 3));
        Assert.Equal(next.Id, Assert.Single(orders.Runs).RunId);
        Assert.Equal(RunStatus.Cancelled, (await lab.RunAsync(run.Id)).Status);
        Assert.Null((await lab.RunAsync(run.Id)).Node);
    }

    [Fact]
    public async Task A_cancelled_run_says_who_cancelled_it_and_its_submitter_can_resume_it_from_its_checkpoint()
    {
        await using var lab = await PoolLab.StartAsync();
        await lab.BeatAsync("n1");
        var idea = await lab.IdeaAsync("Resume me", Alice);
        var teammate = await Members.JoinAsync(lab.Client, "bob");
        await lab.Client.GetGrain<Lab.Contracts.Ideas.IIdeaGrain>(idea).JoinTeam(teammate);
        var run = await lab.SubmitAsync(idea, Alice);
        await lab.BeatAsync("n1", 1, new RunReport(run.Id, 1, RunReportKind.Started, lab.Clock.GetUtcNow()),
            new RunReport(run.Id, 1, RunReportKind.Checkpointed, lab.Clock.GetUtcNow(), Step: 8, Checkpoint: "step-8"));

        var cancelled = await lab.Pool.Cancel(run.Id, teammate);
        var line = cancelled.History[^1];
        Assert.Equal(("cancelled", teammate), (line.Event, line.By));
        Assert.Contains("by a member of its idea's team", line.Detail, StringComparison.Ordinal);

        var stillStopping = await Assert.ThrowsAsync<LabRefusedException>(() => lab.Pool.Resume(run.Id, Alice));
        Assert.Equal(LabRefusal.Conflict, stillStopping.Kind);
        await lab.BeatAsync("n1", 1, new RunReport(run.Id, 1, RunReportKind.Stopped, lab.Clock.GetUtcNow(), Step: 8));
        var notTheirs = await Assert.ThrowsAsync<LabRefusedException>(() => lab.Pool.Resume(run.Id, teammate));
        Assert.Equal(LabRefusal.Forbidden, notTheirs.Kind);

        var resumed = await lab.Pool.Resume(run.Id, Alice);
        Assert.Contains(resumed.History, h => h.Event == "reopened" && h.By == Alice && h.Detail.Contains("step 8", StringComparison.Ordinal));
        var order = Assert.Single((await lab.BeatAsync("n1")).Runs);
        Assert.Equal((run.Id, 2, false), (order.RunId, order.Attempt, order.Stop));
        Assert.Equal(RunStatus.Placed, (await lab.RunAsync(run.Id)).Status);
        var again = await Assert.ThrowsAsync<LabRefusedException>(() => lab.Pool.Resume(run.Id, Alice));
        Assert.Equal(LabRefusal.Conflict, again.Kind);
    }

    [Fact]
    public async Task A_run_whose_process_dies_starts_again_from_its_checkpoint_a_bounded_number_of_times()
    {
        await using var lab = await PoolLab.StartAsync();
        await lab.BeatAsync("n1");
        var idea = await lab.IdeaAsync("Crash me", Alice);
        var run = await lab.SubmitAsync(idea, Alice);
        await lab.BeatAsync("n1", 1, new RunReport(run.Id, 1, RunReportKind.Started, lab.Clock.GetUtcNow()),
            new RunReport(run.Id, 1, RunReportKind.Checkpointed, lab.Clock.GetUtcNow(), Step: 8, Checkpoint: "step-8"));

        for (var attempt = 1; attempt <= RunRules.MaxCrashRestarts; attempt++)
        {
            var orders = await lab.BeatAsync("n1", 1, new RunReport(run.Id, attempt, RunReportKind.Crashed, lab.Clock.GetUtcNow(), Step: 11, Message: "its training process died (killed, exit code 137)"));
            var again = Assert.Single(orders.Runs);
            Assert.Equal((run.Id, attempt + 1, false), (again.RunId, again.Attempt, again.Stop));
            var view = await lab.RunAsync(run.Id);
            var crashed = view.History.Last(h => h.Event == "crashed");
            Assert.Contains($"restart {attempt} of {RunRules.MaxCrashRestarts}, from the checkpoint at step 8", crashed.Detail, StringComparison.Ordinal);
            Assert.Contains("exit code 137", crashed.Detail, StringComparison.Ordinal);
        }

        await lab.BeatAsync("n1", 1, new RunReport(run.Id, RunRules.MaxCrashRestarts + 1, RunReportKind.Crashed, lab.Clock.GetUtcNow(), Step: 9, Message: "its training process died (killed, exit code 137)"));
        var failed = await lab.RunAsync(run.Id);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Contains($"died {RunRules.MaxCrashRestarts + 1} times", failed.FailureReason, StringComparison.Ordinal);
        Assert.Equal(RunRules.MaxCrashRestarts + 1, failed.Attempts);
    }

    [Fact]
    public async Task A_restarted_worker_gets_its_runs_again_as_new_placements_that_resume()
    {
        await using var lab = await PoolLab.StartAsync();
        var first = Guid.NewGuid();
        await lab.BeatAsync("n1", first);
        var idea = await lab.IdeaAsync("Outlive the worker", Alice);
        var run = await lab.SubmitAsync(idea, Alice);
        await lab.BeatAsync("n1", first, 1, new RunReport(run.Id, 1, RunReportKind.Started, lab.Clock.GetUtcNow()),
            new RunReport(run.Id, 1, RunReportKind.Checkpointed, lab.Clock.GetUtcNow(), Step: 5, Checkpoint: "step-5"));

        var second = Guid.NewGuid();
        var orders = await lab.BeatAsync("n1", second);

        Assert.Equal((run.Id, 2), (Assert.Single(orders.Runs).RunId, orders.Runs[0].Attempt));
        var history = (await lab.RunAsync(run.Id)).History;
        Assert.Contains(history, h => h.Event == "requeued" && h.Detail.Contains("its worker on n1 restarted", StringComparison.Ordinal) && h.Detail.Contains("step 5", StringComparison.Ordinal));
        Assert.Equal(2, history.Count(h => h.Event == "placed"));
        // The same worker beating again changes nothing.
        Assert.Equal(2, Assert.Single((await lab.BeatAsync("n1", second)).Runs).Attempt);
        Assert.Equal(2, (await lab.RunAsync(run.Id)).History.Count(h => h.Event == "placed"));
    }

    private static async Task<int[]> CurveAsync(PoolLab lab, Guid run)
    {
        await using var session = lab.Store.QuerySession();
        var summary = await session.LoadAsync<RunSummary>(run);
        return [.. summary!.Curve.Select(p => p.Step)];
    }

    [Fact]
    public async Task Submissions_that_break_the_rules_are_refused_and_write_nothing()
    {
        await using var lab = await PoolLab.StartAsync();
        var idea = await lab.IdeaAsync("Rules", Alice);
        await Assert.ThrowsAsync<LabRefusedException>(() => lab.Pool.Submit(Guid.CreateVersion7(), new SubmitRun(idea, "{}", 10, Devices: 0), Alice));
        var unknown = await Assert.ThrowsAsync<LabRefusedException>(() => lab.Pool.Submit(Guid.CreateVersion7(), new SubmitRun(Guid.CreateVersion7(), "{}", 10), Alice));
        Assert.Equal(LabRefusal.NotFound, unknown.Kind);
        await using var session = lab.Store.QuerySession();
        Assert.Equal(0, await Marten.QueryableExtensions.CountAsync(session.Query<RunSummary>()));
    }
}
