using Lab.Contracts.Researchers;

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
    public long Version { get; set; }

    public bool IsOpenAt(DateTimeOffset now) => AcceptedBy is null && now < ExpiresAt;

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
}
