namespace Lab.Contracts.Knowledge;

/// <summary>What a note is about: the lab as a whole, an idea, or a run.</summary>
public enum AttachmentKind
{
    Lab,
    Idea,
    Run,
}

/// <summary>What an insight may rest on.</summary>
public enum EvidenceKind
{
    Idea,
    Note,
    Insight,
    Run,
}

[GenerateSerializer, Immutable, Alias("lab.write-note")]
public sealed record WriteNote(
    [property: Id(0)] string Title,
    [property: Id(1)] string Body,
    [property: Id(2)] AttachmentKind AttachedTo = AttachmentKind.Lab,
    [property: Id(3)] Guid? AttachedId = null);

[GenerateSerializer, Immutable, Alias("lab.edit-note")]
public sealed record EditNote(
    [property: Id(0)] string Title,
    [property: Id(1)] string Body);

[GenerateSerializer, Immutable, Alias("lab.note")]
public sealed record NoteView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string Body,
    [property: Id(3)] Guid AuthorId,
    [property: Id(4)] AttachmentKind AttachedTo,
    [property: Id(5)] Guid? AttachedId,
    [property: Id(6)] DateTimeOffset WrittenAt,
    [property: Id(7)] DateTimeOffset? EditedAt,
    [property: Id(8)] long Version);

[GenerateSerializer, Immutable, Alias("lab.evidence")]
public sealed record Evidence(
    [property: Id(0)] EvidenceKind Kind,
    [property: Id(1)] Guid Id);

[GenerateSerializer, Immutable, Alias("lab.publish-insight")]
public sealed record PublishInsight(
    [property: Id(0)] string Claim,
    [property: Id(1)] IReadOnlyList<Evidence> Evidence,
    [property: Id(2)] string? Details = null,
    [property: Id(3)] Guid? IdeaId = null);

/// <summary>
/// A piece of an insight's evidence as readers see it: its title (an idea's or note's title, an insight's claim, a run's
/// summary) and, for a run, the device time it has used.
/// </summary>
[GenerateSerializer, Immutable, Alias("lab.cited-evidence")]
public sealed record CitedEvidence(
    [property: Id(0)] EvidenceKind Kind,
    [property: Id(1)] Guid Id,
    [property: Id(2)] string Title,
    [property: Id(3)] double? DeviceSeconds = null);

/// <summary>
/// An insight. <see cref="CitedDeviceSeconds"/> is the device time of the runs it cites as accounted when it was
/// published; <see cref="Cited"/> (filled by the API when reading) names each piece of evidence, with the runs' device time now.
/// </summary>
[GenerateSerializer, Immutable, Alias("lab.insight")]
public sealed record InsightView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Claim,
    [property: Id(2)] string Details,
    [property: Id(3)] IReadOnlyList<Evidence> Evidence,
    [property: Id(4)] Guid? IdeaId,
    [property: Id(5)] Guid AuthorId,
    [property: Id(6)] DateTimeOffset PublishedAt,
    [property: Id(7)] double CitedDeviceSeconds = 0,
    [property: Id(8)] IReadOnlyList<CitedEvidence>? Cited = null);

/// <summary>An event of one note's stream.</summary>
public interface INoteEvent : ILabEvent
{
    Guid NoteId { get; }
}

/// <summary>An event of one insight's stream.</summary>
public interface IInsightEvent : ILabEvent
{
    Guid InsightId { get; }
}

[StoredAs("note_written")]
public sealed record NoteWritten(Guid NoteId, Guid AuthorId, string Title, string Body, AttachmentKind AttachedTo, Guid? AttachedId, DateTimeOffset At)
    : INoteEvent, INews
{
    Guid? ILabEvent.Actor => AuthorId;
    Story? ILabEvent.Story => new("note-written", "note", NoteId, n => $"{n.Member(AuthorId)} wrote “{Title}”");
}

[StoredAs("note_edited")]
public sealed record NoteEdited(Guid NoteId, Guid EditorId, string Title, string Body, DateTimeOffset At) : INoteEvent, INews
{
    Guid? ILabEvent.Actor => EditorId;
    Story? ILabEvent.Story => new("note-edited", "note", NoteId, n => $"{n.Member(EditorId)} edited “{Title}”");
}

/// <summary>An insight was published; <paramref name="CitedDeviceSeconds"/> is the device time of the runs it cites, as accounted then.</summary>
[StoredAs("insight_published")]
public sealed record InsightPublished(Guid InsightId, Guid AuthorId, string Claim, string Details, IReadOnlyList<Evidence> Evidence, Guid? IdeaId, DateTimeOffset At, double CitedDeviceSeconds = 0)
    : IInsightEvent, INews
{
    Guid? ILabEvent.Actor => AuthorId;
    Story? ILabEvent.Story => new("insight-published", "insight", InsightId, n => $"{n.Member(AuthorId)} published an insight: {Claim}");
}

public static class KnowledgeRules
{
    public const int TitleMaxLength = 200;
    public const int BodyMaxLength = 100_000;
    public const int ClaimMaxLength = 1000;
    public const int DetailsMaxLength = 20_000;
    public const int MaxEvidence = 50;

    public static Dictionary<string, string[]> Validate(WriteNote? note)
    {
        var errors = new Dictionary<string, string[]>();
        if (note is null)
        {
            errors["body"] = ["A JSON body with a title and a body is required."];
            return errors;
        }
        Text.Require(errors, "title", note.Title, TitleMaxLength);
        Text.Require(errors, "body", note.Body, BodyMaxLength);
        if (!Enum.IsDefined(note.AttachedTo))
        {
            errors["attachedTo"] = ["A note is attached to the lab, an idea or a run."];
        }
        else if (note.AttachedTo == AttachmentKind.Lab && note.AttachedId is not null)
        {
            errors["attachedId"] = ["A note about the whole lab has no attachedId."];
        }
        else if (note.AttachedTo != AttachmentKind.Lab && (note.AttachedId ?? Guid.Empty) == Guid.Empty)
        {
            errors["attachedId"] = [$"A note about an {note.AttachedTo.ToString().ToLowerInvariant()} needs its id."];
        }
        return errors;
    }

    public static Dictionary<string, string[]> Validate(EditNote? edit)
    {
        var errors = new Dictionary<string, string[]>();
        if (edit is null)
        {
            errors["body"] = ["A JSON body with a title and a body is required."];
            return errors;
        }
        Text.Require(errors, "title", edit.Title, TitleMaxLength);
        Text.Require(errors, "body", edit.Body, BodyMaxLength);
        return errors;
    }

    public static Dictionary<string, string[]> Validate(PublishInsight? insight)
    {
        var errors = new Dictionary<string, string[]>();
        if (insight is null)
        {
            errors["body"] = ["A JSON body with a claim and its evidence is required."];
            return errors;
        }
        Text.Require(errors, "claim", insight.Claim, ClaimMaxLength);
        Text.Optional(errors, "details", insight.Details, DetailsMaxLength);
        if (insight.Evidence is null || insight.Evidence.Count == 0)
        {
            errors["evidence"] = ["An insight rests on at least one piece of evidence (a run, an idea, a note or another insight)."];
        }
        else if (insight.Evidence.Count > MaxEvidence || insight.Evidence.Any(e => e is null || e.Id == Guid.Empty || !Enum.IsDefined(e.Kind)))
        {
            errors["evidence"] = [$"At most {MaxEvidence} pieces of evidence, each a kind (run, idea, note, insight) and an id."];
        }
        if (insight.IdeaId == Guid.Empty)
        {
            errors["ideaId"] = ["The ideaId, when given, is an idea's id."];
        }
        return errors;
    }
}

[Alias("lab.INoteGrain")]
public interface INoteGrain : IGrainWithGuidKey
{
    [Alias("write")]
    Task<NoteView> Write(WriteNote note, Guid author);

    /// <summary>Only the note's author may edit it.</summary>
    [Alias("edit")]
    Task<NoteView> Edit(EditNote edit, Guid editor);

    [Alias("get")]
    Task<NoteView?> Get();
}

[Alias("lab.IInsightGrain")]
public interface IInsightGrain : IGrainWithGuidKey
{
    /// <summary>Publishes the insight; every piece of evidence must exist.</summary>
    [Alias("publish")]
    Task<InsightView> Publish(PublishInsight insight, Guid author);

    [Alias("get")]
    Task<InsightView?> Get();
}
