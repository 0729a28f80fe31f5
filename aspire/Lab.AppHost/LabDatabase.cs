using Lab.Contracts;

namespace Lab.AppHost;

internal static class LabDatabase
{
    public const string ServerName = "postgres";

    /// <summary>
    /// Lab's one database, <c>lab</c>, from the PostgreSQL that <see cref="AppHostSettings.Postgres"/> asks for or, when it
    /// is automatic, from what this machine has: the database <c>ConnectionStrings:lab</c> names, else a container where a
    /// container runtime answers, else the machine's own server programs.
    /// </summary>
    public static async Task<IResourceBuilder<IResourceWithConnectionString>> AddLabDatabaseAsync(this IDistributedApplicationBuilder builder, AppHostSettings settings)
    {
        var mode = await ChooseAsync(builder, settings.Postgres);
        return mode switch
        {
            PostgresMode.External => builder.AddConnectionString(LabServices.Database),
            PostgresMode.Container => builder.AddPostgres(ServerName).WithDataVolume().AddDatabase(LabServices.Database),
            _ => await builder.AddLocalPostgresAsync(ServerName, settings.DataDir),
        };
    }

    private static async Task<PostgresMode> ChooseAsync(IDistributedApplicationBuilder builder, PostgresMode asked)
    {
        var given = !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(LabServices.Database));
        if (asked == PostgresMode.External && !given)
        {
            throw new InvalidOperationException(
                $"Lab:Postgres is external but no connection string is given: set ConnectionStrings__{LabServices.Database}=\"Host=...;Database={LabServices.Database};Username=...;Password=...\".");
        }
        if (asked != PostgresMode.Automatic)
        {
            return asked;
        }
        if (given)
        {
            return PostgresMode.External;
        }
        // Publishing describes a deployment, which runs its database as a container (or is given one).
        return !builder.ExecutionContext.IsRunMode || await ContainerRuntime.IsHealthyAsync(builder.Configuration)
            ? PostgresMode.Container
            : PostgresMode.Local;
    }
}
