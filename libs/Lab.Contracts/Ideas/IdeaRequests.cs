namespace Lab.Contracts.Ideas;

// What members send to move an idea through its life, as the API reads it and its clients write it.

/// <summary>Validating an idea: in a sentence or two, what showed it holds.</summary>
public sealed record ValidateIdea(string Summary);

/// <summary>Setting an idea aside: what was learned from it.</summary>
public sealed record SetIdeaAside(string Learned);

/// <summary>Reviving a set-aside idea: why it deserves another look.</summary>
public sealed record ReviveIdea(string Reason);

/// <summary>Asking another idea's team to collaborate.</summary>
public sealed record Collaborate(Guid IdeaId);

/// <summary>How the idea board is ordered (<c>?sort=</c>).</summary>
public enum IdeaOrder
{
    /// <summary>Newest proposals first.</summary>
    Recent,

    /// <summary>Most recently active first.</summary>
    Activity,

    /// <summary>Largest team first.</summary>
    People,
}
