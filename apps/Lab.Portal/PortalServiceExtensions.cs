using System.Text.Json.Serialization;
using Lab.Contracts;
using Lab.Client;
using Lab.Portal.Components;
using Lab.ServiceDefaults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Lab.Portal;

public static class PortalServiceExtensions
{
    /// <summary>
    /// The portal is rendered on the server and needs nothing but itself: its stylesheets, its scripts (uPlot, vendored;
    /// lab-charts.js, which reads the portal's metrics relay and draws on canvases, styling elements through the CSSOM,
    /// which this policy allows, never with style attributes; live.js, which reads the page itself again), and forms that
    /// post to itself. No inline script or style, nothing from elsewhere, never in a frame.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

    public static WebApplicationBuilder AddLabPortal(this WebApplicationBuilder builder)
    {
        builder.AddPortalKeyRing();
        builder.Services.AddProblemAnswers();
        // Antiforgery would allow framing by the same origin (SAMEORIGIN); the portal is never framed at all (DENY).
        builder.Services.AddAntiforgery(antiforgery => antiforgery.SuppressXFrameOptionsHeader = true);
        builder.Services.AddRazorComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "lab.portal";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.LoginPath = PortalLogin.LoginPath;
                cookie.ExpireTimeSpan = TimeSpan.FromDays(7);
                cookie.SlidingExpiration = true;
                // Redirects stay on the address the browser used: the framework would build them from the Host header.
                cookie.Events.OnRedirectToLogin = context => RedirectWithinPortal(context);
                cookie.Events.OnRedirectToAccessDenied = context => RedirectWithinPortal(context);
                cookie.Events.OnRedirectToLogout = context => RedirectWithinPortal(context);
                cookie.Events.OnRedirectToReturnUrl = context => RedirectWithinPortal(context);
            });
        builder.Services.AddAuthorization();

        builder.Services.AddTransient<MemberTokenHandler>();
        // The portal reads and writes only through the public REST API, like any other client, as the logged-in member.
        builder.Services.AddHttpClient<LabClient>(http => http.BaseAddress = LabServices.DiscoveryUri(LabServices.Api))
            .AddHttpMessageHandler<MemberTokenHandler>();
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return builder;
    }

    /// <summary>
    /// Any address the portal does not have: a browser asking for a page (it accepts HTML) gets the lab's own "nothing here"
    /// page, in the portal's layout, with its 404; every other client gets the problem document the API and the portal
    /// answer with. Gateway paths that are not the API's reach the portal, so this is what they get too.
    /// </summary>
    public static IEndpointRouteBuilder MapNotFoundPage(this IEndpointRouteBuilder app)
    {
        app.MapFallback("{**path}", (HttpContext context) =>
            context.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
                ? (IResult)new Microsoft.AspNetCore.Http.HttpResults.RazorComponentResult<App> { StatusCode = StatusCodes.Status404NotFound }
                : TypedResults.Problem(ProblemAnswers.DetailFor(StatusCodes.Status404NotFound), statusCode: StatusCodes.Status404NotFound,
                    title: ProblemAnswers.TitleFor(StatusCodes.Status404NotFound)))
            // Only for reading: another method on an address the portal has keeps its 405.
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]))
            .AllowAnonymous();
        return app;
    }

    /// <summary>A redirect to the portal's own path and query, never to an absolute address made from the request's Host.</summary>
    private static Task RedirectWithinPortal(RedirectContext<CookieAuthenticationOptions> context)
    {
        var target = Uri.TryCreate(context.RedirectUri, UriKind.Absolute, out var absolute) ? absolute.PathAndQuery : context.RedirectUri;
        context.Response.Redirect(target.StartsWith('/') && !target.StartsWith("//", StringComparison.Ordinal) ? target : "/");
        return Task.CompletedTask;
    }
}
