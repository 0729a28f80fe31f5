namespace Lab.Scheduling.Tests;

/// <summary>The ledger the pool grain and the simulator share: it applies only what fits the pool, and says when to look again.</summary>
public sealed class LedgerTests
{
    private static readonly DateTimeOffset T0 = Pool.T0;

    [Fact]
    public void A_decision_that_does_not_fit_the_pool_is_refused_and_changes_nothing()
    {
        var pool = new Pool().Node("n1", 2).Running("a1", "a", "n1", [0], started: 0).Waiting("b1", "b");
        var ledger = pool.Ledger;

        Assert.Contains("leased", Refused(ledger, new StartRun(Pool.Id("b1"), "n1", DeviceSet.Of(0))));
        Assert.Contains("wrong number", Refused(ledger, new StartRun(Pool.Id("b1"), "n1", DeviceSet.Of(1, 2))));
        Assert.Contains("not live", Refused(ledger, new StartRun(Pool.Id("b1"), "n9", DeviceSet.Of(0))));
        Assert.Contains("already holds", Refused(ledger, new StartRun(Pool.Id("a1"), "n1", DeviceSet.Of(1))));
        Assert.Contains("does not run", Refused(ledger, new PreemptRun(Pool.Id("b1"), "n1")));
        Assert.Contains("no void lease", Refused(ledger, new RequeueRun(Pool.Id("a1"), "n1")));
        Assert.Contains("not in the pool", Refused(ledger, new ReserveNode(Pool.Id("nobody"), "n1")));

        Assert.Equal(RunStanding.Waiting, ledger.Run(Pool.Id("b1"))!.Standing);
        ledger.Apply(new StartRun(Pool.Id("b1"), "n1", DeviceSet.Of(1)), T0);
        Assert.Equal((RunStanding.Leased, 1), (ledger.Run(Pool.Id("b1"))!.Standing, ledger.Run(Pool.Id("b1"))!.Attempt));
    }

    [Fact]
    public void A_restarted_worker_voids_the_leases_it_held_and_its_runs_wait_again()
    {
        var ledger = new PoolLedger();
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        ledger.Join(new PoolNode("n1", DeviceKind.Cuda, 2), first, T0);
        ledger.Join(new PoolNode("n2", DeviceKind.Cuda, 2), null, T0);
        Start(ledger, "a1", "n1", T0);
        Start(ledger, "b1", "n2", T0);

        Assert.True(ledger.Heard(new PoolNode("n1", DeviceKind.Cuda, 2), first, T0.AddSeconds(5)));
        Assert.False(ledger.Heard(new PoolNode("n1", DeviceKind.Cuda, 2), second, T0.AddSeconds(10)));
        var requeues = ledger.Join(new PoolNode("n1", DeviceKind.Cuda, 2), second, T0.AddSeconds(10));

        Assert.Equal([new RequeueRun(Pool.Id("a1"), "n1")], requeues);
        ledger.Apply(requeues[0], T0.AddSeconds(10));
        var a1 = ledger.Run(Pool.Id("a1"))!;
        Assert.Equal((RunStanding.Waiting, T0.AddSeconds(10), TimeSpan.FromSeconds(10)), (a1.Standing, a1.Run.QueuedAt, a1.HeldBefore));
        Assert.Equal(RunStanding.Leased, ledger.Run(Pool.Id("b1"))!.Standing);
        // The same worker beating again voids nothing.
        Assert.Empty(ledger.Join(new PoolNode("n2", DeviceKind.Cuda, 2), null, T0.AddSeconds(20)));
    }

    [Fact]
    public void A_node_lost_and_back_before_its_runs_were_requeued_gives_their_leases_up()
    {
        var ledger = new PoolLedger();
        ledger.Join(new PoolNode("n1", DeviceKind.Cuda, 1), null, T0);
        Start(ledger, "a1", "n1", T0);

        ledger.Lose("n1", T0.AddSeconds(1));

        Assert.Equal([new RequeueRun(Pool.Id("a1"), "n1")], ledger.Join(new PoolNode("n1", DeviceKind.Cuda, 1), null, T0.AddMinutes(1)));
    }

    [Fact]
    public void Only_reports_of_the_lease_a_run_holds_now_count()
    {
        var ledger = new PoolLedger();
        ledger.Join(new PoolNode("n1", DeviceKind.Cuda, 1), null, T0);
        ledger.Join(new PoolNode("n2", DeviceKind.Cuda, 1), null, T0);
        Start(ledger, "a1", "n1", T0);
        ledger.Requeue(Pool.Id("a1"), T0.AddMinutes(1));
        ledger.Apply(new StartRun(Pool.Id("a1"), "n2", DeviceSet.Of(0)), T0.AddMinutes(2));

        Assert.True(ledger.Holds("n2", Pool.Id("a1"), attempt: 2));
        Assert.False(ledger.Holds("n1", Pool.Id("a1"), attempt: 1));
        Assert.False(ledger.Holds("n2", Pool.Id("a1"), attempt: 1));
        Assert.False(ledger.Holds("n2", Pool.Id("nobody"), attempt: 2));
    }

    [Fact]
    public void A_cancelled_run_leaves_at_once_when_it_waits_and_once_stopped_when_it_runs()
    {
        var pool = new Pool().Node("n1", 1).Running("a1", "a", "n1", [0], started: 0).Waiting("a2", "a");
        var ledger = pool.Ledger;

        ledger.Cancel(Pool.Id("a2"));
        ledger.Cancel(Pool.Id("a1"));

        Assert.Null(ledger.Run(Pool.Id("a2")));
        var a1 = ledger.Run(Pool.Id("a1"))!;
        Assert.Equal(RunStanding.Cancelled, a1.Standing);
        Assert.True(Assert.Single(ledger.LeasedOn("n1")).Run.Stopping); // its worker is told to stop it
        ledger.Requeue(a1.Id, T0.AddMinutes(1)); // it stopped
        Assert.Null(ledger.Run(a1.Id));
        Assert.Empty(ledger.Runs);
    }

    [Fact]
    public void The_pool_looks_again_when_a_node_would_be_silent_too_long_or_a_run_past_its_bound()
    {
        var ledger = new PoolLedger(new LedgerOptions { HeartbeatTimeout = TimeSpan.FromSeconds(30), MaxRunTime = TimeSpan.FromHours(2) });
        ledger.Join(new PoolNode("n1", DeviceKind.Cuda, 1), null, T0);
        Start(ledger, "a1", "n1", T0);
        ledger.Decide(T0);
        var justAfter = TimeSpan.FromTicks(1);

        Assert.Equal(T0.AddSeconds(30) + justAfter, ledger.WakeAt);
        ledger.Heard(new PoolNode("n1", DeviceKind.Cuda, 1), null, T0.AddSeconds(20));
        Assert.Equal(T0.AddSeconds(50) + justAfter, ledger.WakeAt);
        Assert.Empty(ledger.Silent(T0.AddSeconds(50)));
        Assert.Equal("n1", Assert.Single(ledger.Silent(T0.AddSeconds(50) + justAfter)).Name);

        ledger.Heard(new PoolNode("n1", DeviceKind.Cuda, 1), null, T0.AddHours(2));
        Assert.Equal(T0.AddHours(2) + justAfter, ledger.WakeAt);
        Assert.Empty(ledger.OverTime(T0.AddHours(2)));
        Assert.Equal(Pool.Id("a1"), Assert.Single(ledger.OverTime(T0.AddHours(2) + justAfter)).Id);
    }

    [Fact]
    public void A_running_run_is_expected_to_end_at_its_pace_and_after_a_requeue_to_need_what_it_had_left()
    {
        var ledger = new PoolLedger();
        ledger.Join(new PoolNode("n1", DeviceKind.Cuda, 1), null, T0);
        ledger.Admit(new LedgerRun { Run = new PoolRun(Pool.Id("a1"), Pool.Id("a"), T0), TotalSteps = 20 });
        ledger.Apply(new StartRun(Pool.Id("a1"), "n1", DeviceSet.Of(0)), T0);

        ledger.Started(Pool.Id("a1"), attempt: 1, step: 0, T0.AddMinutes(1));
        ledger.Progressed(Pool.Id("a1"), attempt: 1, step: 10, T0.AddMinutes(11));
        ledger.Progressed(Pool.Id("a1"), attempt: 0, step: 19, T0.AddMinutes(12)); // an earlier lease's report

        // Eleven minutes in, ten steps left at a minute each: its lease should last 21 minutes.
        Assert.Equal(TimeSpan.FromMinutes(21), ledger.Run(Pool.Id("a1"))!.Run.Estimate);
        Assert.Equal(TimeSpan.FromMinutes(21), ledger.State(T0.AddMinutes(11)).Runs.Single().Estimate); // what the policy is given
        ledger.Requeue(Pool.Id("a1"), T0.AddMinutes(12));
        Assert.Equal(TimeSpan.FromMinutes(10), ledger.Run(Pool.Id("a1"))!.Run.Estimate);
    }

    private static void Start(PoolLedger ledger, string run, string node, DateTimeOffset at)
    {
        ledger.Admit(new LedgerRun { Run = new PoolRun(Pool.Id(run), Pool.Id(run[..1]), at) });
        ledger.Apply(new StartRun(Pool.Id(run), node, DeviceSet.Of(0)), at);
    }

    private static string Refused(PoolLedger ledger, Decision decision) =>
        Assert.Throws<InvalidOperationException>(() => ledger.Apply(decision, T0)).Message;
}
