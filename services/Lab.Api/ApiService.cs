using Lab.Api.Apis;
using Lab.Api.Infrastructure;
using Lab.ServiceDefaults;

namespace Lab.Api;

/// <summary>
/// The API service's table of contents. Its own process (Program.cs), <c>lab up</c> and the tests all
/// build it through here, so the three ways of running Lab share one composition.
/// </summary>
public static class ApiService
{
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddLabApi();

        var app = builder.Build();

        app.UseLabApi();
        app.MapDefaultEndpoints();
        app.MapApiDocs();
        app.MapOperatorDashboard();
        app.MapMeApi();
        app.MapIdeasApi();
        app.MapNotesApi();
        app.MapResearchersApi();
        app.MapKnowledgeApi();
        app.MapIdsApi();
        app.MapPoolApi();
        app.MapBoundsApi();
        app.MapRunsApi();
        app.MapDatasetsApi();
        return app;
    }
}
