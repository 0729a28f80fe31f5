using Lab.Contracts;
using Lab.Contracts.Researchers;
using Lab.Knowledge.Researchers;
using Marten;

namespace Lab.Grains.Researchers;

/// <summary>
/// One member of the lab. The profile is rebuilt from the member's stream; every change appends to it
/// with the version last seen (a concurrent writer makes the append fail instead of being lost).
/// </summary>
public sealed class ResearcherGrain(IDocumentStore store, TimeProvider clock) : Grain, IResearcherGrain
{
    private ResearcherProfile? _profile;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        _profile = await session.Events.AggregateStreamAsync<ResearcherProfile>(Id, token: cancellationToken);
    }

    public Task<ResearcherView> Join(JoinLab join, bool operatesLab) => StartAsync(join, operatesLab, invitation: null);

    public async Task<Joined> JoinInvited(JoinLab join, Guid invitationId)
    {
        var member = await StartAsync(join, operatesLab: false, invitationId);
        return new Joined(member, await IssueToken("first token"));
    }

    public async Task<IssuedInvitation> Invite()
    {
        var profile = RequireMember();
        var code = Invitation.NewCode();
        var now = clock.GetUtcNow();
        var issued = new InvitationIssued(Guid.CreateVersion7(), Id, AccessToken.HashOf(code), now + Invitation.Lifetime, now);
        await AppendAsync(profile, new MemberInvitedSomeone(Id, issued.InvitationId, now), session => session.Events.StartStream<Invitation>(issued.InvitationId, issued));
        return new IssuedInvitation(issued.InvitationId, code, issued.ExpiresAt);
    }

    /// <summary>
    /// Starts the member's stream. With an invitation, the invitation's stream gets its acceptance in the same
    /// transaction, at its expected version: of two people racing with one code, exactly one joins.
    /// </summary>
    private async Task<ResearcherView> StartAsync(JoinLab join, bool operatesLab, Guid? invitation)
    {
        Refusals.ThrowIfAny(ResearcherRules.Validate(join));
        if (_profile is not null)
        {
            throw new LabRefusedException($"{_profile.Handle} is already a member.", LabRefusal.Conflict);
        }
        var now = clock.GetUtcNow();
        var joined = new ResearcherJoined(Id, join.Handle, join.Name.Trim(), [.. (join.Interests ?? []).Select(i => i.Trim())],
            join.Background?.Trim() ?? "", operatesLab, now);
        await using var session = store.LightweightSession();
        if (invitation is { } invitationId)
        {
            var open = await session.LoadAsync<Invitation>(invitationId);
            if (open is null || !await open.IsUsableAsync(session, now))
            {
                throw new LabRefusedException("The invitation is unknown, used or expired; ask a member for a new one.", LabRefusal.Forbidden);
            }
            session.Events.Append(invitationId, open.Version + 1, new InvitationAccepted(invitationId, Id, now));
        }
        session.Events.StartStream<ResearcherProfile>(Id, joined);
        try
        {
            await session.SaveChangesAsync();
        }
        catch (JasperFx.ConcurrencyException)
        {
            throw new LabRefusedException("The invitation was used at the same moment by someone else.", LabRefusal.Forbidden);
        }
        catch (Exception e) when (IsUniqueViolation(e))
        {
            throw new LabRefusedException($"The handle '{join.Handle}' is taken.", LabRefusal.Conflict);
        }
        _profile = ResearcherProfile.Fold(null, joined);
        _profile.Version = 1;
        return _profile.ToView();
    }

    public async Task<InvitationView> RevokeInvitation(Guid invitationId, Guid revokedBy)
    {
        var profile = RequireMember();
        await using var query = store.QuerySession();
        var invitation = await query.LoadAsync<Invitation>(invitationId);
        if (invitation is null || invitation.InvitedBy != Id)
        {
            throw new LabRefusedException($"{profile.Handle} has no invitation {invitationId}.", LabRefusal.NotFound);
        }
        var now = clock.GetUtcNow();
        switch (invitation.StatusAt(now))
        {
            case InvitationStatus.Accepted:
                throw new LabRefusedException("The invitation was already used to join; it cannot be withdrawn.", LabRefusal.Conflict);
            case InvitationStatus.Revoked:
                return invitation.ToView(now);
        }
        var revoked = new InvitationRevoked(invitationId, revokedBy, revokedBy == Id ? "withdrawn by its author" : "withdrawn by an operator", now);
        await using var session = store.LightweightSession();
        session.Events.Append(invitationId, invitation.Version + 1, revoked);
        try
        {
            await session.SaveChangesAsync();
        }
        catch (JasperFx.ConcurrencyException)
        {
            throw new LabRefusedException("The invitation was used at the same moment; it cannot be withdrawn.", LabRefusal.Conflict);
        }
        Invitation.Fold(invitation, revoked);
        return invitation.ToView(now);
    }

    public Task<ResearcherView?> Get() => Task.FromResult(_profile?.ToView());

    public async Task<IssuedToken> IssueToken(string name, string? presetSecret = null)
    {
        var profile = RequireMember();
        var errors = ResearcherRules.ValidateTokenName(name);
        Refusals.ThrowIfAny(errors);
        if (presetSecret is not null && !AccessToken.IsWellFormed(presetSecret))
        {
            throw new LabRefusedException($"A preset token starts with '{AccessToken.Prefix}' and has at least {AccessToken.MinimumSecretLength} characters.");
        }
        var secret = presetSecret ?? AccessToken.NewSecret();
        var issued = new AccessTokenIssued(Id, Guid.CreateVersion7(), name.Trim(), clock.GetUtcNow(), AccessToken.HashOf(secret));
        await AppendAsync(profile, issued, session => { });
        return new IssuedToken(issued.TokenId, issued.TokenName, secret, issued.IssuedAt);
    }

    public async Task<TokenView> RevokeToken(Guid tokenId, Guid revokedBy)
    {
        var profile = RequireMember();
        await using var query = store.QuerySession();
        var token = await query.LoadAsync<AccessToken>(tokenId);
        if (token is null || token.ResearcherId != Id)
        {
            throw new LabRefusedException($"{profile.Handle} has no token {tokenId}.", LabRefusal.NotFound);
        }
        if (token.RevokedAt is not null)
        {
            return token.ToView();
        }
        var now = clock.GetUtcNow();
        var lastAccess = !await query.Query<AccessToken>().AnyAsync(t => t.ResearcherId == Id && t.RevokedAt == null && t.Id != tokenId);
        // A member whose last token goes has left: the invitations they handed out end with their access, in the same
        // transaction (at each invitation's version, so one being used at this moment is either used or revoked).
        var ending = lastAccess
            ? await query.Query<Invitation>().Where(i => i.InvitedBy == Id && i.AcceptedBy == null && i.RevokedAt == null && i.ExpiresAt > now).ToListAsync()
            : [];
        var revoked = new AccessTokenRevoked(Id, tokenId, revokedBy, now);
        await AppendAsync(profile, revoked, session =>
        {
            foreach (var invitation in ending)
            {
                session.Events.Append(invitation.Id, invitation.Version + 1, new InvitationRevoked(invitation.Id, revokedBy, "its author's access ended", now));
            }
        });
        return AccessToken.Fold(token, revoked)!.ToView();
    }

    public async Task<IReadOnlyList<TokenView>> Tokens()
    {
        RequireMember();
        await using var session = store.QuerySession();
        var tokens = await session.Query<AccessToken>().Where(t => t.ResearcherId == Id).OrderBy(t => t.IssuedAt).ToListAsync();
        return [.. tokens.Select(t => t.ToView())];
    }

    private static bool IsUniqueViolation(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
            {
                return true;
            }
        }
        return false;
    }

    private ResearcherProfile RequireMember() =>
        _profile ?? throw new LabRefusedException($"No member has the id {Id}.", LabRefusal.NotFound);

    /// <summary>Appends one event at the expected stream version, together with any document changes, in one transaction.</summary>
    private async Task AppendAsync(ResearcherProfile profile, object change, Action<IDocumentSession> alongside)
    {
        await using var session = store.LightweightSession();
        session.Events.Append(Id, profile.Version + 1, change);
        alongside(session);
        await session.SaveChangesAsync();
        profile.Version++;
    }
}
