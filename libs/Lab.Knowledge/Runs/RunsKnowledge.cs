using JasperFx.Events.Projections;
using Marten;

namespace Lab.Knowledge.Runs;

/// <summary>The runs' part of the store: the run list, and finished runs as knowledge.</summary>
public static class RunsKnowledge
{
    /// <summary>Table of finished runs' knowledge entries (mt_doc_run_entry), for search to read with SQL.</summary>
    public const string RunEntryAlias = "run_entry";

    public static void Register(StoreOptions options)
    {
        options.Projections.Add<RunSummaryProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<RunEntryProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<RunSummary>().Index(x => x.IdeaId).Index(x => x.SubmittedAt).Index(x => x.Status).Index(x => x.SubmittedBy);
        options.Schema.For<RunEntry>().DocumentAlias(RunEntryAlias).Index(x => x.IdeaId).Index(x => x.FinishedAt);
    }
}
