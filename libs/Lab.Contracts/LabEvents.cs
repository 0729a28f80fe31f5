using System.Reflection;

namespace Lab.Contracts;

/// <summary>
/// A fact in the lab's event log, told by the event itself: when it happened, who did it, and how the feed and the
/// timelines say it. Adding an event is its record (with its <see cref="StoredAsAttribute"/> name and its story) plus
/// the case that folds it into its stream's state.
/// </summary>
public interface ILabEvent
{
    /// <summary>When it happened, by the lab's one clock (the grains' <see cref="TimeProvider"/>); the log stores it as the event's timestamp.</summary>
    DateTimeOffset At { get; }

    /// <summary>The member who did it; null when the lab did (the pool, a worker, a bound).</summary>
    Guid? Actor => null;

    /// <summary>How the feed and the timelines tell it; null for what no timeline shows.</summary>
    Story? Story => null;
}

/// <summary>An event every member sees in the lab's feed (credentials, invitations and a run's inner life are not news).</summary>
public interface INews : ILabEvent;

/// <summary>
/// How an event reads in the feed and in timelines. <paramref name="Summary"/> writes the sentence with the names the
/// reader looked up; a reader that asks it once with a recording <see cref="INames"/> learns which names to look up.
/// </summary>
public sealed record Story(string Kind, string SubjectKind, Guid SubjectId, Func<INames, string> Summary, bool Celebrate = false);

/// <summary>The names a story mentions, looked up by whoever tells it.</summary>
public interface INames
{
    /// <summary>The member as "@handle", or "someone".</summary>
    string Member(Guid? id);

    /// <summary>The idea's title in quotes, or "an idea".</summary>
    string Idea(Guid id);

    /// <summary>"a run for" the run's idea, or "a run".</summary>
    string RunFor(Guid run);
}

/// <summary>
/// The name an event type is stored under in the log. Written once, on the record, so that renaming or moving the C# type
/// never orphans events already stored; the names are those the store derived from the type names before they were fixed.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class StoredAsAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Every event type of the lab, found by its <see cref="StoredAsAttribute"/>.</summary>
public static class LabEvents
{
    /// <summary>Each event type with the name it is stored under.</summary>
    public static IReadOnlyDictionary<Type, string> Names { get; } = typeof(LabEvents).Assembly.GetTypes()
        .Select(type => (type, stored: type.GetCustomAttribute<StoredAsAttribute>()))
        .Where(t => t.stored is not null)
        .OrderBy(t => t.stored!.Name, StringComparer.Ordinal)
        .ToDictionary(t => t.type, t => t.stored!.Name);

    /// <summary>The event types that are also <typeparamref name="T"/> (a stream's events, the news).</summary>
    public static Type[] OfKind<T>() => [.. Names.Keys.Where(type => type.IsAssignableTo(typeof(T)))];
}
