namespace Lab.Contracts.Ideas;

// An idea's stream holds the idea's life and its team's: one single writer (the idea grain), one history.

/// <summary>Someone put an idea in front of the lab.</summary>
public sealed record IdeaProposed(
    Guid IdeaId,
    string Title,
    string Hypothesis,
    DateTimeOffset ProposedAt,
    Guid ProposedBy = default,
    string Motivation = "",
    IReadOnlyList<Guid>? BuildsOn = null);

public sealed record IdeaExplorationStarted(Guid IdeaId, Guid By, DateTimeOffset At);

/// <summary>The idea held up: celebrated in every member's feed.</summary>
public sealed record IdeaValidated(Guid IdeaId, Guid By, string Summary, DateTimeOffset At);

/// <summary>The idea led nowhere (for now); what was learned stays.</summary>
public sealed record IdeaSetAside(Guid IdeaId, Guid By, string Learned, DateTimeOffset At);

public sealed record IdeaRevived(Guid IdeaId, Guid By, string Reason, DateTimeOffset At);

public sealed record TeamMemberJoined(Guid IdeaId, Guid ResearcherId, DateTimeOffset At);

public sealed record TeamMemberLeft(Guid IdeaId, Guid ResearcherId, DateTimeOffset At);

/// <summary>This idea's team asked another idea's team to work together (the link shows on both).</summary>
public sealed record CollaborationRequested(Guid IdeaId, Guid WithIdeaId, Guid By, DateTimeOffset At);

/// <summary>Another idea's team asked this one to work together.</summary>
public sealed record CollaborationReceived(Guid IdeaId, Guid FromIdeaId, Guid By, DateTimeOffset At);

/// <summary>The idea was set aside: its team dissolved, its members invited to the ideas that build on it.</summary>
public sealed record TeamDissolved(Guid IdeaId, IReadOnlyList<Guid> Members, IReadOnlyList<Guid> InvitedTo, DateTimeOffset At);
