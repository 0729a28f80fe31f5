using Lab.Contracts;
using Lab.Contracts.Knowledge;

namespace Lab.Knowledge.Notes;

/// <summary>One note, folded from its stream: stored inline, and its grain's state.</summary>
public sealed class Note : IStreamState<Note>
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

    public static Note Fold(Note? note, ILabEvent change)
    {
        switch (change)
        {
            case NoteWritten e:
                return new Note
                {
                    Id = e.NoteId,
                    Title = e.Title,
                    Body = e.Body,
                    AuthorId = e.AuthorId,
                    AttachedTo = e.AttachedTo,
                    AttachedId = e.AttachedId,
                    WrittenAt = e.At,
                };
            case NoteEdited e:
                ArgumentNullException.ThrowIfNull(note);
                note.Title = e.Title;
                note.Body = e.Body;
                note.EditedAt = e.At;
                return note;
            default:
                throw new ArgumentException($"A note's stream has no event {change.GetType().Name}.", nameof(change));
        }
    }
}

public sealed partial class NoteProjection : StreamProjection<Note, INoteEvent>;

/// <summary>One insight, folded from its stream (its one event): stored inline, and its grain's state.</summary>
public sealed class Insight : IStreamState<Insight>
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

    public static Insight Fold(Insight? insight, ILabEvent change) => change switch
    {
        InsightPublished e => new Insight
        {
            Id = e.InsightId,
            Claim = e.Claim,
            Details = e.Details,
            Evidence = [.. e.Evidence],
            IdeaId = e.IdeaId,
            AuthorId = e.AuthorId,
            PublishedAt = e.At,
            CitedDeviceSeconds = e.CitedDeviceSeconds,
        },
        _ => throw new ArgumentException($"An insight's stream has no event {change.GetType().Name}.", nameof(change)),
    };
}

public sealed partial class InsightProjection : StreamProjection<Insight, IInsightEvent>;
