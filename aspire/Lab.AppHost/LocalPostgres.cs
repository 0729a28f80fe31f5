using Lab.Contracts;
using Lab.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Lab.AppHost;

internal static class LocalPostgres
{
    private const string EndpointName = "tcp";

    /// <summary>
    /// PostgreSQL from this machine's server programs, found and prepared as <c>lab up</c> does (<see cref="PostgresCluster"/>:
    /// <c>initdb</c> on first use in <c>{dataDir}/postgres</c>, a generated password kept beside it, the <c>postgres</c>
    /// account when run as root), then run in the foreground as an executable resource on a port Aspire picks. Its
    /// connection string is the <c>lab</c> resource, healthy once the <c>lab</c> database exists (it is created then).
    /// </summary>
    public static async Task<IResourceBuilder<ConnectionStringResource>> AddLocalPostgresAsync(this IDistributedApplicationBuilder builder, string name, string dataDir)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            throw new InvalidOperationException("Local PostgreSQL runs only with the AppHost (run mode); a published deployment needs a container or an external database (Lab:Postgres).");
        }
        var cluster = await PostgresCluster.PrepareAsync(dataDir);
        // A server left running by an AppHost that was killed holds the data folder.
        await cluster.StopLeftoverAsync();

        var (program, arguments) = cluster.ServerCommand();
        var server = builder.AddExecutable(name, program, cluster.ServerFolder, [.. arguments])
            .WithEndpoint(scheme: "tcp", name: EndpointName, env: "PGPORT", isProxied: false);
        var password = builder.AddParameter($"{name}-password", cluster.Password, secret: true);
        var port = server.GetEndpoint(EndpointName).Property(EndpointProperty.Port);
        var database = builder.AddConnectionString(LabServices.Database, ReferenceExpression.Create(
            $"Host=127.0.0.1;Port={port};Database={LabServices.Database};Username={PostgresCluster.SuperUser};Password={password}"));

        var ready = $"{LabServices.Database}-database-ready";
        builder.Services.AddHealthChecks().AddAsyncCheck(ready, async cancellationToken =>
        {
            var connectionString = await database.Resource.ConnectionStringExpression.GetValueAsync(cancellationToken)
                ?? throw new InvalidOperationException("The lab connection string is not resolved yet.");
            try
            {
                await PostgresCluster.EnsureDatabaseAsync(connectionString, cancellationToken: cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (NpgsqlException e)
            {
                // Expected for the first moments after the start: a line, not a stack trace.
                return HealthCheckResult.Unhealthy("PostgreSQL does not answer yet: " + e.Message);
            }
        });
        return database.WithHealthCheck(ready);
    }
}
