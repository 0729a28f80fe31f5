using System.Security.Claims;
using Lab.Contracts.Ideas;
using Lab.Contracts.Researchers;
using Lab.Portal.Clients;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;

namespace Lab.Portal.Components;

/// <summary>What every logged-in page needs: the API as the member, who the member is, and a way back to the login page.</summary>
[Authorize]
public abstract class LabPage : ComponentBase
{
    [Inject] protected LabApiClient Api { get; set; } = null!;
    [Inject] protected NavigationManager Navigation { get; set; } = null!;
    [CascadingParameter] protected HttpContext? HttpContext { get; set; }

    /// <summary>The logged-in member's id.</summary>
    protected Guid MemberId => Guid.TryParse(HttpContext?.User.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : Guid.Empty;

    /// <summary>Runs <paramref name="action"/>; a token revoked since logging in sends the member back to the login page.</summary>
    protected async Task WhileLoggedInAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.Unauthorized)
        {
            Navigation.NavigateTo("/login?failed=true");
        }
    }

    /// <summary>Everyone in the lab by id, to put names to the ids that ideas, notes and insights carry.</summary>
    protected async Task<IReadOnlyDictionary<Guid, ResearcherView>> PeopleAsync()
    {
        var people = new Dictionary<Guid, ResearcherView>();
        const int pageSize = 100;
        for (var offset = 0; ; offset += pageSize)
        {
            var page = await Api.GetAsync<Page<ResearcherView>>($"researchers?offset={offset}&limit={pageSize}");
            foreach (var person in page?.Items ?? [])
            {
                people[person.Id] = person;
            }
            if (page is null || page.Items.Count < pageSize || offset + pageSize >= page.Total)
            {
                return people;
            }
        }
    }

    /// <summary>The ideas with these ids that can be read, by id, to put titles to the ids that runs and the pool carry.</summary>
    protected async Task<IReadOnlyDictionary<Guid, IdeaView>> IdeasAsync(IEnumerable<Guid> ids)
    {
        var ideas = new Dictionary<Guid, IdeaView>();
        foreach (var id in ids.Distinct())
        {
            if (await Api.GetAsync<IdeaView>($"ideas/{id}") is { } idea)
            {
                ideas[id] = idea;
            }
        }
        return ideas;
    }

    /// <summary>Redirects after a successful post, so that a reload does not post again.</summary>
    protected void SeeOther(string url) => Navigation.NavigateTo(url);
}
