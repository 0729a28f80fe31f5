using System.Globalization;

namespace Lab.Portal.Components;

/// <summary>
/// A run's learning curve laid out in the loss chart's coordinates: train loss and validation loss against step,
/// the step axis from 0 to the run's total, the loss axis around the values seen. <c>loss-chart.js</c> lays out the
/// points that arrive later the same way, with the margins this class writes into the chart.
/// </summary>
public sealed class LossCurve
{
    public const double Width = 640;
    public const double Height = 240;
    public const double Left = 56;
    public const double Right = 14;
    public const double Top = 12;
    public const double Bottom = 30;

    private LossCurve(int totalSteps, IReadOnlyList<CurvePoint> train, IReadOnlyList<CurvePoint> val)
    {
        TotalSteps = Math.Max(1, totalSteps);
        Train = train;
        Val = val;
        var losses = train.Select(p => p.Loss).Concat(val.Select(p => p.Loss)).ToList();
        (Low, High) = losses.Count == 0 ? (0, 1) : Padded(losses.Min(), losses.Max());
    }

    public int TotalSteps { get; }
    public IReadOnlyList<CurvePoint> Train { get; }
    public IReadOnlyList<CurvePoint> Val { get; }
    public double Low { get; }
    public double High { get; }
    public bool IsEmpty => Train.Count == 0 && Val.Count == 0;

    /// <summary>The margins as the script reads them: left, right, top, bottom.</summary>
    public static string Margins => string.Join(' ', new[] { Left, Right, Top, Bottom }.Select(Format));

    public static LossCurve From(int totalSteps, IEnumerable<RunMetricsLine> lines)
    {
        var progress = lines.Where(l => l.Event == "progress" && l.Step is not null).ToList();
        return new LossCurve(
            totalSteps,
            [.. progress.Where(l => IsFinite(l.Loss)).Select(l => new CurvePoint(l.Step!.Value, l.Loss!.Value))],
            [.. progress.Where(l => IsFinite(l.ValLoss)).Select(l => new CurvePoint(l.Step!.Value, l.ValLoss!.Value))]);
    }

    public double X(int step) => Left + (Width - Left - Right) * Math.Clamp((double)step / TotalSteps, 0, 1);

    public double Y(double loss) => Top + (Height - Top - Bottom) * (High - loss) / (High - Low);

    /// <summary>An SVG <c>points</c> attribute.</summary>
    public string Polyline(IEnumerable<CurvePoint> points) => string.Join(' ', points.Select(p => $"{Format(X(p.Step))},{Format(Y(p.Loss))}"));

    public static string Format(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    public static string Label(double loss) => loss.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A little room above and below the curve, and a visible span when every value is the same.</summary>
    private static (double Low, double High) Padded(double low, double high)
    {
        var pad = high > low ? (high - low) * 0.05 : 0.5;
        return (low - pad, high + pad);
    }

    private static bool IsFinite(double? value) => value is { } v && double.IsFinite(v);
}

public readonly record struct CurvePoint(int Step, double Loss);
