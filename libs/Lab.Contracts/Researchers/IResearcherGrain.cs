namespace Lab.Contracts.Researchers;

/// <summary>The single writer of one member: their profile and their personal access tokens.</summary>
[Alias("lab.IResearcherGrain")]
public interface IResearcherGrain : IGrainWithGuidKey
{
    /// <summary>Joins the lab. <paramref name="operatesLab"/> marks a member who may operate it (nodes, departed members' tokens).</summary>
    [Alias("join")]
    Task<ResearcherView> Join(JoinLab join, bool operatesLab);

    /// <summary>Joins the lab with an invitation (used up in the same transaction) and issues the first token.</summary>
    [Alias("join-invited")]
    Task<Joined> JoinInvited(JoinLab join, Guid invitationId);

    /// <summary>This member invites someone; the code is valid for a week and once.</summary>
    [Alias("invite")]
    Task<IssuedInvitation> Invite();

    /// <summary>Withdraws one of this member's unused invitations; <paramref name="revokedBy"/> is who asked (them or an operator).</summary>
    [Alias("revoke-invitation")]
    Task<InvitationView> RevokeInvitation(Guid invitationId, Guid revokedBy);

    [Alias("get")]
    Task<ResearcherView?> Get();

    /// <summary>
    /// Issues a new token; its secret is in the answer and nowhere else. <paramref name="presetSecret"/> lets an
    /// operator's deployment secret become a token (never offered through the API).
    /// </summary>
    [Alias("issue-token")]
    Task<IssuedToken> IssueToken(string name, string? presetSecret = null);

    /// <summary>Revokes one of this member's tokens; <paramref name="revokedBy"/> is who asked.</summary>
    [Alias("revoke-token")]
    Task<TokenView> RevokeToken(Guid tokenId, Guid revokedBy);

    [Alias("tokens")]
    Task<IReadOnlyList<TokenView>> Tokens();
}
