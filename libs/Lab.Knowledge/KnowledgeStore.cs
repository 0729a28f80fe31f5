using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Lab.Knowledge.Ideas;
using Lab.Knowledge.Notes;
using Lab.Knowledge.Researchers;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Lab.Knowledge;

/// <summary>Registers Lab's Marten store: one PostgreSQL database holds the event log and every read model.</summary>
public static class KnowledgeStore
{
    public const string Schema = "lab";

    // Table names of the documents that search reads with SQL (mt_doc_<alias>).
    public const string IdeaAlias = "idea";
    public const string NoteAlias = "note";
    public const string InsightAlias = "insight";

    public static IServiceCollection AddLabKnowledge(this IServiceCollection services, string connectionString)
    {
        services.AddMarten(options => Configure(options, connectionString))
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
        // One clock: events are stamped by the same TimeProvider the grains decide with.
        services.ConfigureMarten((provider, options) => options.Events.TimeProvider = provider.GetService<TimeProvider>() ?? TimeProvider.System);
        // After Marten's own start-up work, which creates the tables whose triggers keep the index.
        services.AddHostedService<Reading.SearchIndex.Setup>();
        return services;
    }

    /// <summary>Connections one process may hold for the event store and the read models, unless the connection string says.</summary>
    public const int DefaultMaxPoolSize = 20;

    /// <summary>
    /// The connection string with a bounded pool: Npgsql's default of 100 is PostgreSQL's own default limit, so a single
    /// busy process could take every connection the server has. Several replicas and the portal share the server too.
    /// </summary>
    public static string Bounded(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!new[] { "Maximum Pool Size", "Max Pool Size", "MaxPoolSize" }.Any(given.ContainsKey))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }
        return builder.ConnectionString;
    }

    /// <summary>The store's shape, shared by the services and the tests so both see the same schema.</summary>
    public static void Configure(StoreOptions options, string connectionString)
    {
        options.Connection(Bounded(connectionString));
        options.DatabaseSchemaName = Schema;
        options.Events.DatabaseSchemaName = Schema;
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        // Rich appends check the expected stream version inside the transaction that writes the events,
        // which is what the grains' optimistic concurrency relies on.
        options.Events.AppendMode = EventAppendMode.Rich;
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        // Trigram similarity makes search forgive typos.
        options.Storage.ExtendedSchemaObjects.Add(new Weasel.Postgresql.Extension("pg_trgm"));

        EventLog.Register(options);
        options.Projections.Add<IdeaSummaryProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<IdeaSummary>().DocumentAlias(IdeaAlias).Index(x => x.ProposedAt).Index(x => x.LastActivityAt).Index(x => x.TeamSize);
        options.Projections.Add<IdeaLinkProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<IdeaLink>().Index(x => x.ToIdeaId);
        options.Projections.Add<IdeaActivityProjection>(ProjectionLifecycle.Inline);

        options.Projections.Add<NoteProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<InsightProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<Note>().DocumentAlias(NoteAlias).Index(x => x.AttachedId).Index(x => x.WrittenAt).Index(x => x.AuthorId);
        options.Schema.For<Insight>().DocumentAlias(InsightAlias).Index(x => x.IdeaId).Index(x => x.PublishedAt).Index(x => x.AuthorId);

        options.Projections.Add<ResearcherProfileProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<ResearcherProfile>().UniqueIndex(x => x.Handle);
        options.Projections.Add<AccessTokenProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<AccessToken>().UniqueIndex(x => x.Hash).Index(x => x.ResearcherId);
        options.Projections.Add<InvitationProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<Invitation>().UniqueIndex(x => x.Hash).Index(x => x.InvitedBy).Index(x => x.IssuedAt);
        options.Projections.Add<Pool.PoolNodesProjection>(ProjectionLifecycle.Inline);
        Runs.RunsKnowledge.Register(options);
        Datasets.DatasetStore.Register(options);
    }
}
