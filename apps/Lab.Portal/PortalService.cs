using Lab.Portal.Components;
using Lab.ServiceDefaults;

namespace Lab.Portal;

/// <summary>The portal's table of contents, shared by its own process and <c>lab up</c>.</summary>
public static class PortalService
{
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddLabPortal();

        var app = builder.Build();

        app.UseSecurityHeaders(PortalServiceExtensions.ContentSecurityPolicy);
        app.UseProblemAnswers();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapDefaultEndpoints();
        app.MapPortalLogin();
        app.MapPortalAssets();
        app.MapPortalRunMetrics();
        app.MapRazorComponents<App>();
        app.MapNotFoundPage();
        return app;
    }
}
