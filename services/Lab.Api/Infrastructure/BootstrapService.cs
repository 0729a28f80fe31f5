using Lab.Contracts;
using Npgsql;

namespace Lab.Api.Infrastructure;

/// <summary>
/// When the API runs on its own (Aspire, Kubernetes), <c>Lab:Bootstrap:Token</c> names the first member's
/// token and <c>Lab:Bootstrap:Handle</c> their handle; the member and token are created at start if missing.
/// </summary>
public sealed class BootstrapService(IServiceProvider services, IConfiguration configuration, ILogger<BootstrapService> logger) : IHostedService
{
    /// <summary>An arbitrary, fixed advisory lock number for the bootstrap ("labboot" in ASCII).</summary>
    private const long LockKey = 0x6c6162626f6f74;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var token = configuration["Lab:Bootstrap:Token"];
        if (string.IsNullOrWhiteSpace(token))
        {
            return;
        }
        // Replicas that start together on a new database take turns, so the first member and the token are made once:
        // without this both would create a member and store the same token, and the second replica would fail to start.
        await using var connection = new NpgsqlConnection(configuration.GetConnectionString(LabServices.Database));
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var locking = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, transaction))
        {
            await locking.ExecuteNonQueryAsync(cancellationToken);
        }
        await FirstMember.EnsureTokenAsync(services, token.Trim(), configuration["Lab:Bootstrap:Handle"] ?? "operator", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("The bootstrap member's token is in place");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
