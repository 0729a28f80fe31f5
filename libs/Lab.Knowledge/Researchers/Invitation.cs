using Lab.Contracts;
using Lab.Contracts.Researchers;
using Marten;

namespace Lab.Knowledge.Researchers;

/// <summary>An invitation, folded from its own stream (issued, then at most once accepted or revoked) and stored inline.</summary>
public sealed class Invitation : IStreamState<Invitation>
{
    public const string Prefix = "labinv_";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public Guid Id { get; set; }
    public Guid InvitedBy { get; set; }
    public string Hash { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset IssuedAt { get; set; }
    public Guid? AcceptedBy { get; set; }
    public Guid? RevokedBy { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokedReason { get; set; }
    public long Version { get; set; }

    public InvitationStatus StatusAt(DateTimeOffset now) =>
        AcceptedBy is not null ? InvitationStatus.Accepted
        : RevokedAt is not null ? InvitationStatus.Revoked
        : now >= ExpiresAt ? InvitationStatus.Expired
        : InvitationStatus.Open;

    public bool IsOpenAt(DateTimeOffset now) => StatusAt(now) == InvitationStatus.Open;

    public InvitationView ToView(DateTimeOffset now) =>
        new(Id, InvitedBy, IssuedAt, ExpiresAt, StatusAt(now), AcceptedBy, RevokedBy, RevokedAt, RevokedReason);

    /// <summary>
    /// Whether the invitation lets someone join now: open, and its author still has access (a token not revoked), so
    /// that a departed member's invitations end with them.
    /// </summary>
    public async Task<bool> IsUsableAsync(IQuerySession session, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        IsOpenAt(now) && await session.Query<AccessToken>().AnyAsync(t => t.ResearcherId == InvitedBy && t.RevokedAt == null, cancellationToken);

    public static string NewCode() => Prefix + AccessToken.NewSecret()[AccessToken.Prefix.Length..];

    public static Invitation Fold(Invitation? invitation, ILabEvent change)
    {
        if (change is InvitationIssued issued)
        {
            return new Invitation
            {
                Id = issued.InvitationId,
                InvitedBy = issued.InvitedBy,
                Hash = issued.Hash,
                ExpiresAt = issued.ExpiresAt,
                IssuedAt = issued.At,
            };
        }
        ArgumentNullException.ThrowIfNull(invitation);
        switch (change)
        {
            case InvitationAccepted e:
                invitation.AcceptedBy = e.ResearcherId;
                break;
            case InvitationRevoked e:
                invitation.RevokedBy = e.RevokedBy;
                invitation.RevokedAt = e.At;
                invitation.RevokedReason = e.Reason;
                break;
            default:
                throw new ArgumentException($"An invitation's stream has no event {change.GetType().Name}.", nameof(change));
        }
        return invitation;
    }
}

public sealed partial class InvitationProjection : StreamProjection<Invitation, IInvitationEvent>;
