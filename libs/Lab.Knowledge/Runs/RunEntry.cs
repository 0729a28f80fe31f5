using System.Globalization;
using System.Text;
using Lab.Contracts.Runs;

namespace Lab.Knowledge.Runs;

/// <summary>
/// A finished run as a knowledge entry linked to its idea: what was trained (the configuration), how it learned (the
/// curve) and what came out (the outcome), with the device time it cost. Written with the run's last event, in the
/// same transaction.
/// </summary>
public sealed class RunEntry
{
    public Guid Id { get; set; }
    public Guid IdeaId { get; set; }
    public Guid SubmittedBy { get; set; }
    public string Title { get; set; } = "";

    /// <summary>The entry in words, for reading and for full-text search.</summary>
    public string Body { get; set; } = "";
    public string Config { get; set; } = "";
    public RunOutcome Outcome { get; set; } = null!;
    public List<RunPoint> Curve { get; set; } = [];
    public double DeviceSeconds { get; set; }
    public int Preemptions { get; set; }
    public DateTimeOffset FinishedAt { get; set; }

    public static RunEntry From(RunSummary run, string ideaTitle)
    {
        var outcome = run.Outcome ?? throw new ArgumentException("Only a finished run becomes a knowledge entry.", nameof(run));
        var f = CultureInfo.InvariantCulture;
        var body = new StringBuilder()
            .Append(f, $"Run {run.Id} for the idea \"{ideaTitle}\" finished {outcome.Step} steps ")
            .Append(f, $"with training loss {outcome.Loss:0.####} and validation loss {outcome.ValLoss:0.####}, ")
            .Append(f, $"at {outcome.TokensPerS:0} tokens/s ({outcome.ModelGflopsPerS:0.##} GFLOP/s), expert load max/mean {outcome.ExpertLoadMaxOverMean:0.###}. ")
            .Append(f, $"It used {run.DeviceSeconds / 3600:0.###} device-hours on {run.Devices} device(s) over {run.Attempts} placement(s), ")
            .Append(f, $"preempted {run.Preemptions} time(s). Configuration: {run.Config}")
            .ToString();
        return new RunEntry
        {
            Id = run.Id,
            IdeaId = run.IdeaId,
            SubmittedBy = run.SubmittedBy,
            Title = string.Create(f, $"Run for \"{ideaTitle}\": validation loss {outcome.ValLoss:0.####} after {outcome.Step} steps"),
            Body = body,
            Config = run.Config,
            Outcome = outcome,
            Curve = [.. run.Curve],
            DeviceSeconds = run.DeviceSeconds,
            Preemptions = run.Preemptions,
            FinishedAt = run.LastActivityAt,
        };
    }
}
