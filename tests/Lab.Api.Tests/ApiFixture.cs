using Lab.Api;
using Lab.Contracts;
using Lab.Hosting;
using Lab.Testing;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Lab.Api.Tests;

/// <summary>The real API service (Kestrel, Orleans silo, Marten) on a free port over a fresh PostgreSQL database.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    private readonly List<WebApplication> _started = [];

    public HttpClient Http { get; private set; } = null!;
    public IDocumentStore Store => _started[0].Services.GetRequiredService<IDocumentStore>();

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("api");
        var settings = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{LabServices.Database}"] = connectionString,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _started.Add(await InProcessService.StartAsync("Lab.Api", "http://127.0.0.1:0", settings, ApiService.Build));
        Http = new HttpClient { BaseAddress = new Uri(InProcessService.AddressOf(_started[0])) };
    }

    /// <summary>How many events the whole store holds: bad requests must not change it.</summary>
    public async Task<long> EventCountAsync()
    {
        await using var session = Store.QuerySession();
        return await session.Events.QueryAllRawEvents().LongCountAsync();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await InProcessService.StopAllAsync(_started);
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
