namespace Lab.Contracts.Ideas;

[GenerateSerializer, Immutable, Alias("lab.propose-idea")]
public sealed record ProposeIdea(
    [property: Id(0)] string Title,
    [property: Id(1)] string Hypothesis,
    [property: Id(2)] string? Motivation = null,
    [property: Id(3)] IReadOnlyList<Guid>? BuildsOn = null);

public enum IdeaStatus
{
    Proposed,
    Exploring,
    Validated,
    SetAside,
}

/// <summary>An idea as people read it, with its team.</summary>
[GenerateSerializer, Immutable, Alias("lab.idea")]
public sealed record IdeaView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string Hypothesis,
    [property: Id(3)] IdeaStatus Status,
    [property: Id(4)] DateTimeOffset ProposedAt,
    [property: Id(5)] long Version,
    [property: Id(6)] Guid ProposedBy,
    [property: Id(7)] string Motivation,
    [property: Id(8)] IReadOnlyList<Guid> BuildsOn,
    [property: Id(9)] string StatusNote,
    [property: Id(10)] IReadOnlyList<Guid> Members,
    [property: Id(11)] IReadOnlyList<Guid> FormerMembers,
    [property: Id(12)] IReadOnlyList<Guid> Collaborators,
    [property: Id(13)] IReadOnlyList<Guid> InvitedTo,
    [property: Id(14)] DateTimeOffset LastActivityAt);
