namespace Lab.Contracts.Ideas;

[GenerateSerializer, Immutable, Alias("lab.propose-idea")]
public sealed record ProposeIdea(
    [property: Id(0)] string Title,
    [property: Id(1)] string Hypothesis);

public enum IdeaStatus
{
    Proposed,
}

/// <summary>An idea as people read it.</summary>
[GenerateSerializer, Immutable, Alias("lab.idea")]
public sealed record IdeaView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string Hypothesis,
    [property: Id(3)] IdeaStatus Status,
    [property: Id(4)] DateTimeOffset ProposedAt,
    [property: Id(5)] long Version);
