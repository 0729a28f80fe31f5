using Lab.Contracts;
using Lab.Knowledge;
using Marten;

namespace Lab.Grains;

/// <summary>
/// The one shape of Lab's event-sourced grains, the single writers of their streams.
/// <list type="number">
/// <item>Fetch: on activation the state is the stream's state as the store keeps it inline (one read, never a replay).</item>
/// <item>Decide: a grain method checks the command against <see cref="State"/> and says which events happen.</item>
/// <item>Append: <see cref="RecordAsync(ILabEvent[])"/> writes them at the version the grain last saw, stamped with their own
/// time, in one transaction with whatever else must change with them.</item>
/// <item>Evolve: only once they are stored are they folded into the state, by the state's own <c>Fold</c> (the one the
/// projection and history use), so memory never holds what PostgreSQL does not.</item>
/// <item>Refuse: if another writer got there first, nothing is written, the state is fetched again, and the caller is
/// refused with a conflict to retry.</item>
/// </list>
/// </summary>
/// <param name="noun">What the stream is, for messages ("No idea has the id ...").</param>
public abstract class EventSourcedGrain<TState>(IDocumentStore store, string noun) : Grain
    where TState : class, IStreamState<TState>
{
    protected IDocumentStore Store => store;

    /// <summary>The grain's stream: its key, unless the grain says otherwise.</summary>
    protected virtual Guid Id => this.GetPrimaryKey();

    /// <summary>The stream's state, or null while the stream has no events.</summary>
    protected TState? State { get; private set; }

    /// <summary>The state of a stream that must exist for the command; refused as not found otherwise.</summary>
    protected TState Existing => State ?? throw new LabRefusedException($"No {noun} has the id {Id}.", LabRefusal.NotFound);

    public override Task OnActivateAsync(CancellationToken cancellationToken) => FetchAsync(cancellationToken);

    /// <summary>Reads the stream's state as the store keeps it inline; null while the stream has no events.</summary>
    protected virtual Task<TState?> LoadStateAsync(IQuerySession session, CancellationToken cancellationToken) =>
        session.LoadAsync<TState>(Id, cancellationToken);

    /// <summary>Reads what the grain keeps beside its state (nothing, unless overridden), whenever the state is fetched.</summary>
    protected virtual Task FetchAlongsideAsync(IQuerySession session, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Records <paramref name="changes"/> in the grain's stream; the state after them.</summary>
    protected Task<TState> RecordAsync(params ILabEvent[] changes) => RecordAsync(changes, alongside: null);

    /// <summary>
    /// Records <paramref name="changes"/> in the grain's stream, with what <paramref name="alongside"/> adds to the same
    /// transaction (events of other streams, at their own expected versions); the state after them. No events, no write.
    /// A failure other than a conflict on this stream reaches the caller as it is, with nothing written and the state as it was.
    /// </summary>
    protected async Task<TState> RecordAsync(IReadOnlyList<ILabEvent> changes, Action<IDocumentSession>? alongside)
    {
        if (changes.Count == 0)
        {
            return Existing;
        }
        var version = State?.Version ?? 0;
        await using (var session = store.LightweightSession())
        {
            var events = changes.Select(session.Events.Stamped).ToArray();
            if (version == 0)
            {
                session.Events.StartStream<TState>(Id, events);
            }
            else
            {
                session.Events.Append(Id, version + events.Length, events);
            }
            alongside?.Invoke(session);
            try
            {
                await session.SaveChangesAsync();
            }
            catch (Exception e) when (IsConflictOnThisStream(e))
            {
                await FetchAsync(CancellationToken.None);
                throw new LabRefusedException($"The {noun} changed at the same time through another path; nothing was written. Try again.", LabRefusal.Conflict);
            }
        }
        var state = State;
        foreach (var change in changes)
        {
            state = TState.Fold(state, change);
        }
        state!.Version = version + changes.Count;
        return State = state;
    }

    private async Task FetchAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        State = await LoadStateAsync(session, cancellationToken);
        await FetchAlongsideAsync(session, cancellationToken);
    }

    private bool IsConflictOnThisStream(Exception e) => e switch
    {
        JasperFx.ConcurrencyException conflict => Equals(conflict.Id, Id),
        Marten.Exceptions.ExistingStreamIdCollisionException collision => Equals(collision.Id, Id),
        JasperFx.Events.ExistingStreamIdCollisionException collision => Equals(collision.Id, Id),
        _ => false,
    };
}
