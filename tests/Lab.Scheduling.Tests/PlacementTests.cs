namespace Lab.Scheduling.Tests;

/// <summary>Free devices are used at once, first come first served inside an idea, gangs on one node or not at all.</summary>
public sealed class PlacementTests
{
    [Fact]
    public void A_lone_idea_takes_the_whole_pool()
    {
        var pool = new Pool().Node("n1", 4).Node("n2", 4);
        for (var i = 1; i <= 10; i++)
        {
            pool.Waiting($"a{i}", "a", submitted: i);
        }

        var schedule = pool.Decide();

        Assert.Equal(["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"], schedule.Started().Order());
        Assert.Equal(["a9", "a10"], schedule.Waiting.Select(w => Pool.Name(w.Run)));
        Assert.All(schedule.Waiting, w => Assert.Equal(WaitReason.PoolFull, w.Reason));
    }

    [Fact]
    public void Inside_an_idea_runs_start_first_come_first_served_whatever_order_they_are_listed_in()
    {
        var pool = new Pool().Node("n1", 2)
            .Waiting("a3", "a", submitted: 3)
            .Waiting("a1", "a", submitted: 1)
            .Waiting("a4", "a", submitted: 4)
            .Waiting("a2", "a", submitted: 2);

        var schedule = pool.Decide();

        Assert.Equal(["a1", "a2"], schedule.Started());
        Assert.Equal(["a3", "a4"], schedule.Waiting.Select(w => Pool.Name(w.Run)));
    }

    [Fact]
    public void A_run_that_was_preempted_resumes_before_later_runs_of_its_idea()
    {
        var pool = new Pool().Node("n1", 1)
            .Waiting("a2", "a", submitted: 20)
            .Waiting("a1", "a", submitted: 1, queued: 15); // requeued at minute 15, submitted first

        var schedule = pool.At(30).Decide();

        Assert.Equal(["a1"], schedule.Started());
    }

    [Fact]
    public void A_multi_device_run_gets_all_its_devices_on_one_node()
    {
        var pool = new Pool().Node("n1", 4).Node("n2", 4)
            .Running("x1", "x", "n1", [0], started: 0)
            .Waiting("g", "a", submitted: 1, devices: 4);

        var start = pool.At(2).Decide().StartOf("g");

        Assert.Equal("n2", start.Node);
        Assert.Equal(DeviceSet.Of(0, 1, 2, 3), start.Devices);
    }

    [Fact]
    public void A_multi_device_run_waits_rather_than_spread_over_nodes_and_smaller_runs_backfill()
    {
        var pool = new Pool().Node("n1", 4).Node("n2", 4)
            .Running("x1", "x", "n1", [0, 1], started: 0)
            .Running("x2", "x", "n2", [0, 1], started: 0)
            .Waiting("g", "a", submitted: 1, devices: 4)
            .Waiting("s1", "b", submitted: 2)
            .Waiting("s2", "b", submitted: 3);

        var schedule = pool.At(4).Decide();

        Assert.Equal(["s1", "s2"], schedule.Started().Order());
        Assert.DoesNotContain(schedule.Decisions, d => d.Run == Pool.Id("g"));
        var wait = schedule.WaitOf("g");
        Assert.Equal(WaitReason.WaitingForOneNode, wait.Reason);
        Assert.Equal("waiting for 4 devices on one node", wait.Describe());
    }

    [Fact]
    public void Small_runs_go_where_they_fit_tightest_and_keep_a_whole_node_for_a_large_run()
    {
        var pool = new Pool().Node("n1", 4).Node("n2", 4)
            .Running("x1", "x", "n1", [0, 1, 2], started: 0)
            .Waiting("s1", "b", submitted: 1)
            .Waiting("g", "a", submitted: 2, devices: 4);

        var schedule = pool.At(3).Decide();

        Assert.Equal("n1", schedule.StartOf("s1").Node);
        Assert.Equal("n2", schedule.StartOf("g").Node);
    }

    [Fact]
    public void A_run_asking_for_a_kind_of_device_only_goes_to_nodes_of_that_kind()
    {
        var pool = new Pool().Node("cpu1", 4, DeviceKind.Cpu).Node("gpu1", 2, DeviceKind.Cuda)
            .Waiting("c1", "a", submitted: 1, kind: DeviceKind.Cuda)
            .Waiting("c2", "a", submitted: 2, kind: DeviceKind.Cuda)
            .Waiting("c3", "a", submitted: 3, kind: DeviceKind.Cuda);

        var schedule = pool.Decide();

        Assert.Equal("gpu1", schedule.StartOf("c1").Node);
        Assert.Equal("gpu1", schedule.StartOf("c2").Node);
        Assert.Equal(WaitReason.PoolFull, schedule.WaitOf("c3").Reason);
    }

    [Fact]
    public void A_run_larger_than_any_node_says_so_and_has_no_estimated_start()
    {
        var pool = new Pool().Node("n1", 4).Node("n2", 4).Waiting("huge", "a", devices: 8);

        var wait = pool.Decide().WaitOf("huge");

        Assert.Equal(WaitReason.NoNodeFits, wait.Reason);
        Assert.Null(wait.EstimatedStart);
        Assert.Equal("no live node has 8 devices", wait.Describe());
    }

    [Fact]
    public void The_fifo_baseline_ignores_ideas_and_serves_the_earliest_run()
    {
        var pool = new Pool(SchedulingOptions.Fifo).Node("n1", 4);
        for (var i = 1; i <= 4; i++)
        {
            pool.Waiting($"a{i}", "a", submitted: i).Waiting($"b{i}", "b", submitted: 10 + i);
        }

        var schedule = pool.Decide();

        Assert.Equal(["a1", "a2", "a3", "a4"], schedule.Started());
    }

    [Fact]
    public void An_inconsistent_state_is_refused_with_a_clear_message()
    {
        var pool = new Pool().Node("n1", 4)
            .Running("x1", "x", "n1", [0, 1], started: 0)
            .Running("x2", "x", "n1", [1, 2], started: 0);

        var error = Assert.Throws<ArgumentException>(() => pool.Decide());

        Assert.Contains("that another run leases", error.Message);
    }
}
