using System.Globalization;
using Lab.Contracts.Reading;

namespace Lab.Contracts.Runs;

// A run's stream holds its whole life; one single writer (the run grain), told by the pool grain what the pool decided
// and what the worker reported. Each event says here, once, the line it adds to the run's history, its line in the
// run's metrics stream, and (for the few that are news) how the feed tells it.

/// <summary>An event of one run's stream.</summary>
public interface IRunEvent : ILabEvent
{
    Guid RunId { get; }

    /// <summary>The line it adds to the run's history, given the run as the event left it; null when it adds none.</summary>
    RunHistoryEntry? HistoryLine(IRunSoFar run) => null;

    /// <summary>Its line in the run's metrics stream (<c>runs/{id}/metrics</c>); null when it has none.</summary>
    RunMetricsLine? MetricsLine => null;
}

/// <summary>What a run's history line may depend on besides its own event: the run as the event left it.</summary>
public interface IRunSoFar
{
    Guid SubmittedBy { get; }
    int CheckpointStep { get; }
    bool HoldsLease { get; }
}

/// <summary>A member put a run for an idea on the pool. No approval: it is admitted at once.</summary>
[StoredAs("run_submitted")]
public sealed record RunSubmitted(Guid RunId, Guid IdeaId, Guid SubmittedBy, string Config, int TotalSteps, int Devices, string? Kind, DateTimeOffset At)
    : IRunEvent, INews
{
    Guid? ILabEvent.Actor => SubmittedBy;
    Story? ILabEvent.Story => new("run-submitted", "run", RunId, n => $"{n.Member(SubmittedBy)} put {n.RunFor(RunId)} on the pool");
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) =>
        new(At, "submitted", $"{TotalSteps} steps on {RunWords.Plural(Devices, "device")}{(Kind is null ? "" : $" ({Kind})")}", SubmittedBy);
    RunMetricsLine? IRunEvent.MetricsLine => new("status", At, Status: RunStatus.Queued, Detail: "submitted");
}

/// <summary>The pool leased devices of a node to the run (its <paramref name="Attempt"/>-th placement).</summary>
[StoredAs("run_placed")]
public sealed record RunPlaced(Guid RunId, string Node, IReadOnlyList<int> DeviceIndexes, int Attempt, DateTimeOffset At) : IRunEvent
{
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) => new(At, "placed", $"on {Node}, devices {string.Join(",", DeviceIndexes)} (attempt {Attempt})");
    RunMetricsLine? IRunEvent.MetricsLine => new("status", At, Status: RunStatus.Placed, Detail: $"placed on {Node}");
}

/// <summary>The worker started the training process from step 0.</summary>
[StoredAs("run_started")]
public sealed record RunStarted(Guid RunId, int Attempt, DateTimeOffset At) : IRunEvent
{
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) => new(At, "started", "from step 0");
    RunMetricsLine? IRunEvent.MetricsLine => new("status", At, Step: 0, Status: RunStatus.Running, Detail: "started");
}

/// <summary>The worker started the training process from the checkpoint at <paramref name="Step"/>.</summary>
[StoredAs("run_resumed")]
public sealed record RunResumed(Guid RunId, int Attempt, int Step, DateTimeOffset At) : IRunEvent
{
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) => new(At, "resumed", $"from the checkpoint at step {Step}");
    RunMetricsLine? IRunEvent.MetricsLine => new("status", At, Step: Step, Status: RunStatus.Running, Detail: $"resumed from step {Step}");
}

/// <summary>
/// A line of the run's progress as the engine wrote it: its training figures at a logged step, or a validation loss
/// (with expert affinity); <paramref name="Figures"/> holds the rest of the line (absent in runs recorded before it was kept).
/// </summary>
[StoredAs("run_progressed")]
public sealed record RunProgressed(Guid RunId, int Step, double? Loss, double? ValLoss, double? TokensPerS, double? ExpertLoadMaxOverMean, DateTimeOffset At,
    TrainingFigures? Figures = null)
    : IRunEvent
{
    RunMetricsLine? IRunEvent.MetricsLine => new RunMetricsLine("progress", At, Step, Loss, ValLoss, TokensPerS, ExpertLoadMaxOverMean).With(Figures);
}

[StoredAs("run_checkpointed")]
public sealed record RunCheckpointed(Guid RunId, int Step, string Path, DateTimeOffset At) : IRunEvent
{
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) => new(At, "checkpointed", $"at step {Step}");
    RunMetricsLine? IRunEvent.MetricsLine => new("checkpoint", At, Step: Step);
}

/// <summary>The pool asked the run to checkpoint and step aside for an idea below its fair share.</summary>
[StoredAs("run_preempted")]
public sealed record RunPreempted(Guid RunId, string Node, DateTimeOffset At) : IRunEvent
{
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) =>
        new(At, "preempted", $"asked to checkpoint and step aside on {Node} for an idea below its fair share");
    RunMetricsLine? IRunEvent.MetricsLine => new("status", At, Status: RunStatus.Stopping, Detail: "preempted");
}

/// <summary>The run gave its devices back; the device time it used is accounted to the run and its idea.</summary>
[StoredAs("run_lease_released")]
public sealed record RunLeaseReleased(Guid RunId, Guid IdeaId, string Node, int Devices, double Seconds, DateTimeOffset At) : IRunEvent;

/// <summary>The run waits again (it stepped aside, or its node was lost) and will resume from its last checkpoint.</summary>
[StoredAs("run_requeued")]
public sealed record RunRequeued(Guid RunId, string Reason, int CheckpointStep, DateTimeOffset At) : IRunEvent
{
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) => new(At, "requeued", run.CheckpointStep > 0
        ? $"{Reason}; will resume from the checkpoint at step {run.CheckpointStep}"
        : $"{Reason}; will start again from step 0 (no checkpoint yet)");
    RunMetricsLine? IRunEvent.MetricsLine => new("status", At, Step: CheckpointStep, Status: RunStatus.Queued, Detail: ServerPaths.Hide(Reason));
}

/// <summary>The run's training process died without the engine saying why; the run waits to be started again (restart n).</summary>
[StoredAs("run_crashed")]
public sealed record RunCrashed(Guid RunId, string Reason, int CheckpointStep, int Restart, DateTimeOffset At) : IRunEvent
{
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) => new(At, "crashed", $"{Reason}; restart {Restart} of {RunRules.MaxCrashRestarts}, " + (run.CheckpointStep > 0
        ? $"from the checkpoint at step {run.CheckpointStep}"
        : "from step 0 (no checkpoint yet)"));
    RunMetricsLine? IRunEvent.MetricsLine => new("status", At, Step: CheckpointStep, Status: RunStatus.Queued, Detail: $"{ServerPaths.Hide(Reason)}; restart {Restart}");
}

[StoredAs("run_finished")]
public sealed record RunFinished(Guid RunId, RunOutcome Outcome, DateTimeOffset At) : IRunEvent, INews
{
    Story? ILabEvent.Story => new("run-finished", "run", RunId, n => string.Create(CultureInfo.InvariantCulture,
        $"{RunWords.Capitalised(n.RunFor(RunId))} finished {Outcome.Step} steps: validation loss {Outcome.ValLoss:0.###}"));
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) => new(At, "finished",
        $"step {Outcome.Step}: loss {RunWords.Number(Outcome.Loss)}, validation loss {RunWords.Number(Outcome.ValLoss)}, {RunWords.Number(Outcome.TokensPerS)} tokens/s");
    RunMetricsLine? IRunEvent.MetricsLine => new("status", At, Outcome.Step, Outcome.Loss, Outcome.ValLoss, Outcome.TokensPerS, Outcome.ExpertLoadMaxOverMean,
        RunStatus.Finished, "finished");
}

[StoredAs("run_failed")]
public sealed record RunFailed(Guid RunId, string Reason, int Step, DateTimeOffset At) : IRunEvent, INews
{
    Story? ILabEvent.Story => new("run-failed", "run", RunId, n => $"{RunWords.Capitalised(n.RunFor(RunId))} failed at step {Step}: {Reason}");
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) => new(At, "failed", Reason);
    RunMetricsLine? IRunEvent.MetricsLine => new("status", At, Step: Step, Status: RunStatus.Failed, Detail: ServerPaths.Hide(Reason));
}

[StoredAs("run_cancelled")]
public sealed record RunCancelled(Guid RunId, Guid By, DateTimeOffset At) : IRunEvent, INews
{
    Guid? ILabEvent.Actor => By;
    Story? ILabEvent.Story => new("run-cancelled", "run", RunId, n => $"{n.Member(By)} cancelled {n.RunFor(RunId)}");
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run)
    {
        var who = By == run.SubmittedBy ? "by its submitter" : "by a member of its idea's team";
        return new(At, "cancelled", run.HoldsLease ? $"{who}; its worker checkpoints and stops it" : $"{who}; it was waiting", By);
    }
    RunMetricsLine? IRunEvent.MetricsLine => new("status", At, Status: RunStatus.Cancelled, Detail: "cancelled");
}

/// <summary>A cancelled run was put back in the queue by its submitter, to continue from its last checkpoint.</summary>
[StoredAs("run_reopened")]
public sealed record RunReopened(Guid RunId, Guid By, int CheckpointStep, DateTimeOffset At) : IRunEvent, INews
{
    Guid? ILabEvent.Actor => By;
    Story? ILabEvent.Story => new("run-resumed", "run", RunId, n => $"{n.Member(By)} resumed {n.RunFor(RunId)} after its cancellation");
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) => new(At, "reopened", CheckpointStep > 0
        ? $"by its submitter after the cancellation; will resume from the checkpoint at step {CheckpointStep}"
        : "by its submitter after the cancellation; will start again from step 0 (no checkpoint yet)", By);
    RunMetricsLine? IRunEvent.MetricsLine => new("status", At, Step: CheckpointStep, Status: RunStatus.Queued, Detail: "resumed after its cancellation");
}

/// <summary>A member named the run, renamed it, or (with a null name) cleared its name, so people can tell it apart in tables and comparisons.</summary>
[StoredAs("run_named")]
public sealed record RunNamed(Guid RunId, string? Name, string? Previous, Guid By, DateTimeOffset At) : IRunEvent
{
    Guid? ILabEvent.Actor => By;
    Story? ILabEvent.Story => new("run-named", "run", RunId, n => Name is null
        ? $"{n.Member(By)} cleared the name of {n.RunFor(RunId)}"
        : $"{n.Member(By)} named {n.RunFor(RunId)} \"{Name}\"");
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) => new(At, "named", (Name, Previous) switch
    {
        (null, _) => $"its name \"{Previous}\" cleared",
        (_, null) => $"\"{Name}\"",
        _ => $"\"{Name}\" (was \"{Previous}\")",
    }, By);
}

/// <summary>A member put tags on the run (only those it did not carry yet).</summary>
[StoredAs("run_tagged")]
public sealed record RunTagged(Guid RunId, IReadOnlyList<string> Tags, Guid By, DateTimeOffset At) : IRunEvent
{
    Guid? ILabEvent.Actor => By;
    Story? ILabEvent.Story => new("run-tagged", "run", RunId, n => $"{n.Member(By)} tagged {n.RunFor(RunId)} {string.Join(", ", Tags)}");
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) => new(At, "tagged", string.Join(", ", Tags), By);
}

/// <summary>A member took tags off the run (only those it carried).</summary>
[StoredAs("run_untagged")]
public sealed record RunUntagged(Guid RunId, IReadOnlyList<string> Tags, Guid By, DateTimeOffset At) : IRunEvent
{
    Guid? ILabEvent.Actor => By;
    Story? ILabEvent.Story => new("run-untagged", "run", RunId, n => $"{n.Member(By)} took the tag {string.Join(", ", Tags)} off {n.RunFor(RunId)}");
    RunHistoryEntry? IRunEvent.HistoryLine(IRunSoFar run) => new(At, "untagged", string.Join(", ", Tags), By);
}

/// <summary>The words the run events share.</summary>
internal static class RunWords
{
    public static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "unknown";

    public static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    public static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
