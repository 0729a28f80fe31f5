namespace Lab.Contracts.Researchers;

/// <summary>An event of one member's stream.</summary>
public interface IResearcherEvent : ILabEvent
{
    Guid ResearcherId { get; }
}

/// <summary>An event of one invitation's stream.</summary>
public interface IInvitationEvent : ILabEvent
{
    Guid InvitationId { get; }
}

/// <summary>Someone became a member of the lab.</summary>
[StoredAs("researcher_joined")]
public sealed record ResearcherJoined(
    Guid ResearcherId,
    string Handle,
    string Name,
    IReadOnlyList<string> Interests,
    string Background,
    bool OperatesLab,
    DateTimeOffset JoinedAt) : IResearcherEvent, INews
{
    DateTimeOffset ILabEvent.At => JoinedAt;
    Guid? ILabEvent.Actor => ResearcherId;
    Story? ILabEvent.Story => new("member-joined", "researcher", ResearcherId, _ => $"@{Handle} joined the lab");
}

/// <summary>
/// A member created a personal access token. The token itself is never stored: <paramref name="Hash"/> is the SHA-256 of
/// its secret, from which the token's read model is rebuilt (events written before it was recorded have none).
/// </summary>
[StoredAs("access_token_issued")]
public sealed record AccessTokenIssued(Guid ResearcherId, Guid TokenId, string TokenName, DateTimeOffset IssuedAt, string? Hash = null) : IResearcherEvent
{
    DateTimeOffset ILabEvent.At => IssuedAt;
    Guid? ILabEvent.Actor => ResearcherId;
}

/// <summary>A personal access token stopped working.</summary>
[StoredAs("access_token_revoked")]
public sealed record AccessTokenRevoked(Guid ResearcherId, Guid TokenId, Guid RevokedBy, DateTimeOffset RevokedAt) : IResearcherEvent
{
    DateTimeOffset ILabEvent.At => RevokedAt;
    Guid? ILabEvent.Actor => RevokedBy;
}

/// <summary>A member invited someone to join; the invitation's secret is kept only as a hash.</summary>
[StoredAs("invitation_issued")]
public sealed record InvitationIssued(Guid InvitationId, Guid InvitedBy, string Hash, DateTimeOffset ExpiresAt, DateTimeOffset At) : IInvitationEvent
{
    Guid? ILabEvent.Actor => InvitedBy;
}

/// <summary>An invitation was used (once, and only once) to join the lab.</summary>
[StoredAs("invitation_accepted")]
public sealed record InvitationAccepted(Guid InvitationId, Guid ResearcherId, DateTimeOffset At) : IInvitationEvent
{
    Guid? ILabEvent.Actor => ResearcherId;
}

/// <summary>
/// An invitation stopped working before it was used: its author or an operator withdrew it, or its author's access
/// ended (their last token was revoked).
/// </summary>
[StoredAs("invitation_revoked")]
public sealed record InvitationRevoked(Guid InvitationId, Guid RevokedBy, string Reason, DateTimeOffset At) : IInvitationEvent
{
    Guid? ILabEvent.Actor => RevokedBy;
}

/// <summary>The inviting member's side of an invitation, in their own history.</summary>
[StoredAs("member_invited_someone")]
public sealed record MemberInvitedSomeone(Guid ResearcherId, Guid InvitationId, DateTimeOffset At) : IResearcherEvent
{
    Guid? ILabEvent.Actor => ResearcherId;
}
