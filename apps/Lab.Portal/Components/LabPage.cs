using System.Security.Claims;
using Lab.Client;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;

namespace Lab.Portal.Components;

/// <summary>What every logged-in page needs: the API as the member, who the member is, and a way back to the login page.</summary>
[Authorize]
public abstract class LabPage : ComponentBase
{
    [Inject] protected LabClient Api { get; set; } = null!;
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
        catch (LabClientException e) when (e.IsUnauthorized)
        {
            Navigation.NavigateTo("/login?failed=true");
        }
    }

    /// <summary>
    /// A write through the API: when the API turns it down (bad input, not allowed, nothing there, a conflict), its
    /// problem goes to <paramref name="refused"/>, to be shown beside the form.
    /// </summary>
    protected Task WriteAsync(Func<Task> write, Action<LabProblem> refused) => WhileLoggedInAsync(async () =>
    {
        try
        {
            await write();
        }
        catch (LabClientException e) when (e.IsRefusal)
        {
            refused(e.Problem);
        }
    });

    /// <summary>Redirects after a successful post, so that a reload does not post again.</summary>
    protected void SeeOther(string url) => Navigation.NavigateTo(url);
}
