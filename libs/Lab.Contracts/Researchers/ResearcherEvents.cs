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
