using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Training;
using Lab.Training.Configuration;
using Microsoft.Extensions.Options;

namespace Lab.Worker;

/// <summary>
/// The training processes of this node, kept in line with what the pool wants (the orders in each heartbeat's answer),
/// and the reports they produced that the pool has not yet acknowledged.
/// </summary>
public sealed partial class RunSupervisor(IOptions<WorkerOptions> options, RunData data, NodeIdentity node, ILogger<RunSupervisor> logger) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, TrainingProcess> _processes = [];
    private readonly HashSet<(Guid Run, int Attempt)> _ended = [];
    private readonly List<RunReport> _pending = [];
    private readonly TrainingProgram _program = TrainingProgram.Resolve(options.Value.TrainCommand);
    private readonly TrainingSandbox _sandbox = new(options.Value, logger);
    private readonly SemaphoreSlim _urgent = new(0);

    public string CheckpointRoot { get; } = Path.GetFullPath(options.Value.CheckpointRoot ?? Path.Combine(LabDataFolder.Default(), "checkpoints"));

    /// <summary>Released when a report should reach the pool before the next regular heartbeat (a run started or ended).</summary>
    public SemaphoreSlim Urgent => _urgent;

    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _processes.Count;
            }
        }
    }

    /// <summary>The training processes running now.</summary>
    public IReadOnlyList<TrainingProcess> Processes()
    {
        lock (_lock)
        {
            return [.. _processes.Values];
        }
    }

    /// <summary>Where a run keeps its configuration and checkpoints: the same path on every node that shares the folder.</summary>
    public string FolderOf(Guid run) => RunFiles.FolderOf(CheckpointRoot, run);

    /// <summary>Starts what should run, stops what was asked to stop, and kills what is no longer leased here.</summary>
    public void Apply(NodeOrders orders)
    {
        lock (_lock)
        {
            foreach (var order in orders.Runs)
            {
                if (_processes.TryGetValue(order.RunId, out var process) && process.Order.Attempt == order.Attempt)
                {
                    if (order.Stop)
                    {
                        process.RequestStop();
                    }
                }
                else if (process is not null)
                {
                    process.KillNow(); // an older placement of the run: its lease is gone
                }
                else if (!_ended.Contains((order.RunId, order.Attempt)))
                {
                    if (order.Stop)
                    {
                        // Nothing runs here for it (this worker restarted): it has stopped, as asked.
                        EndWithoutProcess(order, RunReportKind.Stopped, "nothing was running on this node");
                    }
                    else
                    {
                        Start(order);
                    }
                }
            }
            var leased = orders.Runs.Select(o => o.RunId).ToHashSet();
            foreach (var (run, process) in _processes.Where(p => !leased.Contains(p.Key)).ToList())
            {
                LogLeaseGone(run);
                process.KillNow();
            }
        }
    }

    /// <summary>
    /// The oldest reports the pool has not acknowledged yet, as many as one heartbeat carries (at most
    /// <see cref="PoolRules.MaxReportsPerHeartbeat"/>, and about <see cref="HeartbeatReportBytes"/> of JSON, within the
    /// API's limit on a request); <paramref name="more"/> says whether others wait behind them.
    /// </summary>
    public IReadOnlyList<RunReport> Pending(out bool more)
    {
        lock (_lock)
        {
            var bytes = 0L;
            var count = 0;
            while (count < _pending.Count && count < PoolRules.MaxReportsPerHeartbeat)
            {
                bytes += ApproximateBytes(_pending[count]);
                if (bytes > HeartbeatReportBytes && count > 0)
                {
                    break;
                }
                count++;
            }
            more = count < _pending.Count;
            return _pending.GetRange(0, count);
        }
    }

    /// <summary>The JSON a heartbeat's reports may take: half the API's limit on a request body, leaving room for the rest.</summary>
    public const long HeartbeatReportBytes = LabServices.MaxRequestBodyBytes / 2;

    /// <summary>Reports kept while the pool cannot be reached; beyond, the oldest progress lines are dropped (never a start, a checkpoint or an end).</summary>
    public const int MaxPendingReports = 50_000;

    /// <summary>The pool took these reports: forget them.</summary>
    public void Acknowledge(IReadOnlyList<RunReport> sent)
    {
        lock (_lock)
        {
            foreach (var report in sent)
            {
                _pending.Remove(report);
            }
        }
    }

    /// <summary>Asks every process to checkpoint and stop (the worker is shutting down) and waits for them.</summary>
    public async Task StopAllAsync(TimeSpan timeout)
    {
        List<TrainingProcess> processes;
        lock (_lock)
        {
            processes = [.. _processes.Values];
        }
        foreach (var process in processes)
        {
            process.RequestStop();
        }
        await Task.WhenAny(Task.WhenAll(processes.Select(p => p.Completion)), Task.Delay(timeout));
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var process in _processes.Values)
            {
                process.KillNow();
                process.Dispose();
            }
            _processes.Clear();
        }
        _urgent.Dispose();
    }

    private void Start(RunOrder order)
    {
        var folder = FolderOf(order.RunId);
        string? config;
        try
        {
            Directory.CreateDirectory(folder);
            config = data.Prepare(order, folder, () => _urgent.Release());
        }
        catch (RunDataException e)
        {
            EndWithoutProcess(order, RunReportKind.Failed, e.Message);
            return;
        }
        if (config is null)
        {
            return; // its data is on its way; the next heartbeat starts it
        }
        RunPlacement placement;
        try
        {
            placement = RunPlacement.For(order.DeviceIndexes, node.Machine, Environment.GetEnvironmentVariable(CudaVisibility.Variable),
                RunConfig.FromJson(config, "config").Training.Threads);
        }
        catch (Exception e) when (e is ArgumentException or ConfigException)
        {
            EndWithoutProcess(order, RunReportKind.Failed, $"It cannot be placed on this node: {e.Message}");
            return;
        }
        var log = TrainingLog.Open(CheckpointRoot, order.RunId, options.Value.TrainingLogMaxBytes, out var logProblem);
        if (logProblem is not null)
        {
            LogNoTrainingLog(order.RunId, logProblem);
        }
        try
        {
            var process = TrainingProcess.Start(_program, _sandbox, order, config, folder, placement, options.Value.StopTimeout, log, Receive);
            _processes[order.RunId] = process;
            LogStarted(order.RunId, order.Attempt, process.ProcessId, string.Join(", ", placement.DeviceIds));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            log.Dispose();
            EndWithoutProcess(order, RunReportKind.Failed, $"The training process could not start ({_program}): {e.Message}");
        }
    }

    private void EndWithoutProcess(RunOrder order, RunReportKind kind, string message)
    {
        _ended.Add((order.RunId, order.Attempt));
        _pending.Add(new RunReport(order.RunId, order.Attempt, kind, DateTimeOffset.UtcNow, Message: message));
        _urgent.Release();
    }

    private void Receive(RunReport report)
    {
        lock (_lock)
        {
            // Every line is kept for the pool to record; only a pool out of reach for long makes the oldest progress go.
            if (_pending.Count >= MaxPendingReports && _pending.FindIndex(r => r.Kind == RunReportKind.Progress) is >= 0 and var oldest)
            {
                _pending.RemoveAt(oldest);
            }
            _pending.Add(report);
            if (report.EndsLease)
            {
                _ended.Add((report.RunId, report.Attempt));
                if (_processes.TryGetValue(report.RunId, out var process) && process.Order.Attempt == report.Attempt)
                {
                    _processes.Remove(report.RunId);
                    process.Dispose();
                }
                LogEnded(report.RunId, report.Attempt, report.Kind, report.Message);
            }
        }
        if (report.EndsLease || report.Kind == RunReportKind.Started)
        {
            _urgent.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {Run} (attempt {Attempt}) started as process {Pid} on {Devices}")]
    private partial void LogStarted(Guid run, int attempt, int pid, string devices);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {Run} (attempt {Attempt}) ended: {Kind} {Message}")]
    private partial void LogEnded(Guid run, int attempt, RunReportKind kind, string? message);

    /// <summary>A report's size in the heartbeat's JSON, roughly and never much below: its fixed fields, texts and figures.</summary>
    private static long ApproximateBytes(RunReport report)
    {
        var figures = report.Figures;
        var matrix = (figures?.ExpertLoad?.Sum(row => row.Count) ?? 0)
            + (figures?.ExpertAffinity?.Sum(a => a.Value.Count + a.Key.Length / 4 + 4) ?? 0);
        return 600 + 2 * ((report.Message?.Length ?? 0) + (report.Checkpoint?.Length ?? 0)) + 24L * matrix;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The training log of run {Run} cannot be written, it trains without one: {Reason}")]
    private partial void LogNoTrainingLog(Guid run, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {Run} is no longer leased to this node; its process is stopped")]
    private partial void LogLeaseGone(Guid run);
}
