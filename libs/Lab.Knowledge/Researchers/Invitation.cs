using Lab.Contracts.Researchers;
using Marten;

namespace Lab.Knowledge.Researchers;

/// <summary>An invitation, projected from its own stream (issued, then at most once accepted).</summary>
public sealed class Invitation
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
}

public sealed partial class InvitationProjection : Marten.Events.Aggregation.SingleStreamProjection<Invitation, Guid>
{
    public static Invitation Create(InvitationIssued e) => new()
    {
        Id = e.InvitationId,
        InvitedBy = e.InvitedBy,
        Hash = e.Hash,
        ExpiresAt = e.ExpiresAt,
        IssuedAt = e.At,
    };

    public static void Apply(InvitationAccepted e, Invitation invitation) => invitation.AcceptedBy = e.ResearcherId;

    public static void Apply(InvitationRevoked e, Invitation invitation)
    {
        invitation.RevokedBy = e.RevokedBy;
        invitation.RevokedAt = e.At;
        invitation.RevokedReason = e.Reason;
    }
}
