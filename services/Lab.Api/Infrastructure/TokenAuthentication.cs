using System.Security.Claims;
using System.Text.Encodings.Web;
using Lab.Contracts;
using Lab.Knowledge.Researchers;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Lab.Api.Infrastructure;

/// <summary>
/// Personal access tokens as bearer tokens: the presented secret is hashed and looked up; a revoked or
/// unknown token authenticates nobody. Looked up on every request, so a revocation takes effect at once.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IQuerySession session) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "LabToken";
    public const string OperatorRole = "operator";
    public const string MemberClaim = "lab:member";
    public const string TokenClaim = "lab:token";
    public const string InvitationClaim = "lab:invitation";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        string secret;
        if (!string.IsNullOrEmpty(header))
        {
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return AuthenticateResult.Fail("Only bearer tokens are accepted.");
            }
            secret = header["Bearer ".Length..].Trim();
        }
        else if (Request.Path.StartsWithSegments(OperatorDashboard.Path) &&
                 Request.Cookies.TryGetValue(OperatorDashboardAccess.Cookie, out var cookie) && !string.IsNullOrEmpty(cookie))
        {
            // A browser on the operators' dashboard cannot add a header to the dashboard's own calls: the portal's cookie carries the token.
            secret = cookie.Trim();
        }
        else
        {
            return AuthenticateResult.NoResult();
        }
        if (secret.Length > AccessToken.MaximumSecretLength)
        {
            return AuthenticateResult.Fail("That is not a Lab token.");
        }
        if (secret.StartsWith(Invitation.Prefix, StringComparison.Ordinal))
        {
            return await AuthenticateInviteeAsync(secret);
        }
        if (!secret.StartsWith(AccessToken.Prefix, StringComparison.Ordinal))
        {
            return AuthenticateResult.Fail("That is not a Lab token.");
        }
        var hash = AccessToken.HashOf(secret);
        var token = await session.Query<AccessToken>().FirstOrDefaultAsync(t => t.Hash == hash, Context.RequestAborted);
        if (token is null || token.RevokedAt is not null)
        {
            return AuthenticateResult.Fail("The token is unknown or revoked.");
        }
        var member = await session.LoadAsync<ResearcherProfile>(token.ResearcherId, Context.RequestAborted);
        if (member is null)
        {
            return AuthenticateResult.Fail("The token's member is gone.");
        }

        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, member.Id.ToString()),
            new(ClaimTypes.Name, member.Handle),
            new(TokenClaim, token.Id.ToString()),
            new(MemberClaim, member.Handle),
        ];
        if (member.OperatesLab)
        {
            claims.Add(new Claim(ClaimTypes.Role, OperatorRole));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>An invitation code authenticates someone who is not a member yet, for joining and nothing else.</summary>
    private async Task<AuthenticateResult> AuthenticateInviteeAsync(string code)
    {
        var hash = AccessToken.HashOf(code);
        var invitation = await session.Query<Invitation>().FirstOrDefaultAsync(i => i.Hash == hash, Context.RequestAborted);
        if (invitation is null || !await invitation.IsUsableAsync(session, TimeProvider.GetUtcNow(), Context.RequestAborted))
        {
            return AuthenticateResult.Fail("The invitation is unknown, used, withdrawn or expired.");
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(InvitationClaim, invitation.Id.ToString())], SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return base.HandleChallengeAsync(properties);
    }
}

public static class MemberClaims
{
    /// <summary>The authenticated member's id: who every action is recorded as.</summary>
    public static Guid MemberId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The request is not authenticated."));

    /// <summary>The invitation an invitee authenticated with.</summary>
    public static Guid InvitationId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(TokenAuthenticationHandler.InvitationClaim) ?? throw new InvalidOperationException("The request carries no invitation."));
}
