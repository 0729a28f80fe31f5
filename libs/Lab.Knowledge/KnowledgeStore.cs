using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Lab.Contracts.Ideas;
using Lab.Contracts.Researchers;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Researchers;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Lab.Knowledge;

/// <summary>Registers Lab's Marten store: one PostgreSQL database holds the event log and every read model.</summary>
public static class KnowledgeStore
{
    public const string Schema = "lab";

    public static IServiceCollection AddLabKnowledge(this IServiceCollection services, string connectionString)
    {
        services.AddMarten(options => Configure(options, connectionString))
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
        return services;
    }

    /// <summary>The store's shape, shared by the services and the tests so both see the same schema.</summary>
    public static void Configure(StoreOptions options, string connectionString)
    {
        options.Connection(connectionString);
        options.DatabaseSchemaName = Schema;
        options.Events.DatabaseSchemaName = Schema;
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        // Rich appends check the expected stream version inside the transaction that writes the events,
        // which is what the grains' optimistic concurrency relies on.
        options.Events.AppendMode = EventAppendMode.Rich;
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;

        options.Events.AddEventType<IdeaProposed>();
        options.Projections.Add<IdeaSummaryProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<IdeaSummary>().Index(x => x.ProposedAt);

        options.Events.AddEventType<ResearcherJoined>();
        options.Events.AddEventType<AccessTokenIssued>();
        options.Events.AddEventType<AccessTokenRevoked>();
        options.Projections.Add<ResearcherProfileProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<ResearcherProfile>().UniqueIndex(x => x.Handle);
        options.Schema.For<AccessToken>().UniqueIndex(x => x.Hash).Index(x => x.ResearcherId);
    }
}
