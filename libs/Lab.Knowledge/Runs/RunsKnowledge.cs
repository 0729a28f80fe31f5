using JasperFx.Events.Projections;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Marten;

namespace Lab.Knowledge.Runs;

/// <summary>The pool's and the runs' part of the store: run and pool events, the run list, and finished runs as knowledge.</summary>
public static class RunsKnowledge
{
    /// <summary>Table of finished runs' knowledge entries (mt_doc_run_entry), for search to read with SQL.</summary>
    public const string RunEntryAlias = "run_entry";

    public static void Register(StoreOptions options)
    {
        options.Events.AddEventTypes([
            typeof(RunSubmitted), typeof(RunPlaced), typeof(RunStarted), typeof(RunResumed), typeof(RunProgressed),
            typeof(RunCheckpointed), typeof(RunPreempted), typeof(RunLeaseReleased), typeof(RunRequeued), typeof(RunCrashed),
            typeof(RunFinished), typeof(RunFailed), typeof(RunCancelled), typeof(RunReopened),
            typeof(NodeJoined), typeof(NodeLost),
        ]);
        options.Projections.Add<RunSummaryProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<RunSummary>().Index(x => x.IdeaId).Index(x => x.SubmittedAt).Index(x => x.Status);
        options.Schema.For<RunEntry>().DocumentAlias(RunEntryAlias).Index(x => x.IdeaId).Index(x => x.FinishedAt);
    }
}
