using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Knowledge.Runs;
using Marten;
using Microsoft.Extensions.Options;

namespace Lab.Grains.Runs;

/// <summary>
/// One run's history: the single writer of the run's stream (see <see cref="EventSourcedGrain{TState}"/>). The pool grain
/// tells it what the pool decided (placed, preempted, requeued, failed over time) and the reports that end a lease; the
/// heartbeat router brings it its worker's other reports (started, progress, checkpoints) straight, not through the pool.
/// It records only what is consistent with where the run is (a late report of an earlier placement changes nothing). A finished run's knowledge entry is projected from its events.
/// </summary>
public sealed class RunGrain(IDocumentStore store, TimeProvider clock, IGrainFactory grains, IOptions<LabBounds> bounds)
    : EventSourcedGrain<RunSummary>(store, "run"), IRunGrain
{
    public async Task<RunView> Submit(SubmitRun run, Guid submittedBy)
    {
        Refusals.ThrowIfAny(RunRules.Validate(run));
        if (State is not null)
        {
            throw new LabRefusedException($"Run {Id} has already been submitted.", LabRefusal.Conflict);
        }
        if (await grains.GetGrain<IIdeaGrain>(run.IdeaId).Get() is null)
        {
            throw new LabRefusedException($"No idea has the id {run.IdeaId}.", LabRefusal.NotFound);
        }
        return await AppendAsync(new RunSubmitted(Id, run.IdeaId, submittedBy, run.Config, run.TotalSteps, run.Devices, run.Kind, clock.GetUtcNow()));
    }

    public Task<RunView?> Get() => Task.FromResult(State?.ToView(clock.GetUtcNow()));

    public Task<RunView> Place(string node, IReadOnlyList<int> deviceIndexes, int attempt)
    {
        var run = Existing;
        if (run.Status != RunStatus.Queued)
        {
            throw new LabRefusedException($"Only a waiting run can be placed; this one is {run.Status}.", LabRefusal.Conflict);
        }
        return AppendAsync(new RunPlaced(Id, node, [.. deviceIndexes], attempt, clock.GetUtcNow()));
    }

    public Task<RunView> Record(RunReport report) => RecordAll([report]);

    public async Task<RunView> RecordAll(IReadOnlyList<RunReport> reports)
    {
        var run = Existing;
        var now = clock.GetUtcNow();
        var changes = new List<ILabEvent>();
        var seen = new Recorded(run.Status, run.CheckpointStep, run.MetricsLines, run.LastTrainLineStep, run.LastEvalLineStep);
        foreach (var report in reports.Where(r => IsCurrent(run, r)))
        {
            if (Decide(run, seen, report, now) is { } change)
            {
                changes.Add(change);
                seen = seen.After(change);
            }
        }
        return changes.Count == 0 ? run.ToView(now) : await AppendAsync([.. changes]);
    }

    /// <summary>What one report adds to the run, given what the run (with the reports before it) holds; null for nothing.</summary>
    private IRunEvent? Decide(RunSummary run, Recorded seen, RunReport report, DateTimeOffset now)
    {
        switch (report.Kind)
        {
            case RunReportKind.Started when seen.Status == RunStatus.Placed:
                return report.Resumed ? new RunResumed(Id, report.Attempt, report.Step, now) : new RunStarted(Id, report.Attempt, now);
            case RunReportKind.Progress:
                var evaluation = report.ValLoss is not null;
                var bound = bounds.Value.MaxMetricsLinesPerRun;
                return RunMetricsBound.Keeps(evaluation, report.Step, run.TotalSteps, seen.MetricsLines, evaluation ? seen.LastEvalStep : seen.LastTrainStep, bound)
                    ? new RunProgressed(Id, report.Step, Finite(report.Loss), Finite(report.ValLoss), Finite(report.TokensPerS), Finite(report.ExpertLoadMaxOverMean),
                        now, report.Figures?.Bounded(run.Devices))
                    : null;
            case RunReportKind.Checkpointed when report.Checkpoint is not null && report.Step > seen.CheckpointStep:
                return new RunCheckpointed(Id, report.Step, report.Checkpoint, now);
            default:
                return null;
        }
    }

    /// <summary>What a batch of reports has changed so far, for deciding the next one.</summary>
    private sealed record Recorded(RunStatus Status, int CheckpointStep, int MetricsLines, int LastTrainStep, int LastEvalStep)
    {
        public Recorded After(IRunEvent change) => change switch
        {
            RunStarted or RunResumed => this with { Status = RunStatus.Running },
            RunProgressed { ValLoss: not null } p => this with { MetricsLines = MetricsLines + 1, LastEvalStep = p.Step },
            RunProgressed p => this with { MetricsLines = MetricsLines + 1, LastTrainStep = p.Step },
            RunCheckpointed c => this with { CheckpointStep = c.Step },
            _ => this,
        };
    }

    public Task<RunView> Preempt(string node)
    {
        var run = Existing;
        if (run.Node != node || run.Status is not (RunStatus.Placed or RunStatus.Running))
        {
            throw new LabRefusedException($"Only a run holding devices on {node} can be preempted; this one is {run.Status}.", LabRefusal.Conflict);
        }
        return AppendAsync(new RunPreempted(Id, node, clock.GetUtcNow()));
    }

    public Task<RunView> Requeue(string reason)
    {
        var run = Existing;
        if (RunRules.IsOver(run.Status))
        {
            return run.HoldsLease ? AppendAsync(Release(run)) : Task.FromResult(run.ToView(clock.GetUtcNow()));
        }
        if (!run.HoldsLease)
        {
            return Task.FromResult(run.ToView(clock.GetUtcNow()));
        }
        return AppendAsync(Release(run), new RunRequeued(Id, reason, run.CheckpointStep, clock.GetUtcNow()));
    }

    public async Task<RunView> End(RunReport report)
    {
        var run = Existing;
        if (!IsCurrent(run, report) || !report.EndsLease)
        {
            return run.ToView(clock.GetUtcNow());
        }
        var now = clock.GetUtcNow();
        var changes = new List<ILabEvent>();
        if (report.Checkpoint is not null && report.Step > run.CheckpointStep)
        {
            changes.Add(new RunCheckpointed(Id, report.Step, report.Checkpoint, now));
        }
        changes.Add(Release(run));
        if (!RunRules.IsOver(run.Status))
        {
            changes.Add(report.Kind switch
            {
                RunReportKind.Finished => new RunFinished(Id, new RunOutcome(report.Step, Finite(report.Loss), Finite(report.ValLoss),
                    Finite(report.TokensPerS) ?? 0, Finite(report.ModelGflopsPerS) ?? 0, Finite(report.ExpertLoadMaxOverMean) ?? 0, report.Checkpoint ?? ""), now),
                RunReportKind.Failed => new RunFailed(Id, report.Message ?? "The training process failed.", report.Step, now),
                RunReportKind.Crashed when run.CrashRestarts < RunRules.MaxCrashRestarts =>
                    new RunCrashed(Id, report.Message ?? "its training process died", run.CheckpointStep, run.CrashRestarts + 1, now),
                RunReportKind.Crashed => new RunFailed(Id, $"its training process died {RunRules.MaxCrashRestarts + 1} times; the last time: {report.Message ?? "no message"}", report.Step, now),
                _ => new RunRequeued(Id, run.Status == RunStatus.Stopping ? "stepped aside for an idea below its fair share" : $"its worker stopped it: {report.Message ?? "worker shutting down"}",
                    Math.Max(run.CheckpointStep, report.Checkpoint is null ? 0 : report.Step), now),
            });
        }
        return await AppendAsync([.. changes]);
    }

    public Task<RunView> Fail(string reason)
    {
        var run = Existing;
        if (RunRules.IsOver(run.Status))
        {
            return Task.FromResult(run.ToView(clock.GetUtcNow()));
        }
        var now = clock.GetUtcNow();
        return run.HoldsLease
            ? AppendAsync(Release(run), new RunFailed(Id, reason, run.Step, now))
            : AppendAsync(new RunFailed(Id, reason, run.Step, now));
    }

    public async Task<RunView> Cancel(Guid by)
    {
        var run = Existing;
        await EnsureMayActAsync(run, by, "cancel it");
        if (RunRules.IsOver(run.Status))
        {
            throw new LabRefusedException($"The run is already {run.Status.ToString().ToLowerInvariant()}.", LabRefusal.Conflict);
        }
        return await AppendAsync(new RunCancelled(Id, by, clock.GetUtcNow()));
    }

    public Task<RunView> Reopen(Guid by)
    {
        var run = Existing;
        if (!RunRules.MayResume(by, run.SubmittedBy))
        {
            throw new LabRefusedException("Only the member who submitted a run can resume it after a cancellation.", LabRefusal.Forbidden);
        }
        if (run.Status != RunStatus.Cancelled)
        {
            throw new LabRefusedException($"Only a cancelled run can be resumed; this one is {run.Status.ToString().ToLowerInvariant()}.", LabRefusal.Conflict);
        }
        if (run.HoldsLease)
        {
            throw new LabRefusedException("The run is still checkpointing and stopping; resume it once it has stopped.", LabRefusal.Conflict);
        }
        return AppendAsync(new RunReopened(Id, by, run.CheckpointStep, clock.GetUtcNow()));
    }

    public async Task<RunView> Name(string? name, Guid by)
    {
        Refusals.ThrowIfAny(RunLabels.ValidateName(name, bounds.Value));
        var run = Existing;
        await EnsureMayActAsync(run, by, "name it");
        var kept = RunLabels.Name(name);
        return kept == run.Name
            ? run.ToView(clock.GetUtcNow())
            : await AppendAsync(new RunNamed(Id, kept, run.Name, by, clock.GetUtcNow()));
    }

    public async Task<RunView> Tag(IReadOnlyList<string> tags, Guid by)
    {
        var run = Existing;
        Refusals.ThrowIfAny(RunLabels.ValidateTags(tags, run.Tags, bounds.Value));
        await EnsureMayActAsync(run, by, "tag it");
        var added = RunLabels.Tags(tags).Except(run.Tags, StringComparer.Ordinal).ToList();
        return added.Count == 0
            ? run.ToView(clock.GetUtcNow())
            : await AppendAsync(new RunTagged(Id, added, by, clock.GetUtcNow()));
    }

    public async Task<RunView> Untag(IReadOnlyList<string> tags, Guid by)
    {
        Refusals.ThrowIfAny(RunLabels.ValidateUntag(tags, bounds.Value));
        var run = Existing;
        await EnsureMayActAsync(run, by, "take its tags off");
        var removed = RunLabels.Tags(tags).Intersect(run.Tags, StringComparer.Ordinal).ToList();
        return removed.Count == 0
            ? run.ToView(clock.GetUtcNow())
            : await AppendAsync(new RunUntagged(Id, removed, by, clock.GetUtcNow()));
    }

    /// <summary>
    /// Refuses <paramref name="by"/> unless they may act on the run: its submitter, or a member of its idea's team (the
    /// people the run is for). Everyone else reads it and may run their own.
    /// </summary>
    private async Task EnsureMayActAsync(RunSummary run, Guid by, string act)
    {
        if (run.SubmittedBy == by)
        {
            return;
        }
        var idea = await grains.GetGrain<IIdeaGrain>(run.IdeaId).Get();
        if (idea is null || !RunRules.MayActOn(by, run.SubmittedBy, [.. idea.Members]))
        {
            throw new LabRefusedException($"Only the member who submitted a run or a member of its idea's team can {act}.", LabRefusal.Forbidden);
        }
    }

    private RunLeaseReleased Release(RunSummary run)
    {
        var now = clock.GetUtcNow();
        var seconds = run.LeaseStartedAt is { } since ? Math.Max(0, (now - since).TotalSeconds) : 0;
        return new RunLeaseReleased(Id, run.IdeaId, run.Node ?? "", run.DeviceIndexes.Count, seconds, now);
    }

    /// <summary>A figure the engine could not compute (NaN, infinite) is recorded as unknown.</summary>
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static bool IsCurrent(RunSummary run, RunReport report) => run.HoldsLease && report.Attempt == run.Attempts;

    private async Task<RunView> AppendAsync(params ILabEvent[] changes) => (await RecordAsync(changes)).ToView(clock.GetUtcNow());
}
