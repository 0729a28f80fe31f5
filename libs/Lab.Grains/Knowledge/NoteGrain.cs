using Lab.Contracts;
using Lab.Contracts.Knowledge;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Notes;
using Lab.Knowledge.Runs;
using Marten;

namespace Lab.Grains.Knowledge;

/// <summary>One note (markdown) about the lab or an idea. Anyone reads it; only its author edits it.</summary>
public sealed class NoteGrain(IDocumentStore store, TimeProvider clock) : Grain, INoteGrain
{
    private Note? _note;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        _note = await session.Events.AggregateStreamAsync<Note>(Id, token: cancellationToken);
    }

    public async Task<NoteView> Write(WriteNote note, Guid author)
    {
        Refusals.ThrowIfAny(KnowledgeRules.Validate(note));
        if (_note is not null)
        {
            throw new LabRefusedException($"Note {Id} has already been written.", LabRefusal.Conflict);
        }
        await using var session = store.LightweightSession();
        if (note.AttachedTo == AttachmentKind.Idea && await session.LoadAsync<IdeaSummary>(note.AttachedId!.Value) is null)
        {
            throw new LabRefusedException($"No idea has the id {note.AttachedId}.", LabRefusal.NotFound);
        }
        if (note.AttachedTo == AttachmentKind.Run && await session.LoadAsync<RunSummary>(note.AttachedId!.Value) is null)
        {
            throw new LabRefusedException($"No run has the id {note.AttachedId}.", LabRefusal.NotFound);
        }
        var written = new NoteWritten(Id, author, note.Title.Trim(), note.Body, note.AttachedTo, note.AttachedId, clock.GetUtcNow());
        session.Events.StartStream<Note>(Id, written);
        await session.SaveChangesAsync();
        _note = Note.Fold(null, written);
        _note.Version = 1;
        return _note.ToView();
    }

    public async Task<NoteView> Edit(EditNote edit, Guid editor)
    {
        Refusals.ThrowIfAny(KnowledgeRules.Validate(edit));
        var note = _note ?? throw new LabRefusedException($"No note has the id {Id}.", LabRefusal.NotFound);
        if (note.AuthorId != editor)
        {
            throw new LabRefusedException("Only a note's author can edit it; write a note of your own to add to it.", LabRefusal.Forbidden);
        }
        var edited = new NoteEdited(Id, editor, edit.Title.Trim(), edit.Body, clock.GetUtcNow());
        await using var session = store.LightweightSession();
        session.Events.Append(Id, note.Version + 1, edited);
        try
        {
            await session.SaveChangesAsync();
        }
        catch (JasperFx.ConcurrencyException)
        {
            await OnActivateAsync(CancellationToken.None);
            throw new LabRefusedException("The note changed at the same time; nothing was written. Try again.", LabRefusal.Conflict);
        }
        Note.Fold(note, edited);
        note.Version++;
        return note.ToView();
    }

    public Task<NoteView?> Get() => Task.FromResult(_note?.ToView());
}
