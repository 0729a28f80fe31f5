using JasperFx.Events;
using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Contracts.Knowledge;
using Lab.Contracts.Runs;
using Marten;
using Marten.Events.Projections;

namespace Lab.Knowledge.Ideas;

/// <summary>
/// When anything last happened around an idea: its own life and team, a run put on the pool for it or giving its devices
/// back (it finished, failed, was preempted or cancelled while it ran), a note written about it, an insight published
/// about it. Its own document, folded from all those streams, so that the idea's stream and its grain's state stay the
/// idea's alone; the latest moment wins whatever order the events are folded in, so it rebuilds as it was written.
/// </summary>
public sealed class IdeaActivity
{
    /// <summary>The idea's id.</summary>
    public Guid Id { get; set; }
    public DateTimeOffset LastActivityAt { get; set; }

    public static IdeaActivity Fold(IdeaActivity? activity, Guid ideaId, DateTimeOffset at) =>
        activity is null ? new IdeaActivity { Id = ideaId, LastActivityAt = at }
        : at > activity.LastActivityAt ? new IdeaActivity { Id = ideaId, LastActivityAt = at }
        : activity;
}

public sealed partial class IdeaActivityProjection : MultiStreamProjection<IdeaActivity, Guid>
{
    public IdeaActivityProjection()
    {
        Identity<IIdeaEvent>(e => e.IdeaId);
        Identity<RunSubmitted>(e => e.IdeaId);
        Identity<RunLeaseReleased>(e => e.IdeaId);
        Identities<NoteWritten>(e => e.AttachedTo == AttachmentKind.Idea && e.AttachedId is { } idea ? [idea] : []);
        Identities<InsightPublished>(e => e.IdeaId is { } idea ? [idea] : []);
    }

    public override IdeaActivity? Evolve(IdeaActivity? snapshot, Guid id, IEvent e) => IdeaActivity.Fold(snapshot, id, ((ILabEvent)e.Data).At);
}

/// <summary>Reading ideas' last activity.</summary>
public static class IdeaActivities
{
    /// <summary>
    /// Orders ideas by their last activity, newest first, runs, notes and insights included (an idea without an activity
    /// document, from before there were any, counts its own last change). For <c>OrderBySql</c> on the ideas' table (alias <c>d</c>).
    /// </summary>
    public static string NewestFirstSql(IQuerySession session)
    {
        var table = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(IdeaActivity)).TableName.QualifiedName;
        return $"greatest(CAST(d.data ->> '{nameof(IdeaSummary.LastActivityAt)}' as timestamptz), " +
               $"(select CAST(a.data ->> '{nameof(IdeaActivity.LastActivityAt)}' as timestamptz) from {table} a where a.id = d.id)) desc";
    }

    /// <summary>The last activity of each of <paramref name="ideas"/> that has an activity document.</summary>
    public static async Task<IReadOnlyDictionary<Guid, DateTimeOffset>> OfAsync(IQuerySession session, IReadOnlyCollection<Guid> ideas, CancellationToken cancellationToken = default) =>
        ideas.Count == 0 ? new Dictionary<Guid, DateTimeOffset>()
            : (await session.LoadManyAsync<IdeaActivity>(cancellationToken, ideas)).ToDictionary(a => a.Id, a => a.LastActivityAt);
}
