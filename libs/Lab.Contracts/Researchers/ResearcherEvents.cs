namespace Lab.Contracts.Researchers;

/// <summary>Someone became a member of the lab.</summary>
public sealed record ResearcherJoined(
    Guid ResearcherId,
    string Handle,
    string Name,
    IReadOnlyList<string> Interests,
    string Background,
    bool OperatesLab,
    DateTimeOffset JoinedAt);

/// <summary>A member created a personal access token (the token itself is never stored).</summary>
public sealed record AccessTokenIssued(Guid ResearcherId, Guid TokenId, string TokenName, DateTimeOffset IssuedAt);

/// <summary>A personal access token stopped working.</summary>
public sealed record AccessTokenRevoked(Guid ResearcherId, Guid TokenId, Guid RevokedBy, DateTimeOffset RevokedAt);

/// <summary>A member invited someone to join; the invitation's secret is kept only as a hash.</summary>
public sealed record InvitationIssued(Guid InvitationId, Guid InvitedBy, string Hash, DateTimeOffset ExpiresAt, DateTimeOffset At);

/// <summary>An invitation was used (once, and only once) to join the lab.</summary>
public sealed record InvitationAccepted(Guid InvitationId, Guid ResearcherId, DateTimeOffset At);

/// <summary>
/// An invitation stopped working before it was used: its author or an operator withdrew it, or its author's access
/// ended (their last token was revoked).
/// </summary>
public sealed record InvitationRevoked(Guid InvitationId, Guid RevokedBy, string Reason, DateTimeOffset At);

/// <summary>The inviting member's side of an invitation, in their own history.</summary>
public sealed record MemberInvitedSomeone(Guid ResearcherId, Guid InvitationId, DateTimeOffset At);
