using JasperFx.Events;
using Lab.Contracts;
using Marten;
using Marten.Events.Aggregation;

namespace Lab.Knowledge;

/// <summary>
/// The state of one event stream, folded by one evolve: the inline projection that stores it, the grain that writes the
/// stream and the history that looks back in time all call the same <see cref="Fold"/>.
/// </summary>
public interface IStreamState<TSelf> where TSelf : class, IStreamState<TSelf>
{
    Guid Id { get; }

    /// <summary>The version of the stream the state was folded up to: where its writer expects the stream to be.</summary>
    long Version { get; set; }

    /// <summary>The state after <paramref name="change"/>; the stream's first event makes it from nothing.</summary>
    static abstract TSelf Fold(TSelf? state, ILabEvent change);
}

/// <summary>Stores a stream's state inline, folded by the state's own evolve over the events of its stream (<typeparamref name="TEvent"/>).</summary>
public abstract class StreamProjection<TState, TEvent> : SingleStreamProjection<TState, Guid>
    where TState : class, IStreamState<TState>
    where TEvent : ILabEvent
{
    protected StreamProjection()
    {
        foreach (var type in LabEvents.OfKind<TEvent>())
        {
            IncludeType(type);
        }
    }

    public override TState Evolve(TState? snapshot, Guid id, IEvent e) => TState.Fold(snapshot, (ILabEvent)e.Data);
}

/// <summary>How Lab's events go into the log: under fixed names, stamped with their own time.</summary>
public static class EventLog
{
    /// <summary>Stores every event type under the name on its record, whatever the type is called.</summary>
    public static void Register(StoreOptions options)
    {
        foreach (var (type, name) in LabEvents.Names)
        {
            options.Events.MapEventType(type, name);
        }
    }

    /// <summary>
    /// The event as it goes into the log, timestamped with its own <see cref="ILabEvent.At"/> (the lab's clock) rather than
    /// the moment of the write, so that history, time travel and the state folded from the events agree on when it happened.
    /// </summary>
    public static IEvent Stamped(this Marten.Events.IEventStoreOperations events, ILabEvent change)
    {
        var e = events.BuildEvent(change);
        e.Timestamp = change.At;
        return e;
    }
}
