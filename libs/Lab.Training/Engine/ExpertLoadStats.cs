namespace Lab.Training.Engine;

/// <summary>Expert load summaries averaged over MoE layers: max/mean (1 = perfectly balanced) and coefficient of variation.</summary>
public readonly record struct ExpertLoadStats(double MaxOverMean, double Cv)
{
    /// <summary>A dense model routes everything through one "expert": perfectly balanced by definition.</summary>
    public static ExpertLoadStats Balanced { get; } = new(1, 0);

    public static ExpertLoadStats From(IReadOnlyList<long[]> layers)
    {
        var used = layers.Where(l => l.Sum() > 0).ToList();
        if (used.Count == 0)
        {
            return Balanced;
        }
        double maxOverMean = 0, cv = 0;
        foreach (var load in used)
        {
            var mean = load.Average();
            var variance = load.Average(l => (l - mean) * (l - mean));
            maxOverMean += load.Max() / mean;
            cv += Math.Sqrt(variance) / mean;
        }
        return new ExpertLoadStats(maxOverMean / used.Count, cv / used.Count);
    }

    /// <summary>
    /// Each layer's load as shares of its routed tokens (rows sum to 1, four decimals, which keeps a progress line
    /// short); null when there is no MoE layer. A layer that routed nothing shows every expert at 0.
    /// </summary>
    public static double[][]? Shares(IReadOnlyList<long[]> layers)
    {
        if (layers.Count == 0)
        {
            return null;
        }
        return [.. layers.Select(load =>
        {
            var total = (double)load.Sum();
            return load.Select(l => total > 0 ? Math.Round(l / total, 4) : 0).ToArray();
        })];
    }
}
