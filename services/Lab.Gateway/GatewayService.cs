using Lab.ServiceDefaults;

namespace Lab.Gateway;

/// <summary>The gateway's table of contents, shared by its own process and <c>lab up</c>.</summary>
public static class GatewayService
{
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddLabGateway();

        var app = builder.Build();

        // The services set their own Content-Security-Policy; the gateway's own answers (problems, health) are data.
        app.UseSecurityHeaders(SecurityHeaders.DataPolicy);
        app.UseProblemAnswers();
        app.Services.GetRequiredService<AllowedHosts>().Use(app);
        app.Services.GetRequiredService<RequestBodyLimit>().Use(app);
        app.MapDefaultEndpoints(app.Services.GetRequiredService<GatewayHealth>().WriteAsync);
        app.MapReverseProxy();
        return app;
    }
}
