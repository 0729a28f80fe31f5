using Lab.ServiceDefaults;

namespace Lab.Worker;

/// <summary>The worker's table of contents, shared by its own process and <c>lab up</c>.</summary>
public static class WorkerService
{
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddLabWorker();

        var app = builder.Build();

        app.MapDefaultEndpoints();
        app.MapGet("/", (NodeIdentity node) => TypedResults.Ok(node.Describe()));
        return app;
    }
}
