using System.Security.Claims;
using Lab.Client;
using Lab.Contracts;
using Lab.Contracts.Researchers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace Lab.Portal;

/// <summary>
/// Logging in to the portal with a personal access token: the API confirms whose it is, and the portal
/// keeps it in its (encrypted, HTTP-only) cookie to call the API on the member's behalf.
/// </summary>
public static class PortalLogin
{
    public const string LoginPath = "/login";
    public const string LogoutPath = "/logout";
    public const string TokenClaim = "lab:token";

    /// <summary>Where an operator's browser is handed what it needs to open the Orleans dashboard.</summary>
    public const string OpenDashboardPath = "/operators/open-dashboard";

    public static IEndpointRouteBuilder MapPortalLogin(this IEndpointRouteBuilder app)
    {
        app.MapPost(LoginPath, LogInAsync).AllowAnonymous();
        app.MapPost(LogoutPath, async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            http.Response.Cookies.Delete(OperatorDashboardAccess.Cookie, new CookieOptions { Path = OperatorDashboardAccess.Path });
            return TypedResults.LocalRedirect(LoginPath);
        });
        app.MapPost(OpenDashboardPath, OpenDashboardAsync)
            .WithMetadata(new Microsoft.AspNetCore.Antiforgery.RequireAntiforgeryTokenAttribute())
            .RequireAuthorization();
        return app;
    }

    /// <summary>
    /// The Orleans dashboard is served by the API to operators, and its pages cannot send a bearer header: an operator's
    /// browser gets their token in a cookie that only the dashboard's address receives (HTTP-only, same site only, gone
    /// with the browser session and at logout). The API decides again on every request; a member is told they may not.
    /// </summary>
    private static async Task<IResult> OpenDashboardAsync(HttpContext http, LabClient api)
    {
        ResearcherView me;
        try
        {
            me = await api.GetMeAsync(http.RequestAborted);
        }
        catch (LabClientException e) when (e.IsUnauthorized)
        {
            return TypedResults.LocalRedirect($"{LoginPath}?failed=true");
        }
        if (!me.OperatesLab)
        {
            return TypedResults.LocalRedirect("/me?done=not-operator");
        }
        http.Response.Cookies.Append(OperatorDashboardAccess.Cookie, http.User.FindFirstValue(TokenClaim)!, new CookieOptions
        {
            Path = OperatorDashboardAccess.Path,
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            IsEssential = true,
        });
        return TypedResults.LocalRedirect(OperatorDashboardAccess.Path + "/");
    }

    private static async Task<IResult> LogInAsync([FromForm] string? token, [FromForm] string? returnUrl, HttpContext http, LabClient api)
    {
        var member = string.IsNullOrWhiteSpace(token) ? null : await api.WhoIsAsync(token.Trim(), http.RequestAborted);
        if (member is null)
        {
            return TypedResults.LocalRedirect($"{LoginPath}?failed=true");
        }
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, member.Id.ToString()),
                new Claim(ClaimTypes.Name, member.Handle),
                new Claim(TokenClaim, token!.Trim()),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return TypedResults.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
    }

    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);
}

/// <summary>Sends the logged-in member's token with every API call the portal makes for them.</summary>
public sealed class MemberTokenHandler(IHttpContextAccessor context) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = context.HttpContext?.User.FindFirstValue(PortalLogin.TokenClaim);
        if (request.Headers.Authorization is null && !string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
