namespace Lab.Scheduling.Tests;

/// <summary>Every waiting run carries a plain reason and an estimated start.</summary>
public sealed class WaitingReasonTests
{
    [Fact]
    public void Each_reason_reads_plainly()
    {
        var run = Guid.NewGuid();

        string Describe(WaitReason reason, int devices = 1, DeviceKind? kind = null) =>
            new WaitingRun(run, reason, devices, kind, null, "n1").Describe();

        Assert.Equal("pool full", Describe(WaitReason.PoolFull));
        Assert.Equal("fair share reached", Describe(WaitReason.FairShareReached));
        Assert.Equal("waiting for 4 devices on one node", Describe(WaitReason.WaitingForOneNode, 4));
        Assert.Equal("waiting for 4 devices on one node (n1 reserved for it)", Describe(WaitReason.NodeReserved, 4));
        Assert.Equal("devices on n1 are being freed for it", Describe(WaitReason.DevicesBeingFreed));
        Assert.Equal("no live node has 2 cuda devices", Describe(WaitReason.NoNodeFits, 2, DeviceKind.Cuda));
    }

    [Fact]
    public void Runs_beyond_their_ideas_share_wait_for_fair_share_and_the_others_for_the_pool()
    {
        // 4 devices, shares 2 and 2; a holds 1 and has 3 more waiting, b holds 3.
        var pool = new Pool().Node("n1", 4)
            .Running("a1", "a", "n1", [0], started: 0, estimate: 60)
            .Running("b1", "b", "n1", [1], started: 0, submitted: -3, estimate: 30)
            .Running("b2", "b", "n1", [2], started: 0, submitted: -2, estimate: 40)
            .Running("b3", "b", "n1", [3], started: 0, submitted: -1, estimate: 90)
            .Waiting("a2", "a", submitted: 1, estimate: 60)
            .Waiting("a3", "a", submitted: 2, estimate: 60)
            .Waiting("b4", "b", submitted: 3, estimate: 60);

        var schedule = pool.At(5).Decide();

        Assert.Equal(WaitReason.PoolFull, schedule.WaitOf("a2").Reason);
        Assert.Equal(WaitReason.FairShareReached, schedule.WaitOf("a3").Reason);
        Assert.Equal(WaitReason.FairShareReached, schedule.WaitOf("b4").Reason);
        // a2 gets the device of b's newest run, b3, when it may step aside (b holds one too many);
        // then come the ends of b1 and b2, in the order the policy would hand them out.
        Assert.Equal(Pool.Minute(10), schedule.WaitOf("a2").EstimatedStart);
        Assert.Equal(Pool.Minute(30), schedule.WaitOf("a3").EstimatedStart);
        Assert.Equal(Pool.Minute(40), schedule.WaitOf("b4").EstimatedStart);
        Assert.Equal(["a2", "a3", "b4"], schedule.Waiting.Select(w => Pool.Name(w.Run)));
    }

    [Fact]
    public void The_schedule_reports_each_ideas_demand_devices_and_share()
    {
        var pool = new Pool().Node("n1", 4).Weight("b", 3)
            .Running("a1", "a", "n1", [0], started: 0)
            .Waiting("a2", "a", submitted: 1)
            .Waiting("b1", "b", submitted: 2)
            .Waiting("b2", "b", submitted: 3);

        var share = pool.At(1).Decide().Shares.Single(s => s.Idea == Pool.Id("b"));

        Assert.Equal(new IdeaShare(Pool.Id("b"), 3, 2, 2, 2), share);
    }
}
