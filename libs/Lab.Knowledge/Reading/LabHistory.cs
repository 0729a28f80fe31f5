using System.Globalization;
using JasperFx.Events;
using Lab.Contracts.Ideas;
using Lab.Contracts.Knowledge;
using Lab.Contracts.Reading;
using Lab.Contracts.Researchers;
using Lab.Contracts.Runs;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Researchers;
using Lab.Knowledge.Runs;
using Marten;
using Marten.Events;

namespace Lab.Knowledge.Reading;

/// <summary>The lab's history read straight from its event log: the feed, an idea's timeline, and time travel.</summary>
public static class LabHistory
{
    /// <summary>The events people see in the feed (credentials and invitations are not news).</summary>
    public static readonly Type[] FeedEvents =
    [
        typeof(IdeaProposed), typeof(IdeaExplorationStarted), typeof(IdeaValidated), typeof(IdeaSetAside), typeof(IdeaRevived),
        typeof(TeamMemberJoined), typeof(TeamMemberLeft), typeof(CollaborationRequested), typeof(TeamDissolved),
        typeof(ResearcherJoined), typeof(NoteWritten), typeof(NoteEdited), typeof(InsightPublished),
        typeof(RunSubmitted), typeof(RunFinished), typeof(RunFailed), typeof(RunCancelled), typeof(RunReopened),
    ];

    /// <summary>The whole lab's history, newest first.</summary>
    public static async Task<(IReadOnlyList<HistoryEntry> Items, int Total)> FeedAsync(IQuerySession session, int offset, int limit, CancellationToken cancellationToken)
    {
        var query = session.Events.QueryAllRawEvents().Where(e => e.EventTypesAre(FeedEvents));
        var total = await query.CountAsync(cancellationToken);
        var events = await query.OrderByDescending(e => e.Sequence).Skip(offset).Take(limit).ToListAsync(cancellationToken);
        return (await DescribeAsync(session, events, cancellationToken), total);
    }

    /// <summary>One idea's history (its life and its team's), oldest first.</summary>
    public static async Task<IReadOnlyList<HistoryEntry>> TimelineAsync(IQuerySession session, Guid ideaId, CancellationToken cancellationToken)
    {
        var events = await session.Events.FetchStreamAsync(ideaId, token: cancellationToken);
        return await DescribeAsync(session, events, cancellationToken);
    }

    /// <summary>The lab as it was at <paramref name="asOf"/>: every idea folded from its events up to then.</summary>
    public static async Task<LabAsOf> AsOfAsync(IQuerySession session, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.Timestamp <= asOf)
            .OrderBy(e => e.Sequence)
            .ToListAsync(cancellationToken);
        var ideas = new Dictionary<Guid, IdeaSummary>();
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
                case IdeaProposed or IdeaExplorationStarted or IdeaValidated or IdeaSetAside or IdeaRevived
                    or TeamMemberJoined or TeamMemberLeft or CollaborationRequested or CollaborationReceived or TeamDissolved:
                    ideas.TryGetValue(e.StreamId, out var idea);
                    idea = IdeaSummaryProjection.Evolve(idea, e.Data);
                    idea.Version = e.Version;
                    ideas[e.StreamId] = idea;
                    break;
            }
        }
        return new LabAsOf(asOf, members, notes, insights, [.. ideas.Values.OrderByDescending(i => i.ProposedAt).Select(i => i.ToView())]);
    }

    private static async Task<IReadOnlyList<HistoryEntry>> DescribeAsync(IQuerySession session, IReadOnlyList<IEvent> events, CancellationToken cancellationToken)
    {
        var runIds = events.Select(e => RunOf(e.Data)).OfType<Guid>().Distinct().ToArray();
        var runIdeas = (await session.LoadManyAsync<RunSummary>(cancellationToken, runIds)).ToDictionary(r => r.Id, r => r.IdeaId);
        var ideaIds = events.SelectMany(e => IdeasIn(e.Data)).Concat(runIdeas.Values).Distinct().ToArray();
        var titles = (await session.LoadManyAsync<IdeaSummary>(cancellationToken, ideaIds)).ToDictionary(i => i.Id, i => i.Title);
        var actorIds = events.Select(e => ActorOf(e.Data)).OfType<Guid>().Distinct().ToArray();
        var handles = (await session.LoadManyAsync<ResearcherProfile>(cancellationToken, actorIds)).ToDictionary(r => r.Id, r => r.Handle);

        string Idea(Guid id) => titles.TryGetValue(id, out var title) ? $"“{title}”" : "an idea";
        string RunFor(Guid run) => runIdeas.TryGetValue(run, out var idea) ? $"a run for {Idea(idea)}" : "a run";
        return [.. events.Select(e =>
        {
            var actor = ActorOf(e.Data);
            var who = actor is { } a && handles.TryGetValue(a, out var handle) ? "@" + handle : "someone";
            var (kind, summary, subjectKind, subject, celebrate) = e.Data switch
            {
                IdeaProposed x => ("idea-proposed", $"{who} proposed {Idea(x.IdeaId)}", "idea", x.IdeaId, false),
                IdeaExplorationStarted x => ("idea-exploring", $"{who} started exploring {Idea(x.IdeaId)}", "idea", x.IdeaId, false),
                IdeaValidated x => ("idea-validated", $"{Idea(x.IdeaId)} was validated! {x.Summary}", "idea", x.IdeaId, true),
                IdeaSetAside x => ("idea-set-aside", $"{who} set aside {Idea(x.IdeaId)}. Learned: {x.Learned}", "idea", x.IdeaId, false),
                IdeaRevived x => ("idea-revived", $"{who} revived {Idea(x.IdeaId)}: {x.Reason}", "idea", x.IdeaId, false),
                TeamMemberJoined x => ("team-joined", $"{who} joined the team of {Idea(x.IdeaId)}", "idea", x.IdeaId, false),
                TeamMemberLeft x => ("team-left", $"{who} left the team of {Idea(x.IdeaId)}", "idea", x.IdeaId, false),
                CollaborationRequested x => ("collaboration", $"{who} linked {Idea(x.IdeaId)} with {Idea(x.WithIdeaId)}", "idea", x.IdeaId, false),
                CollaborationReceived x => ("collaboration", $"{Idea(x.FromIdeaId)} asked {Idea(x.IdeaId)} to collaborate", "idea", x.IdeaId, false),
                TeamDissolved x => ("team-dissolved", $"The team of {Idea(x.IdeaId)} dissolved; its {x.Members.Count} members are invited to {x.InvitedTo.Count} ideas that build on it", "idea", x.IdeaId, false),
                ResearcherJoined x => ("member-joined", $"@{x.Handle} joined the lab", "researcher", x.ResearcherId, false),
                NoteWritten x => ("note-written", $"{who} wrote “{x.Title}”", "note", x.NoteId, false),
                NoteEdited x => ("note-edited", $"{who} edited “{x.Title}”", "note", x.NoteId, false),
                InsightPublished x => ("insight-published", $"{who} published an insight: {x.Claim}", "insight", x.InsightId, false),
                RunSubmitted x => ("run-submitted", $"{who} put {RunFor(x.RunId)} on the pool", "run", x.RunId, false),
                RunFinished x => ("run-finished", string.Create(CultureInfo.InvariantCulture, $"{Capitalised(RunFor(x.RunId))} finished {x.Outcome.Step} steps: validation loss {x.Outcome.ValLoss:0.###}"), "run", x.RunId, false),
                RunFailed x => ("run-failed", $"{Capitalised(RunFor(x.RunId))} failed at step {x.Step}: {x.Reason}", "run", x.RunId, false),
                RunCancelled x => ("run-cancelled", $"{who} cancelled {RunFor(x.RunId)}", "run", x.RunId, false),
                RunReopened x => ("run-resumed", $"{who} resumed {RunFor(x.RunId)} after its cancellation", "run", x.RunId, false),
                _ => ("other", e.EventTypeName, "stream", e.StreamId, false),
            };
            return new HistoryEntry(e.Sequence, e.Timestamp, kind, actor, actor is null ? null : who.TrimStart('@'), summary, subjectKind, subject, celebrate);
        })];
    }

    private static Guid? ActorOf(object data) => data switch
    {
        IdeaProposed x => x.ProposedBy,
        IdeaExplorationStarted x => x.By,
        IdeaValidated x => x.By,
        IdeaSetAside x => x.By,
        IdeaRevived x => x.By,
        TeamMemberJoined x => x.ResearcherId,
        TeamMemberLeft x => x.ResearcherId,
        CollaborationRequested x => x.By,
        CollaborationReceived x => x.By,
        ResearcherJoined x => x.ResearcherId,
        NoteWritten x => x.AuthorId,
        NoteEdited x => x.EditorId,
        InsightPublished x => x.AuthorId,
        RunSubmitted x => x.SubmittedBy,
        RunCancelled x => x.By,
        RunReopened x => x.By,
        _ => null,
    };

    private static Guid? RunOf(object data) => data switch
    {
        RunSubmitted x => x.RunId,
        RunFinished x => x.RunId,
        RunFailed x => x.RunId,
        RunCancelled x => x.RunId,
        RunReopened x => x.RunId,
        _ => null,
    };

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static IEnumerable<Guid> IdeasIn(object data) => data switch
    {
        IdeaProposed x => [x.IdeaId],
        IdeaExplorationStarted x => [x.IdeaId],
        IdeaValidated x => [x.IdeaId],
        IdeaSetAside x => [x.IdeaId],
        IdeaRevived x => [x.IdeaId],
        TeamMemberJoined x => [x.IdeaId],
        TeamMemberLeft x => [x.IdeaId],
        CollaborationRequested x => [x.IdeaId, x.WithIdeaId],
        CollaborationReceived x => [x.IdeaId, x.FromIdeaId],
        TeamDissolved x => [x.IdeaId],
        _ => [],
    };
}
