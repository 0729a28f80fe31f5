namespace Lab.Scheduling.Tests;

/// <summary>A node that stops heart-beating loses its leases; its runs are requeued and resume elsewhere.</summary>
public sealed class NodeFailureTests
{
    [Fact]
    public void Runs_of_a_lost_node_are_requeued_and_restart_where_there_is_room()
    {
        var pool = new Pool().Node("n1", 4).Node("n2", 4)
            .Running("a1", "a", "n1", [0], started: 0)
            .Running("g", "a", "n1", [1, 2], started: 0)
            .Running("b1", "b", "n2", [0], started: 0)
            .Kill("n1");

        var schedule = pool.At(30).Step();

        Assert.Equal(["a1", "g"], schedule.Requeued().Order());
        Assert.Equal("n2", schedule.StartOf("a1").Node);
        Assert.Equal("n2", schedule.StartOf("g").Node);
        Assert.Equal(2, schedule.StartOf("g").Devices.Count);
        // Requeue before start, so the pool grain ends the old lease before granting the new one.
        Assert.True(schedule.Decisions.ToList().FindIndex(d => d is RequeueRun && d.Run == Pool.Id("g")) <
                    schedule.Decisions.ToList().FindIndex(d => d is StartRun && d.Run == Pool.Id("g")));
        Assert.Empty(schedule.Waiting);
    }

    [Fact]
    public void Requeued_runs_without_room_wait_and_say_why()
    {
        var pool = new Pool().Node("n1", 2).Node("n2", 2)
            .Running("a1", "a", "n1", [0], started: 0)
            .Running("a2", "a", "n1", [1], started: 0)
            .Running("b1", "b", "n2", [0], started: 0)
            .Running("b2", "b", "n2", [1], started: 0)
            .Kill("n1");

        var schedule = pool.At(30).Step();

        Assert.Equal(["a1", "a2"], schedule.Requeued().Order());
        Assert.Empty(schedule.Started());
        Assert.Equal(["a1", "a2"], schedule.Waiting.Select(w => Pool.Name(w.Run)).Order());
        Assert.All(schedule.Waiting, w => Assert.NotNull(w.EstimatedStart));
        Assert.Equal(Pool.Minute(30), pool.Run("a1").QueuedAt);
    }

    [Fact]
    public void A_lost_node_no_longer_counts_in_the_fair_shares()
    {
        var pool = new Pool().Node("n1", 4).Node("n2", 4).Kill("n2");
        for (var i = 1; i <= 8; i++)
        {
            pool.Waiting($"a{i}", "a", submitted: i).Waiting($"b{i}", "b", submitted: i);
        }

        var schedule = pool.Decide();

        Assert.Equal(2.0, schedule.FairShareOf("a"), 9);
        Assert.Equal(4, schedule.Started().Length);
        Assert.All(schedule.Decisions.OfType<StartRun>(), s => Assert.Equal("n1", s.Node));
    }
}
