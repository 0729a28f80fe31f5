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

        app.MapDefaultEndpoints();
        app.MapReverseProxy();
        return app;
    }
}
