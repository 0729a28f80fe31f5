namespace Lab.Scheduling.Simulation;

/// <summary>The shape of a generated workload.</summary>
public sealed record WorkloadShape
{
    public int Seed { get; init; } = 1;

    public int Nodes { get; init; } = 16;

    public int DevicesPerNode { get; init; } = 8;

    public int Ideas { get; init; } = 24;

    public int Runs { get; init; } = 4000;

    /// <summary>Device-time the runs ask for ÷ device-time the pool offers while they arrive; above 1 the pool is oversubscribed.</summary>
    public double Load { get; init; } = 1.3;

    /// <summary>Fraction of sweeps whose runs each need 2, 4 or 8 devices on one node.</summary>
    public double GangFraction { get; init; } = 0.15;

    /// <summary>Every sixth idea has this weight; the others 1.</summary>
    public double HeavyWeight { get; init; } = 2;

    public int NodeFailures { get; init; } = 4;

    public TimeSpan MedianWork { get; init; } = TimeSpan.FromMinutes(40);
}

/// <summary>Seeded, reproducible workloads: ideas submit sweeps (bursts of similar runs) at random times.</summary>
public static class WorkloadGenerator
{
    private static readonly int[] GangSizes = [2, 4, 8];

    public static Workload Contended(WorkloadShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var random = new Random(shape.Seed);
        var nodes = Enumerable.Range(1, shape.Nodes).Select(i => new PoolNode($"node-{i:00}", DeviceKind.Cuda, shape.DevicesPerNode)).ToArray();
        var ideas = Enumerable.Range(1, shape.Ideas)
            .Select(i => new WorkloadIdea(Numbered(1, i), $"idea-{i:00}", i % 6 == 0 ? shape.HeavyWeight : 1))
            .ToArray();

        // Sweeps: sizes and run times first, so the arrival span can be set for the asked load.
        var sweeps = new List<(int Idea, int Devices, TimeSpan[] Works)>();
        var runs = 0;
        for (var sweep = 0; runs < shape.Runs; sweep++)
        {
            var count = Math.Min(shape.Runs - runs, random.Next(5, 41));
            var devices = random.NextDouble() < shape.GangFraction
                ? Math.Min(shape.DevicesPerNode, GangSizes[random.Next(GangSizes.Length)])
                : 1;
            var median = shape.MedianWork.TotalMinutes * LogNormal(random, 0.5);
            var works = new TimeSpan[count];
            for (var i = 0; i < count; i++)
            {
                works[i] = TimeSpan.FromMinutes(Math.Clamp(median * LogNormal(random, 0.4), 5, 8 * 60));
            }
            sweeps.Add((sweep % shape.Ideas, devices, works));
            runs += count;
        }
        var deviceMinutes = sweeps.Sum(s => s.Devices * s.Works.Sum(w => w.TotalMinutes));
        var span = TimeSpan.FromMinutes(deviceMinutes / (shape.Nodes * shape.DevicesPerNode * shape.Load));

        var workloadRuns = new List<WorkloadRun>(shape.Runs);
        foreach (var (idea, devices, works) in sweeps)
        {
            var at = span * random.NextDouble();
            foreach (var work in works)
            {
                var estimate = TimeSpan.FromMinutes(Math.Round(work.TotalMinutes * LogNormal(random, 0.3)));
                workloadRuns.Add(new WorkloadRun(Numbered(2, workloadRuns.Count + 1), ideas[idea].Id, at, work, devices, Estimate: estimate));
                at += TimeSpan.FromSeconds(random.Next(0, 180));
            }
        }
        var outages = Enumerable.Range(0, shape.NodeFailures)
            .Select(_ => new NodeOutage(
                nodes[random.Next(nodes.Length)].Name,
                span * (0.1 + 0.8 * random.NextDouble()),
                TimeSpan.FromMinutes(random.Next(20, 121))))
            .ToArray();
        return new Workload(nodes, ideas, workloadRuns, outages);
    }

    /// <summary>Readable, ordered ids: kind 1 for ideas, 2 for runs.</summary>
    public static Guid Numbered(int kind, int number) => new(number, (short)kind, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    private static double LogNormal(Random random, double sigma)
    {
        // Box-Muller: a standard normal from two uniforms.
        var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return Math.Exp(sigma * normal);
    }
}
