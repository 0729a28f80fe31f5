using Lab.Hosting;
using Npgsql;

namespace Lab.Testing;

/// <summary>
/// One real PostgreSQL per test process, started from the machine's server programs in a throwaway folder
/// (or the server named by <c>LAB_TEST_CONNECTION</c>), with a fresh database for each fixture that asks.
/// </summary>
public static class TestPostgres
{
    public const string ConnectionVariable = "LAB_TEST_CONNECTION";

    private static readonly Lazy<Task<Server>> Shared = new(StartAsync);

    /// <summary>A new, empty database; its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string purpose)
    {
        var server = await Shared.Value;
        var name = $"test_{TestFolders.Short(purpose)}_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(server.AdminConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = name }.ConnectionString;
    }

    private sealed record Server(string AdminConnectionString);

    private static async Task<Server> StartAsync()
    {
        var given = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            return new Server(given);
        }
        var folder = TestFolders.Create("postgres");
        var postgres = await EmbeddedPostgres.StartAsync(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            postgres.StopAsync().GetAwaiter().GetResult();
            TestFolders.TryDelete(folder);
        };
        return new Server(postgres.ConnectionStringFor("postgres"));
    }
}
