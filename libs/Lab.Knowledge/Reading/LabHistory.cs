using JasperFx.Events;
using Lab.Contracts;
using Lab.Contracts.Ideas;
using Lab.Contracts.Knowledge;
using Lab.Contracts.Reading;
using Lab.Contracts.Researchers;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Notes;
using Lab.Knowledge.Researchers;
using Lab.Knowledge.Runs;
using Marten;
using Marten.Events;

namespace Lab.Knowledge.Reading;

/// <summary>
/// The lab's history read straight from its event log: the feed, an idea's timeline, and time travel. Each event tells
/// its own story (<see cref="ILabEvent.Story"/>); an idea is folded by its own <see cref="IdeaSummary.Fold"/>. Events
/// are stamped with their own time, by the lab's clock, so "as of" means the same moment everywhere.
/// </summary>
public static class LabHistory
{
    /// <summary>The events people see in the feed: the news.</summary>
    public static readonly Type[] FeedEvents = LabEvents.OfKind<INews>();

    /// <summary>The events the lab as it was is folded from (not the runs' progress, which is most of the log).</summary>
    private static readonly Type[] AsOfEvents = [.. LabEvents.OfKind<IIdeaEvent>(), typeof(ResearcherJoined), typeof(NoteWritten), typeof(InsightPublished)];

    /// <summary>The whole lab's history, newest first.</summary>
    public static async Task<(IReadOnlyList<HistoryEntry> Items, int Total)> FeedAsync(IQuerySession session, int offset, int limit, CancellationToken cancellationToken)
    {
        var query = session.Events.QueryAllRawEvents().Where(e => e.EventTypesAre(FeedEvents));
        var total = await query.CountAsync(cancellationToken);
        var events = await query.OrderByDescending(e => e.Sequence).Skip(offset).Take(limit).ToListAsync(cancellationToken);
        return (await DescribeAsync(session, events, cancellationToken), total);
    }

    /// <summary>
    /// One idea's history, oldest first: its life, its team's, other teams asking it to collaborate, and the news of what
    /// was done for it: its runs (put on the pool, finished, failed, cancelled, resumed), the notes written about it or its
    /// runs, and the insights published about it.
    /// </summary>
    public static async Task<IReadOnlyList<HistoryEntry>> TimelineAsync(IQuerySession session, Guid ideaId, CancellationToken cancellationToken)
    {
        var own = await session.Events.FetchStreamAsync(ideaId, token: cancellationToken);
        // Logs written before a request became the link's one record also hold the asked idea's side in its own stream.
        var toldHere = own.Select(e => e.Data).OfType<CollaborationReceived>().Select(r => r.FromIdeaId).ToHashSet();
        var asked = (await IdeaLinks.ToAsync(session, ideaId, cancellationToken: cancellationToken))
            .Where(l => !toldHere.Contains(l.FromIdeaId))
            .Select(l => l.Sequence)
            .ToArray();
        var requests = asked.Length == 0 ? [] : await session.Events.QueryAllRawEvents().Where(e => e.Sequence.IsOneOf(asked)).ToListAsync(cancellationToken);
        var around = await AroundAsync(session, ideaId, cancellationToken);
        return await DescribeAsync(session, [.. own.Concat(requests).Concat(around).OrderBy(e => e.Sequence)], cancellationToken);
    }

    /// <summary>The news of the streams of what was done for an idea: its runs, notes about it or its runs, insights about it.</summary>
    private static async Task<IReadOnlyList<IEvent>> AroundAsync(IQuerySession session, Guid ideaId, CancellationToken cancellationToken)
    {
        var runs = await session.Query<RunSummary>().Where(r => r.IdeaId == ideaId).Select(r => r.Id).ToListAsync(cancellationToken);
        Guid?[] attachedTo = [.. runs.Append(ideaId).Select(id => (Guid?)id)];
        var notes = await session.Query<Note>().Where(n => n.AttachedId.IsOneOf(attachedTo)).Select(n => n.Id).ToListAsync(cancellationToken);
        var insights = await session.Query<Insight>().Where(i => i.IdeaId == ideaId).Select(i => i.Id).ToListAsync(cancellationToken);
        var streams = runs.Concat(notes).Concat(insights).ToArray();
        return streams.Length == 0 ? []
            : await session.Events.QueryAllRawEvents().Where(e => e.StreamId.IsOneOf(streams) && e.EventTypesAre(FeedEvents)).ToListAsync(cancellationToken);
    }

    /// <summary>The lab as it was at <paramref name="asOf"/>: every idea folded from its events up to then.</summary>
    public static async Task<LabAsOf> AsOfAsync(IQuerySession session, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.Timestamp <= asOf && e.EventTypesAre(AsOfEvents))
            .OrderBy(e => e.Sequence)
            .ToListAsync(cancellationToken);
        var ideas = new Dictionary<Guid, IdeaSummary>();
        var linkedBy = new Dictionary<Guid, List<Guid>>();
        int members = 0, notes = 0, insights = 0;
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case ResearcherJoined:
                    members++;
                    break;
                case NoteWritten:
                    notes++;
                    break;
                case InsightPublished:
                    insights++;
                    break;
                case IIdeaEvent change:
                    ideas.TryGetValue(e.StreamId, out var idea);
                    idea = IdeaSummary.Fold(idea, change);
                    idea.Version = e.Version;
                    ideas[e.StreamId] = idea;
                    if (change is CollaborationRequested request)
                    {
                        (linkedBy.TryGetValue(request.WithIdeaId, out var links) ? links : linkedBy[request.WithIdeaId] = []).Add(request.IdeaId);
                    }
                    break;
            }
        }
        return new LabAsOf(asOf, members, notes, insights,
            [.. ideas.Values.OrderByDescending(i => i.ProposedAt).Select(i => i.ToView(linkedBy.GetValueOrDefault(i.Id) ?? []))]);
    }

    /// <summary>One idea as it was at <paramref name="asOf"/>, or null when it had not been proposed yet.</summary>
    public static async Task<IdeaView?> IdeaAsOfAsync(IQuerySession session, Guid ideaId, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var idea = await session.Events.AggregateStreamAsync<IdeaSummary>(ideaId, timestamp: asOf, token: cancellationToken);
        return idea?.ToView((await IdeaLinks.ToAsync(session, ideaId, asOf, cancellationToken)).Select(l => l.FromIdeaId));
    }

    private static async Task<IReadOnlyList<HistoryEntry>> DescribeAsync(IQuerySession session, IReadOnlyList<IEvent> events, CancellationToken cancellationToken)
    {
        var told = events.Select(e => (Event: e, Fact: e.Data as ILabEvent)).ToList();
        // Telling each story once to names that only remember what they are asked for gives the names to look up.
        var wanted = new WantedNames();
        foreach (var (_, fact) in told)
        {
            wanted.Member(fact?.Actor);
            fact?.Story?.Summary(wanted);
        }
        var runIdeas = (await session.LoadManyAsync<RunSummary>(cancellationToken, wanted.Runs)).ToDictionary(r => r.Id, r => r.IdeaId);
        var titles = (await session.LoadManyAsync<IdeaSummary>(cancellationToken, wanted.Ideas.Concat(runIdeas.Values).Distinct()))
            .ToDictionary(i => i.Id, i => i.Title);
        var handles = (await session.LoadManyAsync<ResearcherProfile>(cancellationToken, wanted.Members)).ToDictionary(r => r.Id, r => r.Handle);
        var names = new KnownNames(handles, titles, runIdeas);
        return [.. told.Select(t => Entry(t.Event, t.Fact, names))];
    }

    private static HistoryEntry Entry(IEvent e, ILabEvent? fact, KnownNames names)
    {
        var actor = fact?.Actor;
        var who = names.Member(actor);
        var handle = actor is null ? null : who.TrimStart('@');
        return fact?.Story is { } story
            ? new HistoryEntry(e.Sequence, fact.At, story.Kind, actor, handle, story.Summary(names), story.SubjectKind, story.SubjectId, story.Celebrate)
            : new HistoryEntry(e.Sequence, fact?.At ?? e.Timestamp, "other", actor, handle, e.EventTypeName, "stream", e.StreamId, false);
    }

    /// <summary>Remembers which names a story asks for, so that each kind is looked up in one query.</summary>
    private sealed class WantedNames : INames
    {
        public HashSet<Guid> Members { get; } = [];
        public HashSet<Guid> Ideas { get; } = [];
        public HashSet<Guid> Runs { get; } = [];

        public string Member(Guid? id)
        {
            if (id is { } member)
            {
                Members.Add(member);
            }
            return "";
        }

        public string Idea(Guid id)
        {
            Ideas.Add(id);
            return "";
        }

        public string RunFor(Guid run)
        {
            Runs.Add(run);
            return "";
        }
    }

    private sealed class KnownNames(Dictionary<Guid, string> handles, Dictionary<Guid, string> titles, Dictionary<Guid, Guid> runIdeas) : INames
    {
        public string Member(Guid? id) => id is { } member && handles.TryGetValue(member, out var handle) ? "@" + handle : "someone";

        public string Idea(Guid id) => titles.TryGetValue(id, out var title) ? $"“{title}”" : "an idea";

        public string RunFor(Guid run) => runIdeas.TryGetValue(run, out var idea) ? $"a run for {Idea(idea)}" : "a run";
    }
}
