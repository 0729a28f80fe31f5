using Lab.Contracts.Knowledge;

namespace Lab.Knowledge.Notes;

public sealed class Note
{
    public Guid Id { get; set; }
    public string Title { get; set; } = "";
    public string Body { get; set; } = "";
    public Guid AuthorId { get; set; }
    public AttachmentKind AttachedTo { get; set; }
    public Guid? AttachedId { get; set; }
    public DateTimeOffset WrittenAt { get; set; }
    public DateTimeOffset? EditedAt { get; set; }
    public long Version { get; set; }

    public NoteView ToView() => new(Id, Title, Body, AuthorId, AttachedTo, AttachedId, WrittenAt, EditedAt, Version);
}

public sealed partial class NoteProjection : Marten.Events.Aggregation.SingleStreamProjection<Note, Guid>
{
    public static Note Create(NoteWritten e) => new()
    {
        Id = e.NoteId,
        Title = e.Title,
        Body = e.Body,
        AuthorId = e.AuthorId,
        AttachedTo = e.AttachedTo,
        AttachedId = e.AttachedId,
        WrittenAt = e.At,
    };

    public static void Apply(NoteEdited e, Note note)
    {
        note.Title = e.Title;
        note.Body = e.Body;
        note.EditedAt = e.At;
    }
}

public sealed class Insight
{
    public Guid Id { get; set; }
    public string Claim { get; set; } = "";
    public string Details { get; set; } = "";
    public List<Evidence> Evidence { get; set; } = [];
    public Guid? IdeaId { get; set; }
    public Guid AuthorId { get; set; }
    public DateTimeOffset PublishedAt { get; set; }
    public double CitedDeviceSeconds { get; set; }
    public long Version { get; set; }

    public InsightView ToView() => new(Id, Claim, Details, Evidence, IdeaId, AuthorId, PublishedAt, CitedDeviceSeconds);
}

public sealed partial class InsightProjection : Marten.Events.Aggregation.SingleStreamProjection<Insight, Guid>
{
    public static Insight Create(InsightPublished e) => new()
    {
        Id = e.InsightId,
        Claim = e.Claim,
        Details = e.Details,
        Evidence = [.. e.Evidence],
        IdeaId = e.IdeaId,
        AuthorId = e.AuthorId,
        PublishedAt = e.At,
        CitedDeviceSeconds = e.CitedDeviceSeconds,
    };
}
