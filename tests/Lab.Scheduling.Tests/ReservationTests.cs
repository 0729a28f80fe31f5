namespace Lab.Scheduling.Tests;

/// <summary>Large runs are not starved by smaller ones backfilling, nor kept waiting by scattered idle devices.</summary>
public sealed class ReservationTests
{
    private static readonly SchedulingOptions Options = SchedulingOptions.Default with
    {
        MinRunTime = TimeSpan.FromMinutes(10),
        PreemptAfter = TimeSpan.Zero,
        ReservationAfter = TimeSpan.FromMinutes(30),
    };

    /// <summary>
    /// Ideas a and b fill two 4-device nodes with single-device runs and have more waiting; idea g waits for 4
    /// devices on one node. Fair shares are 8/3 each, so no idea could give way to g without falling below it.
    /// </summary>
    private static Pool GangBehindSmallRuns()
    {
        var pool = new Pool(Options).Node("n1", 4).Node("n2", 4).Waiting("G", "g", submitted: 1, devices: 4);
        for (var i = 1; i <= 4; i++)
        {
            pool.Running($"a{i}", "a", "n1", [i - 1], started: 0, submitted: i - 5)
                .Running($"b{i}", "b", "n2", [i - 1], started: 0, submitted: i - 5)
                .Waiting($"a{4 + i}", "a", submitted: 1 + i)
                .Waiting($"b{4 + i}", "b", submitted: 1 + i);
        }
        return pool;
    }

    private static string[] PreemptedOf(Schedule schedule, char idea) => [.. schedule.Preempted().Where(r => r[0] == idea)];

    [Fact]
    public void Before_the_waiting_bound_smaller_runs_backfill_and_the_large_run_waits()
    {
        var pool = GangBehindSmallRuns().At(20).Finished("a1");

        var schedule = pool.Step();

        Assert.Equal(["a5"], schedule.Started());
        Assert.Empty(schedule.Preempted());
        Assert.DoesNotContain(schedule.Decisions, d => d is ReserveNode);
        Assert.Equal(WaitReason.PoolFull, schedule.WaitOf("G").Reason);
        Assert.Equal(Pool.Minute(30), schedule.WakeAt); // a5 past the minimum run time; G reaches the bound at 31
    }

    [Fact]
    public void After_the_waiting_bound_the_large_run_reserves_a_node_and_starts_there()
    {
        var pool = GangBehindSmallRuns().At(20).Finished("a1");
        pool.Step(); // a5 backfills at minute 20

        var reserved = pool.At(31).Step();

        Assert.Equal("n1", Assert.Single(reserved.Decisions.OfType<ReserveNode>()).Node);
        Assert.Equal(["a5", "a4", "a3", "a2"], PreemptedOf(reserved, 'a')); // all past the minimum run time, newest first
        Assert.Equal(WaitReason.DevicesBeingFreed, reserved.WaitOf("G").Reason);

        // b1 finishes while they checkpoint: its device is used, but nothing starts on the reserved node.
        var meanwhile = pool.At(31.2).Finished("b1").Step();
        Assert.NotEmpty(meanwhile.Started());
        Assert.All(meanwhile.Decisions.OfType<StartRun>(), s => Assert.Equal("n2", s.Node));

        var started = pool.At(31.5).SteppedAside().Step();
        Assert.Equal("n1", started.StartOf("G").Node);
        Assert.Equal(DeviceSet.Of(0, 1, 2, 3), started.StartOf("G").Devices);
    }

    /// <summary>At minute 25 a1 and b1 finish and a5 and b5 take their places: both nodes have a run that may only step aside at 35.</summary>
    private static Pool GangBehindFreshRuns()
    {
        var pool = GangBehindSmallRuns().At(25).Finished("a1").Finished("b1");
        Assert.Equal(["a5", "b5"], pool.Step().Started());
        return pool;
    }

    [Fact]
    public void A_reserved_node_waits_for_its_runs_to_pass_the_minimum_run_time_and_says_so()
    {
        var pool = GangBehindFreshRuns();

        var schedule = pool.At(31).Step();

        Assert.Equal("n1", Assert.Single(schedule.Decisions.OfType<ReserveNode>()).Node);
        Assert.Empty(schedule.Preempted());
        var wait = schedule.WaitOf("G");
        Assert.Equal(WaitReason.NodeReserved, wait.Reason);
        Assert.Equal("waiting for 4 devices on one node (n1 reserved for it)", wait.Describe());
        Assert.Equal(Pool.Minute(35), wait.EstimatedStart);
        Assert.Equal(Pool.Minute(35), schedule.WakeAt);

        var later = pool.At(35).Step();
        Assert.Equal(["a5", "a4", "a3", "a2"], PreemptedOf(later, 'a'));
        Assert.Equal(WaitReason.DevicesBeingFreed, later.WaitOf("G").Reason);
    }

    [Fact]
    public void A_reservation_on_a_lost_node_lapses_and_the_run_reserves_another()
    {
        var pool = GangBehindFreshRuns();
        pool.At(31).Step(); // n1 reserved for G
        Assert.Equal("n1", pool.Run("G").ReservedNode);

        var schedule = pool.At(33).Kill("n1").Step();

        Assert.Equal(["a2", "a3", "a4", "a5"], schedule.Requeued().Order());
        Assert.Equal("n2", Assert.Single(schedule.Decisions.OfType<ReserveNode>()).Node);
        Assert.Equal(WaitReason.NodeReserved, schedule.WaitOf("G").Reason);
    }

    [Fact]
    public void Runs_move_into_scattered_idle_devices_to_make_room_for_a_large_run()
    {
        // Two free devices on each node, a 4-device run waiting, and nobody else wanting the free devices.
        var pool = new Pool(Options).Node("n1", 4).Node("n2", 4)
            .Running("s1", "s", "n1", [0], started: 0)
            .Running("s2", "s", "n1", [1], started: 0)
            .Running("s3", "s", "n2", [0], started: 0)
            .Running("s4", "s", "n2", [1], started: 0)
            .Waiting("G", "g", submitted: 1, devices: 4);

        var tooEarly = pool.At(5).Decide();
        Assert.Empty(tooEarly.Decisions); // the small runs have not run 10 minutes yet
        Assert.Equal(WaitReason.WaitingForOneNode, tooEarly.WaitOf("G").Reason);
        Assert.Equal(Pool.Minute(10), tooEarly.WakeAt);

        var moved = pool.At(10).Step();
        Assert.Equal("n1", Assert.Single(moved.Decisions.OfType<ReserveNode>()).Node);
        Assert.Equal(["s1", "s2"], moved.Preempted().Order());

        var started = pool.At(10.5).SteppedAside().Step();
        Assert.Equal("n1", started.StartOf("G").Node);
        Assert.Equal("n2", started.StartOf("s1").Node);
        Assert.Equal("n2", started.StartOf("s2").Node);
        Assert.Empty(started.Waiting);
    }
}
