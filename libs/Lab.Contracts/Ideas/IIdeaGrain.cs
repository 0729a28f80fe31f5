namespace Lab.Contracts.Ideas;

/// <summary>The single writer of one idea and of the team formed around it, keyed by the idea's id.</summary>
[Alias("lab.IIdeaGrain")]
public interface IIdeaGrain : IGrainWithGuidKey
{
    /// <summary>Records the proposal. Proposing the same idea twice is refused; the ideas it builds on must exist.</summary>
    [Alias("propose")]
    Task<IdeaView> Propose(ProposeIdea proposal, Guid proposedBy);

    /// <summary>The idea's current state, or null when nobody has proposed it.</summary>
    [Alias("get"), Orleans.Concurrency.AlwaysInterleave]
    Task<IdeaView?> Get();

    [Alias("start-exploring")]
    Task<IdeaView> StartExploring(Guid by);

    [Alias("validate")]
    Task<IdeaView> Validate(string summary, Guid by);

    /// <summary>Sets the idea aside: the team dissolves and its members are invited to the ideas that build on it.</summary>
    [Alias("set-aside")]
    Task<IdeaView> SetAside(string learned, Guid by);

    [Alias("revive")]
    Task<IdeaView> Revive(string reason, Guid by);

    [Alias("join-team")]
    Task<IdeaView> JoinTeam(Guid researcher);

    [Alias("leave-team")]
    Task<IdeaView> LeaveTeam(Guid researcher);

    /// <summary>Asks <paramref name="otherIdea"/>'s team to collaborate; only a member of this idea's team may ask.</summary>
    [Alias("request-collaboration")]
    Task<IdeaView> RequestCollaboration(Guid otherIdea, Guid by);

    /// <summary>
    /// Tells this idea that <paramref name="fromIdea"/>'s team asked it to collaborate, which is already recorded (in the
    /// asking idea's stream): the idea only updates its view. One-way, so the asking idea never waits on this one.
    /// </summary>
    [Alias("notice-collaboration"), Orleans.Concurrency.OneWay]
    Task NoticeCollaboration(Guid fromIdea);
}
