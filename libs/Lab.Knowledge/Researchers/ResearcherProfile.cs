using Lab.Contracts.Researchers;

namespace Lab.Knowledge.Researchers;

/// <summary>A member as the lab sees them, projected inline from their stream (handles are unique).</summary>
public sealed class ResearcherProfile
{
    public Guid Id { get; set; }
    public string Handle { get; set; } = "";
    public string Name { get; set; } = "";
    public List<string> Interests { get; set; } = [];
    public string Background { get; set; } = "";
    public bool OperatesLab { get; set; }
    public DateTimeOffset JoinedAt { get; set; }
    public long Version { get; set; }

    public ResearcherView ToView() => new(Id, Handle, Name, Interests, Background, OperatesLab, JoinedAt);
}

public sealed partial class ResearcherProfileProjection : Marten.Events.Aggregation.SingleStreamProjection<ResearcherProfile, Guid>
{
    public static ResearcherProfile Create(ResearcherJoined joined) => new()
    {
        Id = joined.ResearcherId,
        Handle = joined.Handle,
        Name = joined.Name,
        Interests = [.. joined.Interests],
        Background = joined.Background,
        OperatesLab = joined.OperatesLab,
        JoinedAt = joined.JoinedAt,
    };

    // Token events belong to the member's history but change nothing on the profile.
    public static void Apply(AccessTokenIssued issued, ResearcherProfile profile)
    {
    }

    public static void Apply(AccessTokenRevoked revoked, ResearcherProfile profile)
    {
    }

    public static void Apply(MemberInvitedSomeone invited, ResearcherProfile profile)
    {
    }
}
