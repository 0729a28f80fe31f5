using Lab.Contracts;
using Lab.Contracts.Reading;
using Lab.Contracts.Researchers;

namespace Lab.Client;

// The lab's members and the lab's bounds.
public sealed partial class LabClient
{
    /// <summary>The member the caller's token belongs to.</summary>
    public Task<ResearcherView> GetMeAsync(CancellationToken cancellationToken = default) =>
        GetAsync<ResearcherView>("me", cancellationToken);

    /// <summary>The member <paramref name="token"/> belongs to, or null when the API does not accept it (whatever its reason).</summary>
    public async Task<ResearcherView?> WhoIsAsync(string token, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync<ResearcherView>(HttpMethod.Get, "me", null, cancellationToken, token);
        }
        catch (LabClientException e) when (!e.IsUnreachable)
        {
            return null;
        }
    }

    /// <summary>Everyone in the lab, in the order they joined.</summary>
    public Task<Page<ResearcherView>> ListResearchersAsync(int? offset = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<ResearcherView>>(PathOf("researchers", ("offset", offset), ("limit", limit)), cancellationToken);

    /// <summary>The members with these ids, by id (an id that names nobody is left out), in as few calls as the API allows.</summary>
    public Task<IReadOnlyDictionary<Guid, ResearcherView>> GetResearchersAsync(IEnumerable<Guid> ids, CancellationToken cancellationToken = default) =>
        LookUpAsync(ids, batch => GetAsync<Page<ResearcherView>>(PathOf("researchers", ("ids", batch)), cancellationToken), person => person.Id);

    /// <summary>A member's page, by handle or id.</summary>
    public Task<ResearcherOverview> GetResearcherAsync(string handleOrId, CancellationToken cancellationToken = default) =>
        GetAsync<ResearcherOverview>($"researchers/{Uri.EscapeDataString(handleOrId)}", cancellationToken);

    /// <summary>The lab's bounds on runs and writes.</summary>
    public Task<LabBounds> GetBoundsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<LabBounds>("bounds", cancellationToken);
}
