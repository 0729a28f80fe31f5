namespace Lab.Scheduling;

/// <summary>Weighted max-min fair shares, the rule that divides the pool between ideas.</summary>
public static class FairShare
{
    /// <summary>
    /// "Water-filling": every idea with demand gets min(demand, weight × level), the level chosen so the shares
    /// add up to the capacity (or every demand is met). An idea that wants less than its part keeps only what
    /// it wants, and the rest is divided between the others by weight. No allocation.
    /// </summary>
    public static void Compute(double capacity, ReadOnlySpan<int> demands, ReadOnlySpan<double> weights, Span<double> shares)
    {
        if (weights.Length != demands.Length || shares.Length != demands.Length)
        {
            throw new ArgumentException("Demands, weights and shares must have the same length.");
        }
        for (var i = 0; i < demands.Length; i++)
        {
            shares[i] = demands[i] > 0 ? double.NaN : 0; // NaN: not settled yet
        }
        var remaining = Math.Max(0, capacity);
        while (true)
        {
            var weight = 0.0;
            for (var i = 0; i < demands.Length; i++)
            {
                if (double.IsNaN(shares[i]))
                {
                    weight += weights[i];
                }
            }
            if (weight <= 0)
            {
                return;
            }
            var level = remaining / weight;
            var settled = false;
            for (var i = 0; i < demands.Length; i++)
            {
                if (double.IsNaN(shares[i]) && demands[i] <= weights[i] * level + 1e-9)
                {
                    shares[i] = demands[i];
                    remaining -= demands[i];
                    settled = true;
                }
            }
            if (!settled)
            {
                for (var i = 0; i < demands.Length; i++)
                {
                    if (double.IsNaN(shares[i]))
                    {
                        shares[i] = weights[i] * level;
                    }
                }
                return;
            }
        }
    }
}
