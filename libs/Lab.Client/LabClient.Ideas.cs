using Lab.Contracts.Ideas;
using Lab.Contracts.Reading;

namespace Lab.Client;

// Ideas, their lifecycle and the teams around them.
public sealed partial class LabClient
{
    /// <summary>How much of a draft idea is enough to find what the lab already has that reads like it.</summary>
    public const int SimilarDraftLength = 200;

    public Task<IdeaView> ProposeIdeaAsync(ProposeIdea proposal, CancellationToken cancellationToken = default) =>
        PostAsync<IdeaView>("ideas", proposal, cancellationToken);

    /// <summary>The idea board, newest proposals first unless <paramref name="order"/> says otherwise.</summary>
    public Task<Page<IdeaView>> ListIdeasAsync(IdeaStatus? status = null, IdeaOrder? order = null, int? offset = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<IdeaView>>(PathOf("ideas", ("sort", order), ("status", status), ("offset", offset), ("limit", limit)), cancellationToken);

    /// <summary>The ideas with these ids, by id (an id that names no idea is left out), in as few calls as the API allows.</summary>
    public Task<IReadOnlyDictionary<Guid, IdeaView>> GetIdeasAsync(IEnumerable<Guid> ids, CancellationToken cancellationToken = default) =>
        LookUpAsync(ids, batch => GetAsync<Page<IdeaView>>(PathOf("ideas", ("ids", batch)), cancellationToken), idea => idea.Id);

    /// <summary>One idea, as it is now or as it was at <paramref name="asOf"/>.</summary>
    public Task<IdeaView> GetIdeaAsync(Guid id, DateTimeOffset? asOf = null, CancellationToken cancellationToken = default) =>
        GetAsync<IdeaView>(PathOf($"ideas/{id}", ("asOf", asOf)), cancellationToken);

    /// <summary>Ideas and knowledge that read like a draft (its first <see cref="SimilarDraftLength"/> characters).</summary>
    public async Task<IReadOnlyList<SearchHit>> FindSimilarIdeasAsync(string draft, CancellationToken cancellationToken = default) =>
        (await GetAsync<ItemList<SearchHit>>(PathOf("ideas/similar", ("text", draft.Length <= SimilarDraftLength ? draft : draft[..SimilarDraftLength])), cancellationToken)).Items;

    public Task<TeamRoster> GetTeamAsync(Guid idea, CancellationToken cancellationToken = default) =>
        GetAsync<TeamRoster>($"ideas/{idea}/team", cancellationToken);

    /// <summary>Everything that happened to an idea and its team, oldest first.</summary>
    public async Task<IReadOnlyList<HistoryEntry>> GetTimelineAsync(Guid idea, CancellationToken cancellationToken = default) =>
        (await GetAsync<ItemList<HistoryEntry>>($"ideas/{idea}/timeline", cancellationToken)).Items;

    public Task<IdeaView> StartExploringAsync(Guid idea, CancellationToken cancellationToken = default) =>
        PostAsync<IdeaView>($"ideas/{idea}/explore", null, cancellationToken);

    public Task<IdeaView> ValidateIdeaAsync(Guid idea, ValidateIdea request, CancellationToken cancellationToken = default) =>
        PostAsync<IdeaView>($"ideas/{idea}/validate", request, cancellationToken);

    public Task<IdeaView> SetIdeaAsideAsync(Guid idea, SetIdeaAside request, CancellationToken cancellationToken = default) =>
        PostAsync<IdeaView>($"ideas/{idea}/set-aside", request, cancellationToken);

    public Task<IdeaView> ReviveIdeaAsync(Guid idea, ReviveIdea request, CancellationToken cancellationToken = default) =>
        PostAsync<IdeaView>($"ideas/{idea}/revive", request, cancellationToken);

    /// <summary>Joins the idea's team (as the caller).</summary>
    public Task<IdeaView> JoinTeamAsync(Guid idea, CancellationToken cancellationToken = default) =>
        PostAsync<IdeaView>($"ideas/{idea}/team/join", null, cancellationToken);

    /// <summary>Leaves the idea's team (as the caller).</summary>
    public Task<IdeaView> LeaveTeamAsync(Guid idea, CancellationToken cancellationToken = default) =>
        PostAsync<IdeaView>($"ideas/{idea}/team/leave", null, cancellationToken);

    /// <summary>Asks the team of <paramref name="request"/>'s idea to collaborate with <paramref name="idea"/>'s.</summary>
    public Task<IdeaView> RequestCollaborationAsync(Guid idea, Collaborate request, CancellationToken cancellationToken = default) =>
        PostAsync<IdeaView>($"ideas/{idea}/collaborations", request, cancellationToken);
}
