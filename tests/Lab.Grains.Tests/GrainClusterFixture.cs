using Lab.Grains;
using Lab.Knowledge;
using Lab.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Lab.Grains.Tests;

/// <summary>A real in-process Orleans cluster whose grains keep their events in a real, fresh PostgreSQL database.</summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    public IClusterClient Client => _cluster!.Client;
    public IDocumentStore Store => _cluster!.Silos[0].ServiceProvider.GetRequiredService<IDocumentStore>();

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("grains");
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddLabKnowledge(connectionString);
            silo.Services.AddLabGrains();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    /// <summary>Deactivates every idle grain, so the next call rebuilds its state from the event store.</summary>
    public Task DeactivateAllAsync() =>
        Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GrainClusterCollection : ICollectionFixture<GrainClusterFixture>
{
    public const string Name = "grain cluster";
}
