namespace Lab.Worker;

/// <summary>Tells the pool, every few seconds, that this node is alive and which devices it offers.</summary>
public sealed class HeartbeatService(
    NodeIdentity node,
    PoolClient pool,
    HeartbeatStatus status,
    Microsoft.Extensions.Options.IOptions<WorkerOptions> options,
    ILogger<HeartbeatService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval);
        do
        {
            try
            {
                await pool.HeartbeatAsync(node.Describe(), stoppingToken);
                status.Succeeded();
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                status.Failed(e.Message);
                logger.LogWarning("Heartbeat to the pool failed: {Reason}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
