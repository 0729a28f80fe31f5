using Lab.Client;
using Lab.Contracts.Pool;

namespace Lab.Worker;

/// <summary>
/// Tells the pool, every few seconds (at once when a run starts or ends), that this node is alive, which devices it
/// offers and how they are used, and what its runs did; applies the answer (what to run and stop). On shutdown the runs checkpoint and stop,
/// and the pool hears it, so they resume elsewhere without waiting for the heartbeat timeout.
/// </summary>
public sealed partial class HeartbeatService(
    NodeIdentity node,
    LabClient pool,
    RunSupervisor runs,
    HeartbeatStatus status,
    Microsoft.Extensions.Options.IOptions<WorkerOptions> options,
    ILogger<HeartbeatService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogReady(node.Name, runs.CheckpointRoot);
        while (!stoppingToken.IsCancellationRequested)
        {
            await BeatAsync(stoppingToken);
            try
            {
                await runs.Urgent.WaitAsync(options.Value.HeartbeatInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (runs.Running > 0)
        {
            await runs.StopAllAsync(options.Value.StopTimeout);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await BeatAsync(timeout.Token, applyOrders: false);
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken, bool applyOrders = true)
    {
        var reports = runs.Pending(out var more);
        try
        {
            var usage = DeviceUsageReader.Read(node.Machine, runs.Processes());
            var orders = await pool.HeartbeatAsync(node.Describe() with { Reports = reports, Usage = usage }, cancellationToken);
            runs.Acknowledge(reports);
            if (more)
            {
                runs.Urgent.Release(); // the rest right after: a run that logs often outpaces one heartbeat's share
            }
            status.Succeeded();
            if (applyOrders)
            {
                runs.Apply(orders);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            status.Failed(e.Message);
            LogFailed(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} joins the pool; run folders under {Root}")]
    private partial void LogReady(string node, string root);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat to the pool failed: {Reason}")]
    private partial void LogFailed(string reason);
}
