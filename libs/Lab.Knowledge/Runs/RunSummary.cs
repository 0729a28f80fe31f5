using System.Globalization;
using Lab.Contracts;
using Lab.Contracts.Runs;

namespace Lab.Knowledge.Runs;

/// <summary>One run as people (and the pool, after a restart) read it, projected inline from the run's stream.</summary>
public sealed class RunSummary
{
    /// <summary>Curve points kept per run: older points are thinned (every other one dropped) beyond this.</summary>
    public const int MaxCurvePoints = 400;

    public Guid Id { get; set; }
    public Guid IdeaId { get; set; }
    public Guid SubmittedBy { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset QueuedAt { get; set; }
    public DateTimeOffset LastActivityAt { get; set; }
    public RunStatus Status { get; set; }
    public string Config { get; set; } = "";
    public int TotalSteps { get; set; }
    public int Devices { get; set; }
    public string? Kind { get; set; }
    public int Step { get; set; }
    public double? Loss { get; set; }
    public double? ValLoss { get; set; }
    public double? TokensPerS { get; set; }
    public double? ExpertLoadMaxOverMean { get; set; }

    /// <summary>The node and devices it holds now (null/empty while it waits or once it is over).</summary>
    public string? Node { get; set; }
    public List<int> DeviceIndexes { get; set; } = [];
    public DateTimeOffset? LeaseStartedAt { get; set; }

    /// <summary>Its last start or resume on its current lease, from which the minimum run time counts.</summary>
    public DateTimeOffset? RunningSince { get; set; }
    public int Attempts { get; set; }
    public int Preemptions { get; set; }

    /// <summary>How many times its training process died and it was started again.</summary>
    public int CrashRestarts { get; set; }
    public int CheckpointStep { get; set; }
    public string? CheckpointPath { get; set; }
    public double DeviceSeconds { get; set; }
    public RunOutcome? Outcome { get; set; }
    public string? FailureReason { get; set; }
    public List<RunHistoryEntry> History { get; set; } = [];
    public List<RunPoint> Curve { get; set; } = [];
    public long Version { get; set; }

    public bool HoldsLease => Node is not null;

    /// <summary>Device time used up to <paramref name="now"/>: the ended leases plus the one the run holds, if any.</summary>
    public double DeviceSecondsAt(DateTimeOffset now) => DeviceSecondsAt(now, DeviceSeconds, Devices, LeaseStartedAt);

    /// <summary>The same sum from a run's stored fields (for queries that read only those).</summary>
    public static double DeviceSecondsAt(DateTimeOffset now, double ended, int devices, DateTimeOffset? leaseStartedAt) =>
        ended + (leaseStartedAt is { } since ? devices * Math.Max(0, (now - since).TotalSeconds) : 0);

    /// <summary>The run as members read it, its device time counted up to <paramref name="now"/>, without the worker's file paths.</summary>
    public RunView ToView(DateTimeOffset now) => new(Id, IdeaId, SubmittedBy, SubmittedAt, Status, Devices, Kind, TotalSteps, Step, Loss, ValLoss,
        TokensPerS, Node, DeviceIndexes, Attempts, Preemptions, CheckpointStep, Math.Round(DeviceSecondsAt(now), 3),
        Outcome is null ? null : Outcome with { Checkpoint = ServerPaths.FileNameOf(Outcome.Checkpoint) },
        FailureReason is null ? null : ServerPaths.Hide(FailureReason), Config,
        Version, [.. History.Select(h => h with { Detail = ServerPaths.Hide(h.Detail) })]);
}

/// <summary>
/// How each event of a run's stream changes the run. Marten uses it for the run list (inline); the run grain uses
/// <see cref="Evolve"/> to keep its live state by the same rules.
/// </summary>
public sealed partial class RunSummaryProjection : Marten.Events.Aggregation.SingleStreamProjection<RunSummary, Guid>
{
    public static RunSummary Create(RunSubmitted e)
    {
        var run = new RunSummary
        {
            Id = e.RunId,
            IdeaId = e.IdeaId,
            SubmittedBy = e.SubmittedBy,
            SubmittedAt = e.At,
            QueuedAt = e.At,
            Status = RunStatus.Queued,
            Config = e.Config,
            TotalSteps = e.TotalSteps,
            Devices = e.Devices,
            Kind = e.Kind,
        };
        Note(run, e.At, "submitted", $"{e.TotalSteps} steps on {Plural(e.Devices, "device")}{(e.Kind is null ? "" : $" ({e.Kind})")}", e.SubmittedBy);
        return run;
    }

    public static void Apply(RunPlaced e, RunSummary run)
    {
        run.Status = RunStatus.Placed;
        run.Node = e.Node;
        run.DeviceIndexes = [.. e.DeviceIndexes];
        run.LeaseStartedAt = e.At;
        run.RunningSince = e.At;
        run.Attempts = e.Attempt;
        Note(run, e.At, "placed", $"on {e.Node}, devices {string.Join(",", e.DeviceIndexes)} (attempt {e.Attempt})");
    }

    public static void Apply(RunStarted e, RunSummary run)
    {
        run.Status = RunStatus.Running;
        Note(run, e.At, "started", "from step 0");
    }

    public static void Apply(RunResumed e, RunSummary run)
    {
        run.Status = RunStatus.Running;
        run.Step = e.Step;
        Note(run, e.At, "resumed", $"from the checkpoint at step {e.Step}");
    }

    public static void Apply(RunProgressed e, RunSummary run)
    {
        run.Step = Math.Max(run.Step, e.Step);
        run.Loss = e.Loss ?? run.Loss;
        run.ValLoss = e.ValLoss ?? run.ValLoss;
        run.TokensPerS = e.TokensPerS ?? run.TokensPerS;
        run.ExpertLoadMaxOverMean = e.ExpertLoadMaxOverMean ?? run.ExpertLoadMaxOverMean;
        run.LastActivityAt = e.At;
        run.Curve.Add(new RunPoint(e.Step, e.Loss, e.ValLoss, e.TokensPerS, e.ExpertLoadMaxOverMean, e.At));
        if (run.Curve.Count > RunSummary.MaxCurvePoints)
        {
            // Keep the first and the newest points and every other one between: the curve's shape survives.
            run.Curve = [.. run.Curve.Where((p, i) => i % 2 == 0 || i == run.Curve.Count - 1 || p.ValLoss is not null)];
        }
    }

    public static void Apply(RunCheckpointed e, RunSummary run)
    {
        run.CheckpointStep = e.Step;
        run.CheckpointPath = e.Path;
        run.Step = Math.Max(run.Step, e.Step);
        Note(run, e.At, "checkpointed", $"at step {e.Step}");
    }

    public static void Apply(RunPreempted e, RunSummary run)
    {
        run.Status = RunStatus.Stopping;
        run.Preemptions++;
        Note(run, e.At, "preempted", $"asked to checkpoint and step aside on {e.Node} for an idea below its fair share");
    }

    public static void Apply(RunLeaseReleased e, RunSummary run)
    {
        run.DeviceSeconds += e.Devices * e.Seconds;
        run.Node = null;
        run.DeviceIndexes = [];
        run.LeaseStartedAt = null;
        run.RunningSince = null;
        run.LastActivityAt = e.At;
    }

    public static void Apply(RunRequeued e, RunSummary run)
    {
        run.Status = RunStatus.Queued;
        run.QueuedAt = e.At;
        run.CheckpointStep = Math.Max(run.CheckpointStep, e.CheckpointStep);
        Note(run, e.At, "requeued", run.CheckpointStep > 0
            ? $"{e.Reason}; will resume from the checkpoint at step {run.CheckpointStep}"
            : $"{e.Reason}; will start again from step 0 (no checkpoint yet)");
    }

    public static void Apply(RunCrashed e, RunSummary run)
    {
        run.Status = RunStatus.Queued;
        run.QueuedAt = e.At;
        run.CrashRestarts = e.Restart;
        run.CheckpointStep = Math.Max(run.CheckpointStep, e.CheckpointStep);
        Note(run, e.At, "crashed", $"{e.Reason}; restart {e.Restart} of {RunRules.MaxCrashRestarts}, " + (run.CheckpointStep > 0
            ? $"from the checkpoint at step {run.CheckpointStep}"
            : "from step 0 (no checkpoint yet)"));
    }

    public static void Apply(RunFinished e, RunSummary run)
    {
        run.Status = RunStatus.Finished;
        run.Outcome = e.Outcome;
        run.Step = e.Outcome.Step;
        run.Loss = e.Outcome.Loss;
        run.ValLoss = e.Outcome.ValLoss;
        run.TokensPerS = e.Outcome.TokensPerS;
        run.ExpertLoadMaxOverMean = e.Outcome.ExpertLoadMaxOverMean;
        run.CheckpointPath = e.Outcome.Checkpoint;
        run.CheckpointStep = e.Outcome.Step;
        Note(run, e.At, "finished", $"step {e.Outcome.Step}: loss {Number(e.Outcome.Loss)}, validation loss {Number(e.Outcome.ValLoss)}, {Number(e.Outcome.TokensPerS)} tokens/s");
    }

    public static void Apply(RunFailed e, RunSummary run)
    {
        run.Status = RunStatus.Failed;
        run.FailureReason = e.Reason;
        Note(run, e.At, "failed", e.Reason);
    }

    public static void Apply(RunCancelled e, RunSummary run)
    {
        run.Status = RunStatus.Cancelled;
        var who = e.By == run.SubmittedBy ? "by its submitter" : "by a member of its idea's team";
        Note(run, e.At, "cancelled", run.HoldsLease ? $"{who}; its worker checkpoints and stops it" : $"{who}; it was waiting", e.By);
    }

    public static void Apply(RunReopened e, RunSummary run)
    {
        run.Status = RunStatus.Queued;
        run.QueuedAt = e.At;
        Note(run, e.At, "reopened", e.CheckpointStep > 0
            ? $"by its submitter after the cancellation; will resume from the checkpoint at step {e.CheckpointStep}"
            : "by its submitter after the cancellation; will start again from step 0 (no checkpoint yet)", e.By);
    }

    /// <summary>Applies one event of a run's stream to its state (the same rules Marten applies).</summary>
    public static RunSummary Evolve(RunSummary? run, object change)
    {
        if (change is RunSubmitted submitted)
        {
            return Create(submitted);
        }
        ArgumentNullException.ThrowIfNull(run);
        switch (change)
        {
            case RunPlaced e: Apply(e, run); break;
            case RunStarted e: Apply(e, run); break;
            case RunResumed e: Apply(e, run); break;
            case RunProgressed e: Apply(e, run); break;
            case RunCheckpointed e: Apply(e, run); break;
            case RunPreempted e: Apply(e, run); break;
            case RunLeaseReleased e: Apply(e, run); break;
            case RunRequeued e: Apply(e, run); break;
            case RunCrashed e: Apply(e, run); break;
            case RunFinished e: Apply(e, run); break;
            case RunFailed e: Apply(e, run); break;
            case RunCancelled e: Apply(e, run); break;
            case RunReopened e: Apply(e, run); break;
            default: throw new ArgumentException($"A run's stream has no event {change.GetType().Name}.", nameof(change));
        }
        return run;
    }

    private static void Note(RunSummary run, DateTimeOffset at, string what, string detail, Guid? by = null)
    {
        run.History.Add(new RunHistoryEntry(at, what, detail, by));
        run.LastActivityAt = at;
    }

    private static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "unknown";

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
