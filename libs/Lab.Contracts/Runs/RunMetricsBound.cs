namespace Lab.Contracts.Runs;

/// <summary>
/// Which progress lines a run keeps within <see cref="LabBounds.MaxMetricsLinesPerRun"/>. Training lines share four
/// fifths of the bound, evaluations the rest: each kind keeps a line only when it lies far enough past the last one kept
/// that the run's whole length fits its share (every line, for any run whose lines fit). Spacing by step rather than
/// cutting off at the bound keeps the curve's whole shape, and a resumed run's repeated steps are never kept twice.
/// </summary>
public static class RunMetricsBound
{
    /// <summary>Whether the run keeps a line at <paramref name="step"/>, given what it has kept so far.</summary>
    /// <param name="evaluation">An evaluation line (a validation loss) rather than a training line.</param>
    /// <param name="kept">Lines kept so far, both kinds.</param>
    /// <param name="lastKeptStep">The step of the last line of this kind kept, -1 for none.</param>
    public static bool Keeps(bool evaluation, int step, int totalSteps, int kept, int lastKeptStep, int bound)
    {
        if (kept >= bound || step <= lastKeptStep)
        {
            return false;
        }
        return lastKeptStep < 0 || step - lastKeptStep >= Spacing(evaluation, totalSteps, bound);
    }

    /// <summary>The fewest steps between two kept lines of a kind: 1 when the run's steps fit its share of the bound.</summary>
    public static int Spacing(bool evaluation, int totalSteps, int bound)
    {
        var share = Math.Max(1, evaluation ? bound / 5 : bound - bound / 5);
        return Math.Max(1, (int)Math.Ceiling((double)Math.Max(0, totalSteps) / share));
    }
}
