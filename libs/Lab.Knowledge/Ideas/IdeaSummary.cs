using Lab.Contracts.Ideas;

namespace Lab.Knowledge.Ideas;

/// <summary>The idea board's row for one idea, projected inline from the idea's stream.</summary>
public sealed class IdeaSummary
{
    public Guid Id { get; set; }
    public string Title { get; set; } = "";
    public string Hypothesis { get; set; } = "";
    public IdeaStatus Status { get; set; }
    public DateTimeOffset ProposedAt { get; set; }
    public long Version { get; set; }

    public IdeaView ToView() => new(Id, Title, Hypothesis, Status, ProposedAt, Version);
}

public sealed partial class IdeaSummaryProjection : Marten.Events.Aggregation.SingleStreamProjection<IdeaSummary, Guid>
{
    public static IdeaSummary Create(IdeaProposed proposed) => new()
    {
        Id = proposed.IdeaId,
        Title = proposed.Title,
        Hypothesis = proposed.Hypothesis,
        Status = IdeaStatus.Proposed,
        ProposedAt = proposed.ProposedAt,
        Version = 1,
    };
}
