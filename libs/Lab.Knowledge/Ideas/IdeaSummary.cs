using Lab.Contracts.Ideas;

namespace Lab.Knowledge.Ideas;

/// <summary>One idea and its team as people read them, projected inline from the idea's stream.</summary>
public sealed class IdeaSummary
{
    public Guid Id { get; set; }
    public string Title { get; set; } = "";
    public string Hypothesis { get; set; } = "";
    public string Motivation { get; set; } = "";
    public List<Guid> BuildsOn { get; set; } = [];
    public Guid ProposedBy { get; set; }
    public IdeaStatus Status { get; set; }
    public string StatusNote { get; set; } = "";
    public DateTimeOffset ProposedAt { get; set; }
    public DateTimeOffset LastActivityAt { get; set; }
    public List<Guid> Members { get; set; } = [];
    public List<Guid> FormerMembers { get; set; } = [];
    public List<Guid> Collaborators { get; set; } = [];
    public List<Guid> InvitedTo { get; set; } = [];
    public int TeamSize { get; set; }
    public long Version { get; set; }

    public IdeaView ToView() => new(Id, Title, Hypothesis, Status, ProposedAt, Version, ProposedBy, Motivation, BuildsOn,
        StatusNote, Members, FormerMembers, Collaborators, InvitedTo, LastActivityAt);
}

/// <summary>
/// How each event of an idea's stream changes the idea. Marten uses it for the board (inline) and for
/// time travel; the idea grain uses <see cref="Evolve"/> to keep its live state with the same rules.
/// </summary>
public sealed partial class IdeaSummaryProjection : Marten.Events.Aggregation.SingleStreamProjection<IdeaSummary, Guid>
{
    public static IdeaSummary Create(IdeaProposed proposed) => new()
    {
        Id = proposed.IdeaId,
        Title = proposed.Title,
        Hypothesis = proposed.Hypothesis,
        Motivation = proposed.Motivation,
        BuildsOn = [.. proposed.BuildsOn ?? []],
        ProposedBy = proposed.ProposedBy,
        Status = IdeaStatus.Proposed,
        ProposedAt = proposed.ProposedAt,
        LastActivityAt = proposed.ProposedAt,
    };

    public static void Apply(IdeaExplorationStarted e, IdeaSummary idea) => Move(idea, IdeaStatus.Exploring, "", e.At);

    public static void Apply(IdeaValidated e, IdeaSummary idea) => Move(idea, IdeaStatus.Validated, e.Summary, e.At);

    public static void Apply(IdeaSetAside e, IdeaSummary idea) => Move(idea, IdeaStatus.SetAside, e.Learned, e.At);

    public static void Apply(IdeaRevived e, IdeaSummary idea) => Move(idea, IdeaStatus.Exploring, e.Reason, e.At);

    public static void Apply(TeamMemberJoined e, IdeaSummary idea)
    {
        idea.Members.Add(e.ResearcherId);
        idea.FormerMembers.Remove(e.ResearcherId);
        Touch(idea, e.At);
    }

    public static void Apply(TeamMemberLeft e, IdeaSummary idea)
    {
        idea.Members.Remove(e.ResearcherId);
        if (!idea.FormerMembers.Contains(e.ResearcherId))
        {
            idea.FormerMembers.Add(e.ResearcherId);
        }
        Touch(idea, e.At);
    }

    public static void Apply(CollaborationRequested e, IdeaSummary idea) => Link(idea, e.WithIdeaId, e.At);

    public static void Apply(CollaborationReceived e, IdeaSummary idea) => Link(idea, e.FromIdeaId, e.At);

    public static void Apply(TeamDissolved e, IdeaSummary idea)
    {
        foreach (var member in e.Members)
        {
            Apply(new TeamMemberLeft(e.IdeaId, member, e.At), idea);
        }
        idea.InvitedTo = [.. e.InvitedTo];
    }

    /// <summary>Applies one event of an idea's stream to its state (the same rules Marten applies).</summary>
    public static IdeaSummary Evolve(IdeaSummary? idea, object change)
    {
        if (change is IdeaProposed proposed)
        {
            return Create(proposed);
        }
        ArgumentNullException.ThrowIfNull(idea);
        switch (change)
        {
            case IdeaExplorationStarted e: Apply(e, idea); break;
            case IdeaValidated e: Apply(e, idea); break;
            case IdeaSetAside e: Apply(e, idea); break;
            case IdeaRevived e: Apply(e, idea); break;
            case TeamMemberJoined e: Apply(e, idea); break;
            case TeamMemberLeft e: Apply(e, idea); break;
            case CollaborationRequested e: Apply(e, idea); break;
            case CollaborationReceived e: Apply(e, idea); break;
            case TeamDissolved e: Apply(e, idea); break;
            default: throw new ArgumentException($"An idea's stream has no event {change.GetType().Name}.", nameof(change));
        }
        return idea;
    }

    private static void Move(IdeaSummary idea, IdeaStatus status, string note, DateTimeOffset at)
    {
        idea.Status = status;
        idea.StatusNote = note;
        if (status != IdeaStatus.SetAside)
        {
            idea.InvitedTo = [];
        }
        Touch(idea, at);
    }

    private static void Link(IdeaSummary idea, Guid other, DateTimeOffset at)
    {
        if (!idea.Collaborators.Contains(other))
        {
            idea.Collaborators.Add(other);
        }
        Touch(idea, at);
    }

    private static void Touch(IdeaSummary idea, DateTimeOffset at)
    {
        idea.TeamSize = idea.Members.Count;
        idea.LastActivityAt = at;
    }
}
