namespace Lab.Api.Infrastructure;

/// <summary>
/// When the API runs on its own (Aspire, Kubernetes), <c>Lab:Bootstrap:Token</c> names the first member's
/// token and <c>Lab:Bootstrap:Handle</c> their handle; the member and token are created at start if missing.
/// </summary>
public sealed class BootstrapService(IServiceProvider services, IConfiguration configuration, ILogger<BootstrapService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var token = configuration["Lab:Bootstrap:Token"];
        if (string.IsNullOrWhiteSpace(token))
        {
            return;
        }
        await FirstMember.EnsureTokenAsync(services, token.Trim(), configuration["Lab:Bootstrap:Handle"] ?? "operator", cancellationToken);
        logger.LogInformation("The bootstrap member's token is in place");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
