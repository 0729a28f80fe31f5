namespace Lab.Contracts.Ideas;

/// <summary>The single writer of one idea, keyed by the idea's id.</summary>
[Alias("lab.IIdeaGrain")]
public interface IIdeaGrain : IGrainWithGuidKey
{
    /// <summary>Records the proposal. Proposing the same idea twice is refused.</summary>
    [Alias("propose")]
    Task<IdeaView> Propose(ProposeIdea proposal);

    /// <summary>The idea's current state, or null when nobody has proposed it.</summary>
    [Alias("get")]
    Task<IdeaView?> Get();
}
