using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Microsoft.Extensions.Logging;

namespace Lab.Grains.Pool;

/// <summary>
/// Where a worker's heartbeat goes, for the heartbeat endpoint. What the node's runs did (progress, evaluations,
/// checkpoints) goes to each run's grain, the runs side by side; only what changes the pool (the node's liveness and
/// devices, the leases that ended) goes through the one pool grain, with each run's start and last step so that the
/// pool can estimate when it ends. A run's own reports are recorded before the pool hears of its lease ending.
/// </summary>
public sealed partial class HeartbeatRouter(IGrainFactory grains, ILogger<HeartbeatRouter> logger)
{
    /// <summary>Records the heartbeat's reports and answers what the node should run.</summary>
    /// <exception cref="LabRefusedException">The heartbeat breaks <see cref="PoolRules"/>; nothing was recorded.</exception>
    public async Task<NodeOrders> RouteAsync(NodeHeartbeat heartbeat)
    {
        Refusals.ThrowIfAny(PoolRules.Validate(heartbeat));
        var reports = heartbeat.Reports ?? [];
        await Task.WhenAll(reports.Where(r => !r.EndsLease).GroupBy(r => r.RunId).Select(RecordAsync));
        return await grains.GetGrain<IPoolGrain>(0).Heartbeat(heartbeat with { Reports = ForPool(reports) });
    }

    /// <summary>One run's reports, in the order its worker saw them, in one write; a report of an earlier lease changes nothing.</summary>
    private async Task RecordAsync(IGrouping<Guid, RunReport> reports)
    {
        try
        {
            await grains.GetGrain<IRunGrain>(reports.Key).RecordAll([.. reports]);
        }
        catch (LabRefusedException e)
        {
            LogReportsRefused(reports.Key, reports.Count(), e.Message);
        }
    }

    /// <summary>
    /// What the pool hears: every report that ends a lease, every start, and, in place of each run's progress and
    /// checkpoints, the furthest step they reached (without their figures).
    /// </summary>
    private static RunReport[] ForPool(IReadOnlyList<RunReport> reports)
    {
        var furthest = new Dictionary<(Guid Run, int Attempt), (int Index, int Step)>();
        for (var i = 0; i < reports.Count; i++)
        {
            var r = reports[i];
            if (r.Kind is RunReportKind.Progress or RunReportKind.Checkpointed)
            {
                var step = furthest.TryGetValue((r.RunId, r.Attempt), out var seen) ? Math.Max(seen.Step, r.Step) : r.Step;
                furthest[(r.RunId, r.Attempt)] = (i, step);
            }
        }
        var heard = new List<RunReport>(reports.Count);
        for (var i = 0; i < reports.Count; i++)
        {
            var r = reports[i];
            if (r.EndsLease || r.Kind == RunReportKind.Started)
            {
                heard.Add(r);
            }
            else if (furthest[(r.RunId, r.Attempt)] is var position && position.Index == i)
            {
                heard.Add(new RunReport(r.RunId, r.Attempt, RunReportKind.Progress, r.At, position.Step));
            }
        }
        return [.. heard];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} reports of run {Run} were refused: {Reason}")]
    private partial void LogReportsRefused(Guid run, int count, string reason);
}
