using System.Net.Http.Json;
using Lab.Contracts;
using Lab.Contracts.Reading;
using Lab.Contracts.Researchers;

namespace Lab.Client;

// Access to the lab: one's own tokens, invitations, and the lab as it was at a moment.
public sealed partial class LabClient
{
    /// <summary>The caller's personal access tokens (never their secrets), revoked ones included.</summary>
    public Task<IReadOnlyList<TokenView>> ListMyTokensAsync(CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<TokenView>>("me/tokens", cancellationToken);

    /// <summary>A new token for the caller; its secret is in this answer only.</summary>
    public Task<IssuedToken> IssueTokenAsync(string name, CancellationToken cancellationToken = default) =>
        PostAsync<IssuedToken>("me/tokens", new { name }, cancellationToken);

    /// <summary>Revokes one of the caller's tokens: from now on it authenticates nobody.</summary>
    public Task<TokenView> RevokeTokenAsync(Guid token, CancellationToken cancellationToken = default) =>
        SendAsync<TokenView>(HttpMethod.Delete, $"me/tokens/{token}", null, cancellationToken);

    /// <summary>An invitation from the caller: its code is in this answer only, good for one person within a week.</summary>
    public Task<IssuedInvitation> InviteAsync(CancellationToken cancellationToken = default) =>
        PostAsync<IssuedInvitation>("invitations", null, cancellationToken);

    /// <summary>Every invitation, newest first (never their codes); only those in <paramref name="status"/> when given.</summary>
    public Task<Page<InvitationView>> ListInvitationsAsync(InvitationStatus? status = null, int? offset = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<InvitationView>>(PathOf("invitations", ("status", status?.ToString().ToLowerInvariant()), ("offset", offset), ("limit", limit)), cancellationToken);

    /// <summary>Withdraws an unused invitation (its author, or an operator).</summary>
    public Task<InvitationView> WithdrawInvitationAsync(Guid invitation, CancellationToken cancellationToken = default) =>
        SendAsync<InvitationView>(HttpMethod.Delete, $"invitations/{invitation}", null, cancellationToken);

    /// <summary>Joins the lab with an invitation code (presented instead of a token): the new member and their first token.</summary>
    public Task<Joined> JoinAsync(string invitationCode, JoinLab join, CancellationToken cancellationToken = default) =>
        SendAsync<Joined>(HttpMethod.Post, "join", JsonContent.Create(join, options: ApiJson.Options), cancellationToken, invitationCode);

    /// <summary>The whole lab as it was at <paramref name="asOf"/>: its ideas as they stood then and how many members, notes and insights it had.</summary>
    public Task<LabAsOf> GetLabAsOfAsync(DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        GetAsync<LabAsOf>(PathOf("lab", ("asOf", asOf)), cancellationToken);
}
