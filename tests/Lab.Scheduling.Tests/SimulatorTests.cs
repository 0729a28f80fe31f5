using Lab.Scheduling.Simulation;

namespace Lab.Scheduling.Tests;

/// <summary>The policy replayed on whole workloads: the properties the pool promises, measured.</summary>
public sealed class SimulatorTests
{
    /// <summary>32 devices on 4 nodes, 6 ideas, 600 single-device runs at 1.3 times the pool's capacity, 3 node failures.</summary>
    private static readonly WorkloadShape SmallRuns = new()
    {
        Nodes = 4,
        DevicesPerNode = 8,
        Ideas = 6,
        Runs = 600,
        Load = 1.3,
        GangFraction = 0,
        NodeFailures = 3,
    };

    /// <summary>The same with a quarter of the sweeps needing 2, 4 or 8 devices on one node.</summary>
    private static readonly WorkloadShape MixedRuns = SmallRuns with { GangFraction = 0.25 };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void No_device_is_idle_while_demand_exceeds_supply(int seed)
    {
        var report = Simulator.Run(WorkloadGenerator.Contended(SmallRuns with { Seed = seed }));

        Assert.True(report.ContendedTime > TimeSpan.FromHours(5), $"contended only {report.ContendedTime}");
        Assert.True(report.Requeues > 0, "the workload should lose nodes");
        Assert.Equal(1.0, report.Utilization, 12);
    }

    [Fact]
    public void With_multi_device_runs_devices_idle_only_when_no_run_can_use_them()
    {
        var report = Simulator.Run(WorkloadGenerator.Contended(MixedRuns));

        Assert.InRange(report.Utilization, 0.98, 1.0);
    }

    [Fact]
    public void Ideas_with_equal_demand_get_equal_device_time_and_fifo_would_not_give_it()
    {
        // Six ideas submit the same sweep of 60 half-hour runs, five minutes apart: far more than 16 devices.
        var workload = EqualDemand(ideas: 6, runsPerIdea: 60, devices: 16);

        var fair = Simulator.Run(workload);
        var fifo = Simulator.Run(workload, SchedulingOptions.Fifo);

        Assert.True(fair.JainIndex >= 0.95, $"Jain's index {fair.JainIndex}");
        Assert.True(fifo.JainIndex < 0.8, $"FIFO's Jain's index {fifo.JainIndex}: the workload does not tell fair from unfair");
        Assert.All(fair.Ideas, i => Assert.InRange(i.ShareRatio, 0.9, 1.1));
    }

    [Fact]
    public void Weighted_ideas_get_devices_in_proportion_to_their_weights()
    {
        var workload = EqualDemand(ideas: 3, runsPerIdea: 120, devices: 16);
        workload = workload with { Ideas = [workload.Ideas[0] with { Weight = 3 }, .. workload.Ideas.Skip(1)] };

        var report = Simulator.Run(workload);

        // Shares 9.6, 3.2 and 3.2 of 16 devices; whole devices are within one of them.
        var sample = report.ShareSamples.First(s => s.At == TimeSpan.FromHours(2));
        Assert.InRange(sample.Shares[0], 9.0 / 16, 10.0 / 16);
        Assert.InRange(sample.Shares[1], 3.0 / 16, 4.0 / 16);
        Assert.InRange(sample.Shares[2], 3.0 / 16, 4.0 / 16);
        Assert.True(report.JainIndex >= 0.95, $"Jain's index {report.JainIndex}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void No_run_waits_forever(int seed)
    {
        var report = Simulator.Run(WorkloadGenerator.Contended(MixedRuns with { Seed = seed }));

        Assert.Equal(0, report.Unfinished);
        Assert.All(report.RunReports, r => Assert.NotNull(r.FinishedAt));
    }

    [Fact]
    public void A_large_run_in_a_stream_of_small_ones_starts_within_the_waiting_bound_and_fifo_would_starve_it()
    {
        // Two ideas keep 16 devices busy with half-hour single-device runs for 10 hours; a third asks for 8 at minute 5.
        // No idea could give way to it without falling below it (8 each), so it needs a reservation.
        var a = new WorkloadIdea(Pool.Id("a"), "a");
        var b = new WorkloadIdea(Pool.Id("b"), "b");
        var g = new WorkloadIdea(Pool.Id("g"), "g");
        var runs = new List<WorkloadRun>
        {
            new(Pool.Id("G"), g.Id, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), Devices: 8),
        };
        for (var i = 0; i < 416; i++)
        {
            var idea = i % 2 == 0 ? a : b;
            var submitted = i < 16 ? TimeSpan.Zero : TimeSpan.FromMinutes((i - 16) * 1.5);
            var work = TimeSpan.FromMinutes(i < 16 ? 15 + i : 30); // staggered, so devices free one at a time
            runs.Add(new WorkloadRun(Pool.Id($"s{i}"), idea.Id, submitted, work));
        }
        var workload = new Workload([new PoolNode("n1", DeviceKind.Cuda, 8), new PoolNode("n2", DeviceKind.Cuda, 8)], [a, b, g], runs, []);
        var options = SchedulingOptions.Default;

        var fair = Simulator.Run(workload, options);
        var fifo = Simulator.Run(workload, SchedulingOptions.Fifo);

        var bound = options.ReservationAfter + options.MinRunTime + SimulationOptions.Default.CheckpointTime;
        Assert.InRange(Wait(fair, "G"), TimeSpan.Zero, bound);
        Assert.True(Wait(fifo, "G") > TimeSpan.FromHours(3), $"FIFO started it after {Wait(fifo, "G")}");
    }

    [Fact]
    public void Every_waiting_run_says_why_and_when_in_every_pass()
    {
        var passes = 0;
        var options = new SimulationOptions
        {
            Observer = (state, schedule) =>
            {
                passes++;
                var started = schedule.Decisions.OfType<StartRun>().Select(d => d.Run).ToHashSet();
                var requeued = schedule.Decisions.OfType<RequeueRun>().Select(d => d.Run).ToHashSet();
                var waiting = state.Runs
                    .Where(r => (r.Lease is null || requeued.Contains(r.Id)) && !started.Contains(r.Id))
                    .Select(r => r.Id)
                    .ToHashSet();
                Assert.True(waiting.SetEquals(schedule.Waiting.Select(w => w.Run)), $"pass {passes}: waiting runs and explanations differ");
                Assert.All(schedule.Waiting, w =>
                {
                    Assert.False(string.IsNullOrWhiteSpace(w.Describe()));
                    Assert.NotNull(w.EstimatedStart);
                    Assert.True(w.EstimatedStart >= state.Now, $"estimated start {w.EstimatedStart} before now {state.Now}");
                });
            },
        };

        var report = Simulator.Run(WorkloadGenerator.Contended(MixedRuns), options: options);

        Assert.Equal(report.Passes, passes);
        Assert.True(report.Passes > 1000);
    }

    [Fact]
    public void Device_time_adds_up_per_run_per_idea_and_for_the_pool()
    {
        var report = Simulator.Run(WorkloadGenerator.Contended(MixedRuns));

        Assert.True(report.Preemptions > 0 && report.Requeues > 0, "the workload should preempt runs and lose nodes");
        Assert.Equal(report.LeasedDeviceTime, Sum(report.RunReports.Select(r => r.DeviceTime)));
        Assert.Equal(report.LeasedDeviceTime, Sum(report.Ideas.Select(i => i.DeviceTime)));
        Assert.All(report.RunReports, r =>
        {
            var leased = Sum(r.Leases.Select(l => l.Length));
            Assert.Equal(r.DeviceTime, leased * r.Devices);
            // Every leased moment was work kept, work lost with a node, or a checkpoint taken to step aside.
            Assert.Equal(leased, r.Work + r.LostWork + r.CheckpointTime);
        });
    }

    [Fact]
    public void Preempted_runs_lose_no_work_and_lost_nodes_lose_at_most_a_checkpoint_interval()
    {
        var simulation = SimulationOptions.Default;
        var report = Simulator.Run(WorkloadGenerator.Contended(MixedRuns), options: simulation);

        Assert.All(report.RunReports.Where(r => r.Requeues == 0), r => Assert.Equal(TimeSpan.Zero, r.LostWork));
        Assert.All(report.RunReports.Where(r => r.Requeues > 0), r => Assert.True(r.LostWork < simulation.CheckpointInterval * r.Requeues));
        Assert.Contains(report.RunReports, r => r.Requeues > 0 && r.FinishedAt is not null);
    }

    [Fact]
    public void No_run_is_preempted_before_it_has_run_the_minimum_time()
    {
        var policy = SchedulingOptions.Default;
        var report = Simulator.Run(WorkloadGenerator.Contended(MixedRuns), policy);

        var preempted = report.RunReports.SelectMany(r => r.Leases).Where(l => l.Ending == LeaseEnd.Preempted).ToArray();
        Assert.NotEmpty(preempted);
        // The lease also covers the checkpoint taken after being asked.
        Assert.All(preempted, l => Assert.True(l.Length >= policy.MinRunTime, $"a lease on {l.Node} ended after {l.Length}"));
    }

    [Fact]
    public void The_same_workload_gives_the_same_report()
    {
        var workload = WorkloadGenerator.Contended(MixedRuns with { Seed = 5 });

        var first = Simulator.Run(workload);
        var second = Simulator.Run(WorkloadGenerator.Contended(MixedRuns with { Seed = 5 }));

        Assert.Equal(first.Utilization, second.Utilization);
        Assert.Equal(first.JainIndex, second.JainIndex);
        Assert.Equal(first.Preemptions, second.Preemptions);
        Assert.Equal(first.Passes, second.Passes);
        Assert.Equal(first.RunReports.Select(r => r.FinishedAt), second.RunReports.Select(r => r.FinishedAt));
    }

    private static Workload EqualDemand(int ideas, int runsPerIdea, int devices)
    {
        var all = Enumerable.Range(1, ideas).Select(i => new WorkloadIdea(Pool.Id($"idea{i}"), $"idea{i}")).ToArray();
        var runs = new List<WorkloadRun>();
        for (var i = 0; i < all.Length; i++)
        {
            for (var r = 0; r < runsPerIdea; r++)
            {
                runs.Add(new WorkloadRun(Pool.Id($"idea{i + 1}-{r}"), all[i].Id, TimeSpan.FromMinutes(5 * i), TimeSpan.FromMinutes(30)));
            }
        }
        var nodes = Enumerable.Range(1, devices / 8).Select(n => new PoolNode($"n{n}", DeviceKind.Cuda, 8)).ToArray();
        return new Workload(nodes, all, runs, []);
    }

    private static TimeSpan Wait(SimulationReport report, string run)
    {
        var r = report.RunReports.Single(r => r.Run == Pool.Id(run));
        return r.FirstStartAt!.Value - r.SubmittedAt;
    }

    private static TimeSpan Sum(IEnumerable<TimeSpan> spans) => TimeSpan.FromTicks(spans.Sum(s => s.Ticks));
}
