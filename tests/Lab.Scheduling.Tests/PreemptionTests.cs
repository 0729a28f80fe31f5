namespace Lab.Scheduling.Tests;

/// <summary>Giving devices back: checkpoint, step aside, requeue; the most over-share idea's newest run past the minimum run time first; never thrashing.</summary>
public sealed class PreemptionTests
{
    /// <summary>Preemption as soon as allowed, to look at the minimum run time and the choice of victims alone.</summary>
    private static readonly SchedulingOptions Options = SchedulingOptions.Default with
    {
        MinRunTime = TimeSpan.FromMinutes(10),
        PreemptAfter = TimeSpan.Zero,
    };

    /// <summary>Idea a alone holds all 8 devices, its runs started at minutes 0 to 7; idea b then asks for 4.</summary>
    private static Pool LoneIdeaThenAnother(SchedulingOptions? options = null)
    {
        var pool = new Pool(options ?? Options).Node("n1", 4).Node("n2", 4);
        for (var i = 1; i <= 8; i++)
        {
            pool.Running($"a{i}", "a", i <= 4 ? "n1" : "n2", [(i - 1) % 4], started: i - 1, estimate: 120);
        }
        for (var i = 1; i <= 4; i++)
        {
            pool.Waiting($"b{i}", "b", submitted: 8 + i);
        }
        return pool;
    }

    [Fact]
    public void A_lone_idea_keeps_its_devices_until_they_have_run_the_minimum_time()
    {
        var schedule = LoneIdeaThenAnother().At(9).Decide();

        Assert.Empty(schedule.Decisions);
        Assert.All(schedule.Waiting, w => Assert.Equal(WaitReason.PoolFull, w.Reason));
        // a1 to a4 may step aside once they have run 10 minutes: at minutes 10 to 13.
        Assert.Equal(
            [Pool.Minute(10), Pool.Minute(11), Pool.Minute(12), Pool.Minute(13)],
            schedule.Waiting.Select(w => w.EstimatedStart!.Value).Order());
        Assert.Equal(Pool.Minute(10), schedule.WakeAt);
    }

    [Fact]
    public void A_lone_idea_gives_devices_back_newest_first_as_another_idea_arrives()
    {
        var pool = LoneIdeaThenAnother().At(20);

        var asked = pool.Step();

        Assert.Equal(["a8", "a7", "a6", "a5"], asked.Preempted());
        Assert.Empty(asked.Started());
        Assert.All(asked.Waiting, w => Assert.Equal(WaitReason.DevicesBeingFreed, w.Reason));
        Assert.All(asked.Waiting, w => Assert.Equal(Pool.Minute(20), w.EstimatedStart));

        var resumed = pool.At(21).SteppedAside().Step();

        Assert.Equal(["b1", "b2", "b3", "b4"], resumed.Started());
        Assert.Equal(["a1", "a2", "a3", "a4"], pool.RunningOn("n1"));
        Assert.Equal(["b1", "b2", "b3", "b4"], pool.RunningOn("n2"));
        Assert.All(resumed.Waiting, w => Assert.Equal(WaitReason.FairShareReached, w.Reason));
        Assert.Equal(["a5", "a6", "a7", "a8"], resumed.Waiting.Select(w => Pool.Name(w.Run)));
    }

    [Fact]
    public void Only_runs_past_the_minimum_run_time_are_asked_to_step_aside()
    {
        // At minute 12 only a1, a2 and a3 have run 10 minutes; the newest of them go first.
        var schedule = LoneIdeaThenAnother().At(12).Decide();

        Assert.Equal(["a3", "a2", "a1"], schedule.Preempted());
        Assert.Equal(Pool.Minute(13), schedule.WakeAt);
    }

    [Fact]
    public void An_idea_below_its_share_first_waits_a_while_for_devices_to_free_by_themselves()
    {
        var pool = LoneIdeaThenAnother(Options with { PreemptAfter = TimeSpan.FromMinutes(5) });

        // b1 to b4 were queued at minutes 9 to 12: at 15 only b1 and b2 have waited 5 minutes.
        var schedule = pool.At(15).Decide();

        Assert.Equal(["a6", "a5"], schedule.Preempted());
        Assert.Equal(Pool.Minute(16), schedule.WakeAt);
    }

    [Fact]
    public void The_most_over_share_ideas_newest_run_steps_aside_first_and_shares_settle()
    {
        // 8 devices, shares 8/3 each: a holds 5 (started 0 to 4), b holds 3 (started 5 to 7), c waits.
        var pool = new Pool(Options).Node("n1", 8);
        for (var i = 1; i <= 5; i++)
        {
            pool.Running($"a{i}", "a", "n1", [i - 1], started: i - 1);
        }
        for (var i = 1; i <= 3; i++)
        {
            pool.Running($"b{i}", "b", "n1", [4 + i], started: 4 + i);
        }
        for (var i = 1; i <= 4; i++)
        {
            pool.Waiting($"c{i}", "c", submitted: 10 + i);
        }

        var schedule = pool.At(30).Decide();

        // a5 then a4; then a and b hold 3 each and c 2: taking one more from either would leave it below c.
        Assert.Equal(["a5", "a4"], schedule.Preempted());
        Assert.Equal(3, schedule.AllocatedTo("a"));
        Assert.Equal(3, schedule.AllocatedTo("b"));
        Assert.Equal(2, schedule.AllocatedTo("c"));
    }

    [Fact]
    public void Weighted_shares_are_restored_by_preemption()
    {
        var pool = new Pool(Options).Node("n1", 12).Weight("b", 2);
        for (var i = 1; i <= 12; i++)
        {
            pool.Running($"a{i}", "a", "n1", [i - 1], started: 0, submitted: i);
            pool.Waiting($"b{i}", "b", submitted: 20 + i);
        }

        var asked = pool.At(30).Step();
        pool.At(31).SteppedAside().Step();

        Assert.Equal(8, asked.Preempted().Length);
        Assert.Equal(8, pool.RunningOn("n1").Count(r => r.StartsWith('b')));
        Assert.Equal(4, pool.RunningOn("n1").Count(r => r.StartsWith('a')));
    }

    [Fact]
    public void An_equal_split_is_left_alone()
    {
        var pool = new Pool(Options).Node("n1", 4)
            .Running("a1", "a", "n1", [0], started: 0)
            .Running("a2", "a", "n1", [1], started: 0)
            .Running("b1", "b", "n1", [2], started: 0)
            .Running("b2", "b", "n1", [3], started: 0)
            .Waiting("a3", "a", submitted: 1)
            .Waiting("b3", "b", submitted: 1);

        var schedule = pool.At(60).Decide();

        Assert.Empty(schedule.Decisions);
        Assert.All(schedule.Waiting, w => Assert.Equal(WaitReason.FairShareReached, w.Reason));
    }

    [Fact]
    public void A_resumed_run_is_not_preempted_again_within_the_minimum_run_time()
    {
        // a's runs a5 to a8 were preempted, and resumed at minute 40 when b finished; b is back at minute 45.
        var pool = new Pool(Options).Node("n1", 8);
        for (var i = 1; i <= 8; i++)
        {
            pool.Running($"a{i}", "a", "n1", [i - 1], started: i <= 4 ? 0 : 40, submitted: i);
        }
        for (var i = 1; i <= 4; i++)
        {
            pool.Waiting($"b{i}", "b", submitted: 44);
        }

        var early = pool.At(45).Decide();
        var late = pool.At(50).Decide();

        // At 45 only a1 to a4 (running since 0) may step aside: the resumed ones are protected until 50.
        Assert.Equal(["a4", "a3", "a2", "a1"], early.Preempted());
        Assert.Equal(["a8", "a7", "a6", "a5"], late.Preempted());
    }

    [Fact]
    public void A_run_stepping_aside_is_not_asked_twice_and_its_devices_go_to_the_idea_it_made_room_for()
    {
        var pool = LoneIdeaThenAnother().At(20);
        pool.Step();

        // Before they have stepped aside: nothing new is asked, the devices are still promised to b.
        var meanwhile = pool.At(20.5).Decide();

        Assert.Empty(meanwhile.Decisions);
        Assert.All(meanwhile.Waiting.Where(w => Pool.Name(w.Run).StartsWith('b')), w => Assert.Equal(WaitReason.DevicesBeingFreed, w.Reason));
    }

    [Fact]
    public void Without_fair_share_nothing_is_ever_preempted()
    {
        var pool = new Pool(SchedulingOptions.Fifo).Node("n1", 4);
        for (var i = 1; i <= 4; i++)
        {
            pool.Running($"a{i}", "a", "n1", [i - 1], started: 0).Waiting($"b{i}", "b", submitted: 1);
        }

        Assert.Empty(pool.At(600).Decide().Decisions);
    }
}
