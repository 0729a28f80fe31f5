using Lab.Contracts;
using Lab.Contracts.Researchers;
using Lab.Knowledge;
using Lab.Knowledge.Researchers;
using Marten;

namespace Lab.Grains.Researchers;

/// <summary>
/// One member of the lab: the single writer of the member's stream (see <see cref="EventSourcedGrain{TState}"/>), which
/// also holds their tokens' lives; invitations have streams of their own, written in the same transactions.
/// </summary>
public sealed class ResearcherGrain(IDocumentStore store, TimeProvider clock) : EventSourcedGrain<ResearcherProfile>(store, "member"), IResearcherGrain
{
    public Task<ResearcherView> Join(JoinLab join, bool operatesLab) => StartAsync(join, operatesLab, invitation: null);

    public async Task<Joined> JoinInvited(JoinLab join, Guid invitationId)
    {
        var member = await StartAsync(join, operatesLab: false, invitationId);
        return new Joined(member, await IssueToken("first token"));
    }

    public async Task<IssuedInvitation> Invite()
    {
        _ = Existing;
        var code = Invitation.NewCode();
        var now = clock.GetUtcNow();
        var issued = new InvitationIssued(Guid.CreateVersion7(), Id, AccessToken.HashOf(code), now + Invitation.Lifetime, now);
        await RecordAsync([new MemberInvitedSomeone(Id, issued.InvitationId, now)],
            session => session.Events.StartStream<Invitation>(issued.InvitationId, session.Events.Stamped(issued)));
        return new IssuedInvitation(issued.InvitationId, code, issued.ExpiresAt);
    }

    /// <summary>
    /// Starts the member's stream. With an invitation, the invitation's stream gets its acceptance in the same
    /// transaction, at its expected version: of two people racing with one code, exactly one joins.
    /// </summary>
    private async Task<ResearcherView> StartAsync(JoinLab join, bool operatesLab, Guid? invitation)
    {
        Refusals.ThrowIfAny(ResearcherRules.Validate(join));
        if (State is not null)
        {
            throw new LabRefusedException($"{State.Handle} is already a member.", LabRefusal.Conflict);
        }
        var now = clock.GetUtcNow();
        var joined = new ResearcherJoined(Id, join.Handle, join.Name.Trim(), [.. (join.Interests ?? []).Select(i => i.Trim())],
            join.Background?.Trim() ?? "", operatesLab, now);
        Action<IDocumentSession>? accept = null;
        if (invitation is { } invitationId)
        {
            await using var query = Store.QuerySession();
            var open = await query.LoadAsync<Invitation>(invitationId);
            if (open is null || !await open.IsUsableAsync(query, now))
            {
                throw new LabRefusedException("The invitation is unknown, used or expired; ask a member for a new one.", LabRefusal.Forbidden);
            }
            accept = session => session.Events.Append(invitationId, open.Version + 1, session.Events.Stamped(new InvitationAccepted(invitationId, Id, now)));
        }
        try
        {
            return (await RecordAsync([joined], accept)).ToView();
        }
        catch (JasperFx.ConcurrencyException)
        {
            throw new LabRefusedException("The invitation was used at the same moment by someone else.", LabRefusal.Forbidden);
        }
        catch (Exception e) when (IsUniqueViolation(e))
        {
            throw new LabRefusedException($"The handle '{join.Handle}' is taken.", LabRefusal.Conflict);
        }
    }

    public async Task<InvitationView> RevokeInvitation(Guid invitationId, Guid revokedBy)
    {
        var profile = Existing;
        Invitation? invitation;
        await using (var query = Store.QuerySession())
        {
            invitation = await query.LoadAsync<Invitation>(invitationId);
        }
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
        // Only the invitation's stream changes, at the version read: an invitation being used at this moment is either used or revoked.
        var revoked = new InvitationRevoked(invitationId, revokedBy, revokedBy == Id ? "withdrawn by its author" : "withdrawn by an operator", now);
        await using var session = Store.LightweightSession();
        session.Events.Append(invitationId, invitation.Version + 1, session.Events.Stamped(revoked));
        try
        {
            await session.SaveChangesAsync();
        }
        catch (JasperFx.ConcurrencyException)
        {
            throw new LabRefusedException("The invitation was used at the same moment; it cannot be withdrawn.", LabRefusal.Conflict);
        }
        return Invitation.Fold(invitation, revoked).ToView(now);
    }

    public Task<ResearcherView?> Get() => Task.FromResult(State?.ToView());

    public async Task<IssuedToken> IssueToken(string name, string? presetSecret = null)
    {
        _ = Existing;
        Refusals.ThrowIfAny(ResearcherRules.ValidateTokenName(name));
        if (presetSecret is not null && !AccessToken.IsWellFormed(presetSecret))
        {
            throw new LabRefusedException($"A preset token starts with '{AccessToken.Prefix}' and has at least {AccessToken.MinimumSecretLength} characters.");
        }
        var secret = presetSecret ?? AccessToken.NewSecret();
        var issued = new AccessTokenIssued(Id, Guid.CreateVersion7(), name.Trim(), clock.GetUtcNow(), AccessToken.HashOf(secret));
        await RecordAsync(issued);
        return new IssuedToken(issued.TokenId, issued.TokenName, secret, issued.IssuedAt);
    }

    public async Task<TokenView> RevokeToken(Guid tokenId, Guid revokedBy)
    {
        var profile = Existing;
        AccessToken? token;
        bool lastAccess;
        IReadOnlyList<Invitation> ending;
        var now = clock.GetUtcNow();
        await using (var query = Store.QuerySession())
        {
            token = await query.LoadAsync<AccessToken>(tokenId);
            if (token is null || token.ResearcherId != Id)
            {
                throw new LabRefusedException($"{profile.Handle} has no token {tokenId}.", LabRefusal.NotFound);
            }
            if (token.RevokedAt is not null)
            {
                return token.ToView();
            }
            lastAccess = !await query.Query<AccessToken>().AnyAsync(t => t.ResearcherId == Id && t.RevokedAt == null && t.Id != tokenId);
            // A member whose last token goes has left: the invitations they handed out end with their access, in the same
            // transaction (at each invitation's version, so one being used at this moment is either used or revoked).
            ending = lastAccess
                ? await query.Query<Invitation>().Where(i => i.InvitedBy == Id && i.AcceptedBy == null && i.RevokedAt == null && i.ExpiresAt > now).ToListAsync()
                : [];
        }
        var revoked = new AccessTokenRevoked(Id, tokenId, revokedBy, now);
        await RecordAsync([revoked], session =>
        {
            foreach (var invitation in ending)
            {
                session.Events.Append(invitation.Id, invitation.Version + 1,
                    session.Events.Stamped(new InvitationRevoked(invitation.Id, revokedBy, "its author's access ended", now)));
            }
        });
        return AccessToken.Fold(token, revoked)!.ToView();
    }

    public async Task<IReadOnlyList<TokenView>> Tokens()
    {
        _ = Existing;
        await using var session = Store.QuerySession();
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
}
