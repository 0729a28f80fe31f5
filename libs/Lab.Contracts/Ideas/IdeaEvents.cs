namespace Lab.Contracts.Ideas;

// An idea's stream holds the idea's life and its team's: one single writer (the idea grain), one history.

/// <summary>An event of one idea's stream.</summary>
public interface IIdeaEvent : ILabEvent
{
    Guid IdeaId { get; }
}

/// <summary>Someone put an idea in front of the lab.</summary>
[StoredAs("idea_proposed")]
public sealed record IdeaProposed(
    Guid IdeaId,
    string Title,
    string Hypothesis,
    DateTimeOffset ProposedAt,
    Guid ProposedBy = default,
    string Motivation = "",
    IReadOnlyList<Guid>? BuildsOn = null) : IIdeaEvent, INews
{
    DateTimeOffset ILabEvent.At => ProposedAt;
    Guid? ILabEvent.Actor => ProposedBy;
    Story? ILabEvent.Story => new("idea-proposed", "idea", IdeaId, n => $"{n.Member(ProposedBy)} proposed {n.Idea(IdeaId)}");
}

[StoredAs("idea_exploration_started")]
public sealed record IdeaExplorationStarted(Guid IdeaId, Guid By, DateTimeOffset At) : IIdeaEvent, INews
{
    Guid? ILabEvent.Actor => By;
    Story? ILabEvent.Story => new("idea-exploring", "idea", IdeaId, n => $"{n.Member(By)} started exploring {n.Idea(IdeaId)}");
}

/// <summary>The idea held up: celebrated in every member's feed.</summary>
[StoredAs("idea_validated")]
public sealed record IdeaValidated(Guid IdeaId, Guid By, string Summary, DateTimeOffset At) : IIdeaEvent, INews
{
    Guid? ILabEvent.Actor => By;
    Story? ILabEvent.Story => new("idea-validated", "idea", IdeaId, n => $"{n.Idea(IdeaId)} was validated! {Summary}", Celebrate: true);
}

/// <summary>The idea led nowhere (for now); what was learned stays.</summary>
[StoredAs("idea_set_aside")]
public sealed record IdeaSetAside(Guid IdeaId, Guid By, string Learned, DateTimeOffset At) : IIdeaEvent, INews
{
    Guid? ILabEvent.Actor => By;
    Story? ILabEvent.Story => new("idea-set-aside", "idea", IdeaId, n => $"{n.Member(By)} set aside {n.Idea(IdeaId)}. Learned: {Learned}");
}

[StoredAs("idea_revived")]
public sealed record IdeaRevived(Guid IdeaId, Guid By, string Reason, DateTimeOffset At) : IIdeaEvent, INews
{
    Guid? ILabEvent.Actor => By;
    Story? ILabEvent.Story => new("idea-revived", "idea", IdeaId, n => $"{n.Member(By)} revived {n.Idea(IdeaId)}: {Reason}");
}

[StoredAs("team_member_joined")]
public sealed record TeamMemberJoined(Guid IdeaId, Guid ResearcherId, DateTimeOffset At) : IIdeaEvent, INews
{
    Guid? ILabEvent.Actor => ResearcherId;
    Story? ILabEvent.Story => new("team-joined", "idea", IdeaId, n => $"{n.Member(ResearcherId)} joined the team of {n.Idea(IdeaId)}");
}

[StoredAs("team_member_left")]
public sealed record TeamMemberLeft(Guid IdeaId, Guid ResearcherId, DateTimeOffset At) : IIdeaEvent, INews
{
    Guid? ILabEvent.Actor => ResearcherId;
    Story? ILabEvent.Story => new("team-left", "idea", IdeaId, n => $"{n.Member(ResearcherId)} left the team of {n.Idea(IdeaId)}");
}

/// <summary>
/// This idea's team asked another idea's team to work together. The one record of the link: it is in the asking idea's
/// stream, and the other idea's side of the link is derived from it.
/// </summary>
[StoredAs("collaboration_requested")]
public sealed record CollaborationRequested(Guid IdeaId, Guid WithIdeaId, Guid By, DateTimeOffset At) : IIdeaEvent, INews
{
    Guid? ILabEvent.Actor => By;
    Story? ILabEvent.Story => new("collaboration", "idea", IdeaId, n => $"{n.Member(By)} linked {n.Idea(IdeaId)} with {n.Idea(WithIdeaId)}");
}

/// <summary>
/// Another idea's team asked this one to work together. No longer written (the request alone records the link); read
/// from logs written before.
/// </summary>
[StoredAs("collaboration_received")]
public sealed record CollaborationReceived(Guid IdeaId, Guid FromIdeaId, Guid By, DateTimeOffset At) : IIdeaEvent
{
    Guid? ILabEvent.Actor => By;
    Story? ILabEvent.Story => new("collaboration", "idea", IdeaId, n => $"{n.Idea(FromIdeaId)} asked {n.Idea(IdeaId)} to collaborate");
}

/// <summary>The idea was set aside: its team dissolved, its members invited to the ideas that build on it.</summary>
[StoredAs("team_dissolved")]
public sealed record TeamDissolved(Guid IdeaId, IReadOnlyList<Guid> Members, IReadOnlyList<Guid> InvitedTo, DateTimeOffset At) : IIdeaEvent, INews
{
    Story? ILabEvent.Story => new("team-dissolved", "idea", IdeaId,
        n => $"The team of {n.Idea(IdeaId)} dissolved; its {Members.Count} members are invited to {InvitedTo.Count} ideas that build on it");
}
