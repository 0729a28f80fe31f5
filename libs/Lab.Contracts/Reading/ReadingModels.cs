using Lab.Contracts.Ideas;
using Lab.Contracts.Researchers;
using Lab.Contracts.Runs;

namespace Lab.Contracts.Reading;

// What the API answers when people read the lab, besides the records the grains return: shared by the API
// that writes these answers and the clients (portal, CLI) that read them.

/// <summary>One page of a list, with where it sits in the whole.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total, int Offset, int Limit);

/// <summary>A whole (short) list: <c>{"items": [...]}</c>.</summary>
public sealed record ItemList<T>(IReadOnlyList<T> Items);

/// <summary>A search match; <see cref="Snippet"/> is HTML-escaped text with <c>&lt;mark&gt;</c> around the matched words.</summary>
public sealed record SearchHit(string Kind, Guid Id, string Title, string Snippet, double Rank);

public sealed record SearchResults(string Query, IReadOnlyList<SearchHit> Items);

/// <summary>One thing that happened in the lab, as the feed and timelines tell it.</summary>
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

/// <summary>What the lab looked like at a moment, rebuilt from the event log.</summary>
public sealed record LabAsOf(DateTimeOffset AsOf, int Members, int Notes, int Insights, IReadOnlyList<IdeaView> Ideas);

public sealed record ResearcherRef(Guid Id, string Handle, string Name);

public sealed record IdeaRef(Guid Id, string Title, IdeaStatus Status);

/// <summary>Who is on an idea's team now, and who was.</summary>
public sealed record TeamRoster(Guid IdeaId, IReadOnlyList<ResearcherRef> Members, IReadOnlyList<ResearcherRef> FormerMembers);

/// <summary>
/// A member's page: everything on it is derived from the event log, nothing typed in about anyone's standing.
/// <see cref="InvitedTo"/> holds the ideas that build on ideas whose teams dissolved around them and that they have not joined.
/// </summary>
public sealed record ResearcherOverview(ResearcherView Researcher, IReadOnlyList<IdeaRef> CurrentTeams, IReadOnlyList<IdeaRef> PastTeams,
    IReadOnlyList<IdeaRef> Proposed, IReadOnlyList<IdeaRef> InvitedTo);

/// <summary>
/// One line of a run's metrics stream (<c>runs/{id}/metrics</c>, NDJSON): a point of its curve (<c>progress</c>: a
/// training line of <c>lab train</c> with its loss, or an evaluation line with its validation loss), a checkpoint, or
/// where it stands. <paramref name="Seq"/> is the line's place in the run's history: a reader that lost the stream asks
/// for <c>?after=</c> the last one it read and continues from there. The figures after <paramref name="Seq"/> are those
/// of <see cref="Runs.TrainingFigures"/>, present when the line has them.
/// </summary>
public sealed record RunMetricsLine(string Event, DateTimeOffset At, int? Step = null, double? Loss = null, double? ValLoss = null,
    double? TokensPerS = null, double? ExpertLoadMaxOverMean = null, RunStatus? Status = null, string? Detail = null, long? Seq = null,
    double? AuxLoss = null, double? MtpLoss = null, double? LearningRate = null, double? GradNorm = null, double? ModelGflopsPerS = null,
    double? ExpertLoadCv = null, long? Tokens = null, double? ElapsedS = null, IReadOnlyList<IReadOnlyList<double>>? ExpertLoad = null,
    IReadOnlyDictionary<string, IReadOnlyList<double>>? ExpertAffinity = null)
{
    /// <summary>The line with <paramref name="figures"/> filled in (none when null).</summary>
    public RunMetricsLine With(Runs.TrainingFigures? figures) => figures is null ? this : this with
    {
        AuxLoss = figures.AuxLoss,
        MtpLoss = figures.MtpLoss,
        LearningRate = figures.LearningRate,
        GradNorm = figures.GradNorm,
        ModelGflopsPerS = figures.ModelGflopsPerS,
        ExpertLoadCv = figures.ExpertLoadCv,
        Tokens = figures.Tokens,
        ElapsedS = figures.ElapsedS,
        ExpertLoad = figures.ExpertLoad,
        ExpertAffinity = figures.ExpertAffinity,
    };
}
