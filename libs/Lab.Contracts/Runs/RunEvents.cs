namespace Lab.Contracts.Runs;

// A run's stream holds its whole life; one single writer (the run grain), told by the pool grain what the pool decided
// and what the worker reported.

/// <summary>A member put a run for an idea on the pool. No approval: it is admitted at once.</summary>
public sealed record RunSubmitted(Guid RunId, Guid IdeaId, Guid SubmittedBy, string Config, int TotalSteps, int Devices, string? Kind, DateTimeOffset At);

/// <summary>The pool leased devices of a node to the run (its <paramref name="Attempt"/>-th placement).</summary>
public sealed record RunPlaced(Guid RunId, string Node, IReadOnlyList<int> DeviceIndexes, int Attempt, DateTimeOffset At);

/// <summary>The worker started the training process from step 0.</summary>
public sealed record RunStarted(Guid RunId, int Attempt, DateTimeOffset At);

/// <summary>The worker started the training process from the checkpoint at <paramref name="Step"/>.</summary>
public sealed record RunResumed(Guid RunId, int Attempt, int Step, DateTimeOffset At);

/// <summary>A sample of the run's progress (not every step): training figures, or a validation loss, or both.</summary>
public sealed record RunProgressed(Guid RunId, int Step, double? Loss, double? ValLoss, double? TokensPerS, double? ExpertLoadMaxOverMean, DateTimeOffset At);

public sealed record RunCheckpointed(Guid RunId, int Step, string Path, DateTimeOffset At);

/// <summary>The pool asked the run to checkpoint and step aside for an idea below its fair share.</summary>
public sealed record RunPreempted(Guid RunId, string Node, DateTimeOffset At);

/// <summary>The run gave its devices back; the device time it used is accounted to the run and its idea.</summary>
public sealed record RunLeaseReleased(Guid RunId, Guid IdeaId, string Node, int Devices, double Seconds, DateTimeOffset At);

/// <summary>The run waits again (it stepped aside, or its node was lost) and will resume from its last checkpoint.</summary>
public sealed record RunRequeued(Guid RunId, string Reason, int CheckpointStep, DateTimeOffset At);

/// <summary>The run's training process died without the engine saying why; the run waits to be started again (restart n).</summary>
public sealed record RunCrashed(Guid RunId, string Reason, int CheckpointStep, int Restart, DateTimeOffset At);

public sealed record RunFinished(Guid RunId, RunOutcome Outcome, DateTimeOffset At);

public sealed record RunFailed(Guid RunId, string Reason, int Step, DateTimeOffset At);

public sealed record RunCancelled(Guid RunId, Guid By, DateTimeOffset At);

/// <summary>A cancelled run was put back in the queue by its submitter, to continue from its last checkpoint.</summary>
public sealed record RunReopened(Guid RunId, Guid By, int CheckpointStep, DateTimeOffset At);
