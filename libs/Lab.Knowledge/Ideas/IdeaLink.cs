using JasperFx.Events;
using Lab.Contracts.Ideas;
using Marten;
using Marten.Events.Projections;

namespace Lab.Knowledge.Ideas;

/// <summary>
/// The asked idea's side of a collaboration, derived from the asking idea's <see cref="CollaborationRequested"/>: one
/// document per request, never updated, so that ideas asking the same idea at the same moment never overwrite each other
/// and the asked idea's own stream and state stay its grain's alone.
/// </summary>
public sealed class IdeaLink
{
    /// <summary>The request's event id.</summary>
    public Guid Id { get; set; }
    public Guid FromIdeaId { get; set; }
    public Guid ToIdeaId { get; set; }
    public DateTimeOffset At { get; set; }

    /// <summary>The request's place in the log, for the asked idea's timeline.</summary>
    public long Sequence { get; set; }
}

public sealed partial class IdeaLinkProjection : EventProjection
{
    public IdeaLink Create(IEvent<CollaborationRequested> e) => new()
    {
        Id = e.Id,
        FromIdeaId = e.Data.IdeaId,
        ToIdeaId = e.Data.WithIdeaId,
        At = e.Data.At,
        Sequence = e.Sequence,
    };
}

/// <summary>Ideas as members read them: each idea's own state with the links other ideas asked for.</summary>
public static class IdeaLinks
{
    /// <summary>The requests other ideas made to <paramref name="ideaId"/>, oldest first; up to <paramref name="asOf"/> when given.</summary>
    public static async Task<IReadOnlyList<IdeaLink>> ToAsync(IQuerySession session, Guid ideaId, DateTimeOffset? asOf = null, CancellationToken cancellationToken = default)
    {
        var links = session.Query<IdeaLink>().Where(l => l.ToIdeaId == ideaId);
        if (asOf is { } moment)
        {
            links = links.Where(l => l.At <= moment);
        }
        return await links.OrderBy(l => l.Sequence).ToListAsync(cancellationToken);
    }

    /// <summary>The idea as members read it now, or null when nobody has proposed it.</summary>
    public static async Task<IdeaView?> ViewAsync(IQuerySession session, Guid ideaId, CancellationToken cancellationToken = default) =>
        await session.LoadAsync<IdeaSummary>(ideaId, cancellationToken) is { } idea ? (await ViewsAsync(session, [idea], cancellationToken))[0] : null;

    /// <summary>The views of <paramref name="ideas"/>, in their order, with one query for all their links and one for their last activity.</summary>
    public static async Task<IReadOnlyList<IdeaView>> ViewsAsync(IQuerySession session, IReadOnlyList<IdeaSummary> ideas, CancellationToken cancellationToken = default)
    {
        var ids = ideas.Select(i => i.Id).ToArray();
        var links = ids.Length == 0 ? [] : await session.Query<IdeaLink>().Where(l => l.ToIdeaId.IsOneOf(ids)).OrderBy(l => l.Sequence).ToListAsync(cancellationToken);
        var byIdea = links.ToLookup(l => l.ToIdeaId, l => l.FromIdeaId);
        var activity = await IdeaActivities.OfAsync(session, ids, cancellationToken);
        return [.. ideas.Select(i => i.ToView(byIdea[i.Id]) is var view && activity.TryGetValue(i.Id, out var at) && at > view.LastActivityAt
            ? view with { LastActivityAt = at }
            : view)];
    }
}
