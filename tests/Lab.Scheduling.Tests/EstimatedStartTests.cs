namespace Lab.Scheduling.Tests;

/// <summary>
/// A waiting run's estimated start follows the runs ahead of it: their steps left at their measured pace, the moment a
/// run of an idea below its share may first ask for devices, and never a moment already past.
/// </summary>
public sealed class EstimatedStartTests
{
    private static readonly DateTimeOffset T0 = Pool.T0;

    [Fact]
    public void A_run_behind_one_that_may_step_aside_waits_until_it_may_ask_not_until_the_minimum_run_time()
    {
        // Idea a holds both devices and has run past the minimum run time; idea b's run arrives at minute 20 and may ask
        // a's newest run to step aside only after waiting 5 minutes.
        var pool = new Pool(SchedulingOptions.Default with { MinRunTime = TimeSpan.FromMinutes(10), PreemptAfter = TimeSpan.FromMinutes(5) })
            .Node("n1", 2)
            .Running("a1", "a", "n1", [0], started: 0, estimate: 120)
            .Running("a2", "a", "n1", [1], started: 1, estimate: 120)
            .Waiting("b1", "b", submitted: 20);

        var schedule = pool.At(21).Decide();

        Assert.Empty(schedule.Decisions);
        Assert.Equal(Pool.Minute(25), schedule.WaitOf("b1").EstimatedStart);
        Assert.Equal(Pool.Minute(25), schedule.WakeAt);
    }

    [Fact]
    public void A_run_behind_a_long_run_is_expected_when_the_steps_it_has_left_are_done_at_its_pace()
    {
        var ledger = OneDeviceWithARunAhead(totalSteps: 1000);
        ledger.Started(Run("long"), attempt: 1, step: 0, T0);
        ledger.Progressed(Run("long"), attempt: 1, step: 100, T0.AddMinutes(1));

        // A hundred steps a minute, nine hundred to go: nine minutes after the last report, not the hour assumed of a run
        // whose pace is unknown, and not "any moment now".
        Assert.Equal(T0.AddMinutes(10), StartOf(ledger.Decide(T0.AddMinutes(1)), "next"));
        Assert.Equal(T0.AddMinutes(10), StartOf(ledger.Decide(T0.AddMinutes(3)), "next"));

        // It slows down: the estimate follows its pace, the steps it has left counted from its last report.
        ledger.Progressed(Run("long"), attempt: 1, step: 200, T0.AddMinutes(4));
        Assert.Equal(T0.AddMinutes(4) + TimeSpan.FromMinutes(16), StartOf(ledger.Decide(T0.AddMinutes(4)), "next"));
    }

    [Fact]
    public void A_run_slower_than_its_pace_promised_keeps_the_run_behind_it_in_the_future()
    {
        var ledger = OneDeviceWithARunAhead(totalSteps: 100);
        ledger.Started(Run("long"), attempt: 1, step: 0, T0);
        ledger.Progressed(Run("long"), attempt: 1, step: 90, T0.AddMinutes(9));

        // Ten steps left at six seconds each: it should end at 9:60. At minute 12 it has not: it needs at least another
        // step at its pace, so the run behind it starts no earlier than six seconds from now.
        for (var minute = 10; minute <= 12; minute++)
        {
            var now = T0.AddMinutes(minute);
            var start = StartOf(ledger.Decide(now), "next");
            Assert.True(start > now, $"at minute {minute} the estimated start {start:O} is not after now");
        }
        Assert.Equal(T0.AddMinutes(12).AddSeconds(6), StartOf(ledger.Decide(T0.AddMinutes(12)), "next"));
    }

    [Fact]
    public void Without_a_known_pace_a_run_is_assumed_to_take_the_default_estimate()
    {
        var ledger = OneDeviceWithARunAhead(totalSteps: 1000);

        Assert.Equal(T0 + SchedulingOptions.Default.DefaultEstimate, StartOf(ledger.Decide(T0.AddMinutes(5)), "next"));
    }

    /// <summary>One device, held since T0 by "long" (of idea a, with <paramref name="totalSteps"/>), and "next" of the same idea waiting.</summary>
    private static PoolLedger OneDeviceWithARunAhead(int totalSteps)
    {
        var ledger = new PoolLedger();
        ledger.Join(new PoolNode("n1", DeviceKind.Cuda, 1), null, T0);
        ledger.Admit(new LedgerRun { Run = new PoolRun(Run("long"), Pool.Id("a"), T0), TotalSteps = totalSteps });
        ledger.Apply(new StartRun(Run("long"), "n1", DeviceSet.Of(0)), T0);
        ledger.Admit(new LedgerRun { Run = new PoolRun(Run("next"), Pool.Id("a"), T0.AddSeconds(1)), TotalSteps = totalSteps });
        return ledger;
    }

    private static Guid Run(string name) => Pool.Id(name);

    private static DateTimeOffset? StartOf(Schedule schedule, string run) => schedule.WaitOf(run).EstimatedStart;
}
