namespace Lab.Portal.Components.Charts;

/// <summary>A run a chart draws, and how its series are labelled when several runs share the chart.</summary>
public sealed record ChartRun(Guid Id, string Label);

/// <summary>The metric charts the portal draws (lab-charts.js knows each by this name).</summary>
public static class ChartMetrics
{
    public const string Loss = "loss";
    public const string LearningRate = "lr";
    public const string GradNorm = "gradNorm";
    public const string Throughput = "throughput";
    public const string ExpertLoad = "load";

    /// <summary>Tokens/s of each of a run's devices (one run only).</summary>
    public const string DeviceThroughput = "devices";
}
