using Lab.Contracts.Pool;

namespace Lab.Contracts.Runs;

/// <summary>
/// The single writer of one run's history, keyed by the run's id. The pool grain makes every change that concerns
/// devices (placements, preemptions, requeues, a lease's end, failures), so the run's events and the pool's decisions
/// never disagree; the heartbeat endpoint hands it what the worker reported during a lease (<see cref="Record"/>),
/// which counts only for the attempt that holds the lease now.
/// </summary>
[Alias("lab.IRunGrain")]
public interface IRunGrain : IGrainWithGuidKey
{
    /// <summary>Records the submission; the idea must exist. Submitting the same run twice is refused.</summary>
    [Alias("submit")]
    Task<RunView> Submit(SubmitRun run, Guid submittedBy);

    /// <summary>The run, or null when it was never submitted.</summary>
    [Alias("get"), Orleans.Concurrency.AlwaysInterleave]
    Task<RunView?> Get();

    [Alias("place")]
    Task<RunView> Place(string node, IReadOnlyList<int> deviceIndexes, int attempt);

    /// <summary>Records what the worker said about the current attempt (started, progress, checkpoint); reports of an older attempt are ignored.</summary>
    [Alias("record")]
    Task<RunView> Record(RunReport report);

    /// <summary>
    /// Records what the worker said about the current attempt since its last heartbeat, in order, in one write: every
    /// progress and evaluation line it forwarded (within <see cref="LabBounds.MaxMetricsLinesPerRun"/>), checkpoints and starts.
    /// </summary>
    [Alias("record-all")]
    Task<RunView> RecordAll(IReadOnlyList<RunReport> reports);

    [Alias("preempt")]
    Task<RunView> Preempt(string node);

    /// <summary>Ends the lease (accounting its device time) and puts the run back in the queue.</summary>
    [Alias("requeue")]
    Task<RunView> Requeue(string reason);

    /// <summary>Ends the lease and records the end the worker reported: finished, failed, or (for a cancelled run) stopped.</summary>
    [Alias("end")]
    Task<RunView> End(RunReport report);

    /// <summary>Fails a run the pool cannot place or whose process could not run.</summary>
    [Alias("fail")]
    Task<RunView> Fail(string reason);

    /// <summary>Cancels the run: only the submitter or a member of the idea's team may. A running run is then stopped by its worker.</summary>
    [Alias("cancel")]
    Task<RunView> Cancel(Guid by);

    /// <summary>Puts a cancelled run back in the queue, to continue from its last checkpoint: only its submitter may.</summary>
    [Alias("reopen")]
    Task<RunView> Reopen(Guid by);

    /// <summary>Names the run (null or blank clears its name): only the submitter or a member of the idea's team may, whatever the run's status.</summary>
    [Alias("name")]
    Task<RunView> Name(string? name, Guid by);

    /// <summary>Puts tags on the run (those it carries already are left as they are): the same members as <see cref="Name"/>.</summary>
    [Alias("tag")]
    Task<RunView> Tag(IReadOnlyList<string> tags, Guid by);

    /// <summary>Takes tags off the run (those it does not carry are ignored): the same members as <see cref="Name"/>.</summary>
    [Alias("untag")]
    Task<RunView> Untag(IReadOnlyList<string> tags, Guid by);
}
