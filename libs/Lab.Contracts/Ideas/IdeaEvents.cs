namespace Lab.Contracts.Ideas;

/// <summary>Someone put an idea in front of the lab.</summary>
public sealed record IdeaProposed(Guid IdeaId, string Title, string Hypothesis, DateTimeOffset ProposedAt);
