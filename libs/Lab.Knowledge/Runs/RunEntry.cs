using System.Globalization;
using System.Text;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using JasperFx.Events.Daemon;
using Lab.Contracts;
using Lab.Contracts.Runs;
using Lab.Knowledge.Ideas;
using Marten;
using Marten.Events.Aggregation;

namespace Lab.Knowledge.Runs;

/// <summary>
/// A finished run as a knowledge entry linked to its idea: what was trained (the configuration), how it learned (the
/// curve) and what came out (the outcome), with the device time it cost. Projected inline from the run's events, so it is
/// written in the same transaction as the run's finish, and rebuilt from the log like every other read model.
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

/// <summary>
/// Finished runs as knowledge. When a run's events include its finish, the run as it was then (folded by the run's own
/// evolve: the events stored before these, then these) becomes its entry, with its idea's title as it was then. The same
/// holds in a rebuild, where "these" are a page of the log.
/// </summary>
public sealed partial class RunEntryProjection : SingleStreamProjection<RunEntry, Guid>
{
    public RunEntryProjection()
    {
        foreach (var type in LabEvents.OfKind<IRunEvent>())
        {
            IncludeType(type);
        }
    }

    public override async ValueTask<(RunEntry?, ActionType)> DetermineActionAsync(IQuerySession session, RunEntry? snapshot, Guid identity,
        IIdentitySetter<RunEntry, Guid> identitySetter, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var finished = events.Select((e, i) => (e, i)).FirstOrDefault(x => x.e.Data is RunFinished);
        if (finished.e is null)
        {
            return (snapshot, ActionType.Nothing);
        }
        var before = events[0].Version - 1;
        var run = before > 0 ? await session.Events.AggregateStreamAsync<RunSummary>(identity, version: before, token: cancellation) : null;
        foreach (var e in events.Take(finished.i + 1))
        {
            run = RunSummary.Fold(run, (ILabEvent)e.Data);
        }
        var idea = await session.Events.AggregateStreamAsync<IdeaSummary>(run!.IdeaId, timestamp: finished.e.Timestamp, token: cancellation);
        return (RunEntry.From(run, idea?.Title ?? run.IdeaId.ToString()), ActionType.Store);
    }
}
