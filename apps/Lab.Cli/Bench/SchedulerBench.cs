using System.Text.Json.Serialization;
using Lab.Scheduling;
using Lab.Scheduling.Simulation;

namespace Lab.Cli.Bench;

/// <summary>
/// Runs the pool's scheduling policy and a FIFO baseline on the same seeded, contended workload in the simulator,
/// timing every pass of the policy.
/// </summary>
internal static class SchedulerBench
{
    /// <summary>128 devices on 16 nodes, 24 ideas (every sixth with weight 2), sweeps of 5 to 40 runs, 15 % of them on 2 to 8 devices, 1.2 times what the pool can serve, 4 node failures.</summary>
    public static WorkloadShape Shape(int seed, int runs) => new()
    {
        Seed = seed,
        Nodes = 16,
        DevicesPerNode = 8,
        Ideas = 24,
        Runs = runs,
        Load = 1.2,
        GangFraction = 0.15,
        NodeFailures = 4,
    };

    public static SchedulerBenchResult Run(int seed, int runs)
    {
        var shape = Shape(seed, runs);
        var simulation = new SimulationOptions { MeasureDecisionTime = true };

        // Warm up: let the JIT compile the policy and the simulator before anything is timed.
        var warmUp = WorkloadGenerator.Contended(shape with { Runs = Math.Min(runs, 400), Seed = seed + 1 });
        Simulator.Run(warmUp, SchedulingOptions.Default, simulation);
        Simulator.Run(warmUp, SchedulingOptions.Fifo, simulation);

        var workload = WorkloadGenerator.Contended(shape);
        var fair = Simulator.Run(workload, SchedulingOptions.Default, simulation);
        var fifo = Simulator.Run(workload, SchedulingOptions.Fifo, simulation);
        return SchedulerBenchResult.From(shape, fair, fifo);
    }
}

/// <summary>
/// The figures of <c>lab bench scheduler</c>, for the fair-share policy and for the FIFO baseline measured in the
/// same run. What they are measured over:
/// <list type="bullet">
/// <item><c>utilization</c>: leased device-time ÷ live device-time over the intervals where demand (devices asked
/// for by all admitted, unfinished runs) is at least supply (live devices): 1.0 means no device idle while the pool
/// was oversubscribed. Devices of runs checkpointing to step aside count as leased.</item>
/// <item><c>jain_index</c>: Jain's index over ideas of (device-time held ÷ device-time of the idea's weighted max-min
/// fair share given every idea's demand at each instant), both summed over those contended intervals. Weights and
/// ideas asking for less than an equal part are accounted for; 1.0 is exactly fair.</item>
/// <item><c>decisions_per_s</c>: passes of <c>PoolScheduler.Decide</c> per second of wall-clock time spent in
/// them; each pass decides for the whole pool (starts, preemptions, requeues, reservations, and a reason and
/// estimated start for every waiting run). <c>decision_p50_ms</c>/<c>decision_p99_ms</c>: percentiles of one pass.</item>
/// <item><c>max_wait_s</c>: the longest any run waited in one stretch (before its first start, or after being
/// preempted or requeued); <c>mean_wait_s</c>: mean time from submission to first start.</item>
/// <item><c>*_vs_fifo</c>: the policy's figure ÷ the baseline's.</item>
/// </list>
/// </summary>
internal sealed record SchedulerBenchResult(
    int Seed,
    int Nodes,
    int Devices,
    int Ideas,
    int Runs,
    double ContendedHours,
    int Passes,
    int Decisions,
    double DecisionsPerS,
    double DecisionP50Ms,
    double DecisionP99Ms,
    double DecisionMaxMs,
    double Utilization,
    double JainIndex,
    int Preemptions,
    int Requeues,
    double CheckpointDeviceHours,
    double LostDeviceHours,
    double MeanWaitS,
    double P95WaitS,
    double MaxWaitS,
    double FifoDecisionsPerS,
    double FifoDecisionP99Ms,
    double FifoUtilization,
    double FifoJainIndex,
    double FifoMeanWaitS,
    double FifoP95WaitS,
    double FifoMaxWaitS,
    double UtilizationVsFifo,
    double JainIndexVsFifo,
    double MeanWaitVsFifo,
    double MaxWaitVsFifo,
    [property: JsonIgnore] IReadOnlyList<IdeaReport> PerIdea)
{
    public static SchedulerBenchResult From(WorkloadShape shape, SimulationReport fair, SimulationReport fifo)
    {
        var timing = fair.Timing!;
        var fifoTiming = fifo.Timing!;
        return new SchedulerBenchResult(
            shape.Seed,
            shape.Nodes,
            shape.Nodes * shape.DevicesPerNode,
            shape.Ideas,
            shape.Runs,
            Round(fair.ContendedTime.TotalHours, 1),
            fair.Passes,
            fair.Decisions,
            Math.Round(timing.PassesPerSecond),
            Round(timing.P50.TotalMilliseconds, 3),
            Round(timing.P99.TotalMilliseconds, 3),
            Round(timing.Max.TotalMilliseconds, 3),
            Round(fair.Utilization, 4),
            Round(fair.JainIndex, 4),
            fair.Preemptions,
            fair.Requeues,
            Round(fair.CheckpointDeviceTime.TotalHours, 1),
            Round(fair.LostDeviceTime.TotalHours, 1),
            Math.Round(fair.MeanWait.TotalSeconds),
            Math.Round(fair.P95Wait.TotalSeconds),
            Math.Round(fair.MaxWait.TotalSeconds),
            Math.Round(fifoTiming.PassesPerSecond),
            Round(fifoTiming.P99.TotalMilliseconds, 3),
            Round(fifo.Utilization, 4),
            Round(fifo.JainIndex, 4),
            Math.Round(fifo.MeanWait.TotalSeconds),
            Math.Round(fifo.P95Wait.TotalSeconds),
            Math.Round(fifo.MaxWait.TotalSeconds),
            Ratio(fair.Utilization, fifo.Utilization),
            Ratio(fair.JainIndex, fifo.JainIndex),
            Ratio(fair.MeanWait.TotalSeconds, fifo.MeanWait.TotalSeconds),
            Ratio(fair.MaxWait.TotalSeconds, fifo.MaxWait.TotalSeconds),
            fair.Ideas);
    }

    private static double Round(double value, int digits) => Math.Round(value, digits);

    private static double Ratio(double value, double baseline) => baseline > 0 ? Math.Round(value / baseline, 3) : double.NaN;
}
