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

/// <summary>
/// What a search found. <see cref="DidYouMean"/> is the query with its misspelt words corrected, when one of its words
/// appears nowhere in the lab but a word a typing mistake or two away does (those matches are among the items already).
/// </summary>
public sealed record SearchResults(string Query, IReadOnlyList<SearchHit> Items, string? DidYouMean = null);

/// <summary>
/// Something in the lab found by its id or the start of it: its kind (idea, note, insight, run, researcher, dataset),
/// its full id and its title (a researcher's handle, a data set's name). An ambiguous start is refused with these as
/// the problem's <c>candidates</c>.
/// </summary>
public sealed record IdMatch(string Kind, Guid Id, string Title);

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
/// A member's page: everything on it is derived from the event log, nothing typed in about anyone's standing, and nothing
/// that ranks anyone. <see cref="InvitedTo"/> holds the ideas that build on ideas whose teams dissolved around them and that
/// they have not joined; <see cref="Runs"/>, <see cref="Notes"/> and <see cref="Insights"/> the latest of their work, newest
/// first, with how many there are in all.
/// </summary>
public sealed record ResearcherOverview(ResearcherView Researcher, IReadOnlyList<IdeaRef> CurrentTeams, IReadOnlyList<IdeaRef> PastTeams,
    IReadOnlyList<IdeaRef> Proposed, IReadOnlyList<IdeaRef> InvitedTo,
    IReadOnlyList<RunRef>? Runs = null, int RunsTotal = 0,
    IReadOnlyList<NoteRef>? Notes = null, int NotesTotal = 0,
    IReadOnlyList<InsightRef>? Insights = null, int InsightsTotal = 0);

/// <summary>A run as a list shows it: for which idea, where it stands, how far it got.</summary>
public sealed record RunRef(Guid Id, Guid IdeaId, string IdeaTitle, RunStatus Status, DateTimeOffset SubmittedAt, int Step, int TotalSteps, double? ValLoss);

/// <summary>A note as a list shows it: its title, what it is about, when it was written.</summary>
public sealed record NoteRef(Guid Id, string Title, Knowledge.AttachmentKind AttachedTo, Guid? AttachedId, DateTimeOffset WrittenAt);

/// <summary>An insight as a list shows it: its claim, the idea it is about, when it was published.</summary>
public sealed record InsightRef(Guid Id, string Claim, Guid? IdeaId, DateTimeOffset PublishedAt);

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
    IReadOnlyDictionary<string, IReadOnlyList<double>>? ExpertAffinity = null, IReadOnlyList<Runs.RunDeviceFigures>? PerDevice = null)
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
        PerDevice = figures.PerDevice,
    };
}
