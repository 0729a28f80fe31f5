using Lab.Contracts;
using Lab.Contracts.Runs;

namespace Lab.Knowledge.Runs;

/// <summary>
/// One run as people (and the pool, after a restart) read it, folded from the run's stream: stored inline, and the run
/// grain's state. Each event writes its own line of the run's <see cref="History"/>.
/// </summary>
public sealed class RunSummary : IStreamState<RunSummary>, IRunSoFar
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

    /// <summary>How many checkpoints it wrote over all its placements (the files themselves: only the newest few are kept).</summary>
    public int Checkpoints { get; set; }

    /// <summary>Where it held devices last (kept once the lease ends, so a finished run says where it ran).</summary>
    public string? LastNode { get; set; }
    public List<int> LastDeviceIndexes { get; set; } = [];

    /// <summary>The member who cancelled it, while it is cancelled.</summary>
    public Guid? CancelledBy { get; set; }

    /// <summary>Progress and evaluation lines kept in its stream (bounded by <c>LabBounds.MaxMetricsLinesPerRun</c>).</summary>
    public int MetricsLines { get; set; }

    /// <summary>The step of the last training line kept; -1 before the first.</summary>
    public int LastTrainLineStep { get; set; } = -1;

    /// <summary>The step of the last evaluation line kept; -1 before the first.</summary>
    public int LastEvalLineStep { get; set; } = -1;
    public double DeviceSeconds { get; set; }
    public RunOutcome? Outcome { get; set; }
    public string? FailureReason { get; set; }
    /// <summary>What members called it (null until someone names it), and its tags, in the order they were put on.</summary>
    public string? Name { get; set; }
    public List<string> Tags { get; set; } = [];

    /// <summary>What it trains, read from <see cref="Config"/> when it was submitted (for sorting and comparing runs).</summary>
    public RunSetup? Setup { get; set; }
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
        Version, [.. History.Select(h => h with { Detail = ServerPaths.Hide(h.Detail) })], Name, [.. Tags], Setup ?? RunSetups.Of(Config),
        Checkpoints, LastNode, LastDeviceIndexes, CancelledBy, CheckpointFileName(), MetricsLines);

    /// <summary>Its newest checkpoint's file name (<c>step-00000200.ckpt</c>), never where it lies; null before the first.</summary>
    public string? CheckpointFileName() => CheckpointStep > 0 && CheckpointPath is { Length: > 0 } path ? ServerPaths.FileNameOf(path) : null;

    /// <summary>How each event of a run's stream changes the run.</summary>
    public static RunSummary Fold(RunSummary? run, ILabEvent change)
    {
        if (change is not IRunEvent e)
        {
            throw new ArgumentException($"A run's stream has no event {change.GetType().Name}.", nameof(change));
        }
        run = e is RunSubmitted submitted ? Submitted(submitted) : run ?? throw new ArgumentNullException(nameof(run));
        run.Change(e);
        if (e.HistoryLine(run) is { } line)
        {
            run.History.Add(line);
            run.LastActivityAt = line.At;
        }
        return run;
    }

    private static RunSummary Submitted(RunSubmitted e) => new()
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
        Setup = RunSetups.Of(e.Config),
    };

    private void Change(IRunEvent change)
    {
        switch (change)
        {
            case RunSubmitted:
                break;
            case RunPlaced e:
                Status = RunStatus.Placed;
                Node = e.Node;
                DeviceIndexes = [.. e.DeviceIndexes];
                LeaseStartedAt = e.At;
                RunningSince = e.At;
                Attempts = e.Attempt;
                LastNode = e.Node;
                LastDeviceIndexes = [.. e.DeviceIndexes];
                break;
            case RunStarted:
                Status = RunStatus.Running;
                break;
            case RunResumed e:
                Status = RunStatus.Running;
                Step = e.Step;
                break;
            case RunProgressed e:
                Progressed(e);
                break;
            case RunCheckpointed e:
                Checkpoints++;
                CheckpointStep = e.Step;
                CheckpointPath = e.Path;
                Step = Math.Max(Step, e.Step);
                break;
            case RunPreempted:
                Status = RunStatus.Stopping;
                Preemptions++;
                break;
            case RunLeaseReleased e:
                DeviceSeconds += e.Devices * e.Seconds;
                Node = null;
                DeviceIndexes = [];
                LeaseStartedAt = null;
                RunningSince = null;
                LastActivityAt = e.At;
                break;
            case RunRequeued e:
                Status = RunStatus.Queued;
                QueuedAt = e.At;
                CheckpointStep = Math.Max(CheckpointStep, e.CheckpointStep);
                break;
            case RunCrashed e:
                Status = RunStatus.Queued;
                QueuedAt = e.At;
                CrashRestarts = e.Restart;
                CheckpointStep = Math.Max(CheckpointStep, e.CheckpointStep);
                break;
            case RunFinished e:
                Status = RunStatus.Finished;
                Outcome = e.Outcome;
                Step = e.Outcome.Step;
                Loss = e.Outcome.Loss;
                ValLoss = e.Outcome.ValLoss;
                TokensPerS = e.Outcome.TokensPerS;
                ExpertLoadMaxOverMean = e.Outcome.ExpertLoadMaxOverMean;
                CheckpointPath = e.Outcome.Checkpoint;
                CheckpointStep = e.Outcome.Step;
                break;
            case RunFailed e:
                Status = RunStatus.Failed;
                FailureReason = e.Reason;
                break;
            case RunCancelled e:
                Status = RunStatus.Cancelled;
                CancelledBy = e.By;
                break;
            case RunReopened e:
                Status = RunStatus.Queued;
                CancelledBy = null;
                QueuedAt = e.At;
                break;
            case RunNamed or RunTagged or RunUntagged:
                (Name, Tags) = RunLabels.After(Name, Tags, change)!.Value;
                break;
            default:
                throw new ArgumentException($"A run's stream has no event {change.GetType().Name}.", nameof(change));
        }
    }

    private void Progressed(RunProgressed e)
    {
        Step = Math.Max(Step, e.Step);
        Loss = e.Loss ?? Loss;
        ValLoss = e.ValLoss ?? ValLoss;
        TokensPerS = e.TokensPerS ?? TokensPerS;
        ExpertLoadMaxOverMean = e.ExpertLoadMaxOverMean ?? ExpertLoadMaxOverMean;
        LastActivityAt = e.At;
        MetricsLines++;
        if (e.ValLoss is not null)
        {
            LastEvalLineStep = Math.Max(LastEvalLineStep, e.Step);
        }
        else
        {
            LastTrainLineStep = Math.Max(LastTrainLineStep, e.Step);
        }
        Curve.Add(new RunPoint(e.Step, e.Loss, e.ValLoss, e.TokensPerS, e.ExpertLoadMaxOverMean, e.At));
        if (Curve.Count > MaxCurvePoints)
        {
            // Keep the first and the newest points and every other one between: the curve's shape survives.
            Curve = [.. Curve.Where((p, i) => i % 2 == 0 || i == Curve.Count - 1 || p.ValLoss is not null)];
        }
    }
}

/// <summary>The run list: each run's state, stored inline with the run's own evolve.</summary>
public sealed partial class RunSummaryProjection : StreamProjection<RunSummary, IRunEvent>;
