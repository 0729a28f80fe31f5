using Lab.Contracts;
using Lab.Contracts.Knowledge;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Notes;
using Lab.Knowledge.Runs;
using Marten;

namespace Lab.Grains.Knowledge;

/// <summary>One note (markdown) about the lab or an idea. Anyone reads it; only its author edits it.</summary>
public sealed class NoteGrain(IDocumentStore store, TimeProvider clock) : EventSourcedGrain<Note>(store, "note"), INoteGrain
{
    public async Task<NoteView> Write(WriteNote note, Guid author)
    {
        Refusals.ThrowIfAny(KnowledgeRules.Validate(note));
        if (State is not null)
        {
            throw new LabRefusedException($"Note {Id} has already been written.", LabRefusal.Conflict);
        }
        await using (var query = Store.QuerySession())
        {
            if (note.AttachedTo == AttachmentKind.Idea && await query.LoadAsync<IdeaSummary>(note.AttachedId!.Value) is null)
            {
                throw new LabRefusedException($"No idea has the id {note.AttachedId}.", LabRefusal.NotFound);
            }
            if (note.AttachedTo == AttachmentKind.Run && await query.LoadAsync<RunSummary>(note.AttachedId!.Value) is null)
            {
                throw new LabRefusedException($"No run has the id {note.AttachedId}.", LabRefusal.NotFound);
            }
        }
        return (await RecordAsync(new NoteWritten(Id, author, note.Title.Trim(), note.Body, note.AttachedTo, note.AttachedId, clock.GetUtcNow()))).ToView();
    }

    public async Task<NoteView> Edit(EditNote edit, Guid editor)
    {
        Refusals.ThrowIfAny(KnowledgeRules.Validate(edit));
        if (Existing.AuthorId != editor)
        {
            throw new LabRefusedException("Only a note's author can edit it; write a note of your own to add to it.", LabRefusal.Forbidden);
        }
        return (await RecordAsync(new NoteEdited(Id, editor, edit.Title.Trim(), edit.Body, clock.GetUtcNow()))).ToView();
    }

    public Task<NoteView?> Get() => Task.FromResult(State?.ToView());
}
