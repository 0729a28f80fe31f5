using Lab.Contracts.Ideas;
using Lab.Contracts.Researchers;
using Lab.Contracts.Runs;

namespace Lab.Portal.Clients;

// What the API answers besides the contract records (IdeaView, NoteView, InsightView, ResearcherView, RunView, PoolView).

public sealed record Page<T>(IReadOnlyList<T> Items, int Total, int Offset, int Limit);

/// <summary>An answer of the form <c>{"items": [...]}</c>.</summary>
public sealed record ItemList<T>(IReadOnlyList<T> Items);

/// <summary>A search match; the API guarantees <see cref="Snippet"/> is HTML-escaped text with &lt;mark&gt; around matches.</summary>
public sealed record SearchHit(string Kind, Guid Id, string Title, string Snippet, double Rank);

public sealed record SearchResults(string Query, IReadOnlyList<SearchHit> Items);

/// <summary>One thing that happened in the lab, as the feed and an idea's timeline tell it.</summary>
public sealed record HistoryEntry(
    long Sequence,
    DateTimeOffset At,
    string Kind,
    Guid? ActorId,
    string? Actor,
    string Summary,
    string SubjectKind,
    Guid SubjectId,
    bool Celebrate);

public sealed record ResearcherRef(Guid Id, string Handle, string Name);

public sealed record IdeaRef(Guid Id, string Title, IdeaStatus Status);

public sealed record Team(IReadOnlyList<ResearcherRef> Members, IReadOnlyList<ResearcherRef> FormerMembers);

public sealed record ResearcherProfile(ResearcherView Researcher, IReadOnlyList<IdeaRef> CurrentTeams, IReadOnlyList<IdeaRef> PastTeams, IReadOnlyList<IdeaRef> Proposed);

/// <summary>One line of a run's metrics stream (<c>runs/{id}/metrics</c>): a point of its learning curve, a checkpoint, or where it stands.</summary>
public sealed record RunMetricsLine(
    string Event,
    DateTimeOffset At,
    int? Step = null,
    double? Loss = null,
    double? ValLoss = null,
    double? TokensPerS = null,
    double? ExpertLoadMaxOverMean = null,
    RunStatus? Status = null,
    string? Detail = null);
