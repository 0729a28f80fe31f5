using Lab.Contracts;
using Lab.Contracts.Ideas;

namespace Lab.Knowledge.Ideas;

/// <summary>
/// One idea and its team, folded from the idea's stream: the board's row (stored inline), the idea grain's state and the
/// idea as it was at any moment. <see cref="Collaborators"/> holds the links recorded in this idea's stream; the links
/// other ideas asked for are <see cref="IdeaLink"/>s, which <see cref="ToView"/> adds.
/// </summary>
public sealed class IdeaSummary : IStreamState<IdeaSummary>
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

    /// <summary>The idea as members read it, with the ideas that asked it to collaborate (<paramref name="linkedBy"/>).</summary>
    public IdeaView ToView(IEnumerable<Guid> linkedBy) => new(Id, Title, Hypothesis, Status, ProposedAt, Version, ProposedBy, Motivation, BuildsOn,
        StatusNote, Members, FormerMembers, [.. Collaborators.Concat(linkedBy).Distinct()], InvitedTo, LastActivityAt);

    /// <summary>How each event of an idea's stream changes the idea.</summary>
    public static IdeaSummary Fold(IdeaSummary? idea, ILabEvent change)
    {
        if (change is IdeaProposed proposed)
        {
            return Proposed(proposed);
        }
        ArgumentNullException.ThrowIfNull(idea);
        switch (change)
        {
            case IdeaExplorationStarted e: idea.Move(IdeaStatus.Exploring, "", e.At); break;
            case IdeaValidated e: idea.Move(IdeaStatus.Validated, e.Summary, e.At); break;
            case IdeaSetAside e: idea.Move(IdeaStatus.SetAside, e.Learned, e.At); break;
            case IdeaRevived e: idea.Move(IdeaStatus.Exploring, e.Reason, e.At); break;
            case TeamMemberJoined e: idea.Join(e.ResearcherId, e.At); break;
            case TeamMemberLeft e: idea.Leave(e.ResearcherId, e.At); break;
            case CollaborationRequested e: idea.Link(e.WithIdeaId, e.At); break;
            case CollaborationReceived e: idea.Link(e.FromIdeaId, e.At); break;
            case TeamDissolved e:
                foreach (var member in e.Members)
                {
                    idea.Leave(member, e.At);
                }
                idea.InvitedTo = [.. e.InvitedTo];
                break;
            default: throw new ArgumentException($"An idea's stream has no event {change.GetType().Name}.", nameof(change));
        }
        return idea;
    }

    private static IdeaSummary Proposed(IdeaProposed proposed) => new()
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

    private void Move(IdeaStatus status, string note, DateTimeOffset at)
    {
        Status = status;
        StatusNote = note;
        if (status != IdeaStatus.SetAside)
        {
            InvitedTo = [];
        }
        Touch(at);
    }

    private void Join(Guid researcher, DateTimeOffset at)
    {
        Members.Add(researcher);
        FormerMembers.Remove(researcher);
        Touch(at);
    }

    private void Leave(Guid researcher, DateTimeOffset at)
    {
        Members.Remove(researcher);
        if (!FormerMembers.Contains(researcher))
        {
            FormerMembers.Add(researcher);
        }
        Touch(at);
    }

    private void Link(Guid other, DateTimeOffset at)
    {
        if (!Collaborators.Contains(other))
        {
            Collaborators.Add(other);
        }
        Touch(at);
    }

    private void Touch(DateTimeOffset at)
    {
        TeamSize = Members.Count;
        LastActivityAt = at;
    }
}

/// <summary>The board's rows: each idea's state, stored inline with the idea's own evolve.</summary>
public sealed partial class IdeaSummaryProjection : StreamProjection<IdeaSummary, IIdeaEvent>;
