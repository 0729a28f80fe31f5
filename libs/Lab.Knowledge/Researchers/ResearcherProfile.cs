using Lab.Contracts;
using Lab.Contracts.Researchers;

namespace Lab.Knowledge.Researchers;

/// <summary>A member as the lab sees them, folded from their stream: stored inline (handles are unique), and their grain's state.</summary>
public sealed class ResearcherProfile : IStreamState<ResearcherProfile>
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

    public static ResearcherProfile Fold(ResearcherProfile? profile, ILabEvent change) => change switch
    {
        ResearcherJoined joined => new ResearcherProfile
        {
            Id = joined.ResearcherId,
            Handle = joined.Handle,
            Name = joined.Name,
            Interests = [.. joined.Interests],
            Background = joined.Background,
            OperatesLab = joined.OperatesLab,
            JoinedAt = joined.JoinedAt,
        },
        // Tokens and invitations belong to the member's history but change nothing on the profile.
        AccessTokenIssued or AccessTokenRevoked or MemberInvitedSomeone => profile ?? throw new ArgumentNullException(nameof(profile)),
        _ => throw new ArgumentException($"A member's stream has no event {change.GetType().Name}.", nameof(change)),
    };
}

public sealed partial class ResearcherProfileProjection : StreamProjection<ResearcherProfile, IResearcherEvent>;
