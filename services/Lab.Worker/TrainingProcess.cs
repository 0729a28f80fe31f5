using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Training.Checkpoints;
using Lab.Training.Protocol;

namespace Lab.Worker;

/// <summary>
/// One placement of a run: its own <c>train --json</c> process (see <see cref="TrainingProgram"/>), whose JSON lines become reports to the pool.
/// Stopping asks for a checkpoint first (SIGTERM: the engine checkpoints at the next step boundary and exits), and kills
/// only if the process does not stop in time; the end is reported once, from what the process said before it exited.
/// </summary>
public sealed partial class TrainingProcess : IDisposable
{
    private const int SigTerm = 15;

    /// <summary>Devices a refusal names at most, of those an engine reported.</summary>
    private const int NamedDevices = 8;

    private readonly Process _process;
    private readonly Action<RunReport> _report;
    private readonly Queue<string> _stderr = new();
    private readonly TimeSpan _stopTimeout;
    private readonly string _folder;
    private readonly TrainingLog _log;
    private RunReport? _end;
    private string? _error;
    private string? _incompatible;
    private string? _wrongDevices;
    private int _lastStep;
    private string? _lastCheckpoint;
    private volatile bool _stopRequested;

    private TrainingProcess(RunOrder order, RunPlacement placement, Process process, Action<RunReport> report, TimeSpan stopTimeout, string folder, TrainingLog log)
    {
        Order = order;
        Placement = placement;
        _process = process;
        _report = report;
        _stopTimeout = stopTimeout;
        _folder = folder;
        _log = log;
    }

    public RunOrder Order { get; }

    /// <summary>The devices it trains on.</summary>
    public RunPlacement Placement { get; }

    /// <summary>Its replicas' figures in its last progress line (per device); null before the first.</summary>
    public IReadOnlyList<DeviceFigures>? LastPerDevice { get; private set; }

    /// <summary>The training process' resident memory now; null once it has exited.</summary>
    public long? MemoryBytes
    {
        get
        {
            try
            {
                _process.Refresh();
                return _process.HasExited ? null : _process.WorkingSet64;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>Completes when the process has exited and its end was reported.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts the run in <paramref name="folder"/> (its configuration, data and checkpoints) inside the sandbox, on the
    /// devices of its <paramref name="placement"/>, resuming when a checkpoint is there.
    /// </summary>
    public static TrainingProcess Start(TrainingProgram program, TrainingSandbox sandbox, RunOrder order, string configuration, string folder, RunPlacement placement,
        TimeSpan stopTimeout, TrainingLog log, Action<RunReport> report)
    {
        Directory.CreateDirectory(folder);
        RunFolderLock.EndLeftover(folder);
        var config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, configuration);
        // The worker holds the run's standard input open: if the worker dies, the pipe closes and the run checkpoints and stops.
        List<string> arguments = ["train", "--config", config, "--out", folder, "--json", "--stop-when-input-ends", .. placement.Arguments];
        // The engine keeps its checkpoints in <out>/checkpoints; resuming with none there would be refused.
        var checkpoints = Path.Combine(folder, "checkpoints");
        if (Directory.Exists(checkpoints) && new CheckpointStore(checkpoints).List().Count > 0)
        {
            arguments.Add("--resume");
        }
        sandbox.PrepareFolder(order.RunId, folder);
        var start = program.StartInfo(arguments);
        foreach (var (name, value) in placement.Environment)
        {
            start.Environment[name] = value;
        }
        var process = new Process { StartInfo = sandbox.Wrap(start, order.RunId, folder, placement.MemoryShare), EnableRaisingEvents = true };
        var training = new TrainingProcess(order, placement, process, report, stopTimeout, folder, log);
        process.ErrorDataReceived += (_, e) => training.KeepError(e.Data);
        log.Write($"# placement {order.Attempt} starts at {DateTimeOffset.UtcNow:O}{(arguments.Contains("--resume") ? ", resuming from its last checkpoint" : "")}");
        process.Start();
        RunFolderLock.Claim(folder, process.Id);
        process.BeginErrorReadLine();
        training.Completion = Task.Run(training.ReadAsync);
        return training;
    }

    /// <summary>Asks the process to checkpoint and stop at the next step boundary; kills it if it has not within the stop timeout.</summary>
    public void RequestStop()
    {
        if (_stopRequested)
        {
            return;
        }
        _stopRequested = true;
        try
        {
            if (!_process.HasExited && Kill(_process.Id, SigTerm) != 0)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            return; // already gone
        }
        _ = Task.Delay(_stopTimeout).ContinueWith(_ => KillNow(), TaskScheduler.Default);
    }

    /// <summary>Ends the process at once (its lease is gone: someone else may run it now).</summary>
    public void KillNow()
    {
        _stopRequested = true;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        _process.Dispose();
        _log.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                Handle(line);
            }
            await _process.WaitForExitAsync();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            _error ??= e.Message;
        }
        var end = End();
        _log.Write($"# placement {Order.Attempt} ends at {end.At:O}: {end.Kind.ToString().ToLowerInvariant()}{(end.Message is null ? "" : ": " + end.Message)}");
        _report(end);
    }

    /// <summary>One line of the engine's standard output: an event of the training protocol, or text kept as an error.</summary>
    private void Handle(string line)
    {
        _log.Write(ServerPaths.Hide(Scrub(line)));
        TrainingEvent? trainingEvent;
        try
        {
            trainingEvent = TrainingProtocol.Read(line);
        }
        catch (JsonException)
        {
            KeepError(line);
            return;
        }
        if (_wrongDevices is not null)
        {
            return; // stopped for training where it should not: nothing it says after that counts
        }
        var now = DateTimeOffset.UtcNow;
        switch (trainingEvent)
        {
            case StartedEvent started when !TrainingProtocol.Reads(started.Protocol):
                _incompatible = $"the training engine writes version {started.Protocol} of the training events protocol; this worker reads up to version {TrainingProtocol.Version}. Give the worker an engine of its own version (Worker:TrainCommand)";
                KillNow();
                break;
            case StartedEvent started when DevicesMismatch(started) is { } mismatch:
                // Never let it train on devices another run may hold: it is stopped before its first step counts.
                _wrongDevices = mismatch;
                KillNow();
                break;
            case StartedEvent started:
                _lastStep = started.Step;
                _report(Report(RunReportKind.Started, now) with { Step = started.Step, Resumed = started.Resumed });
                break;
            case ProgressEvent progress:
                _lastStep = progress.Step;
                LastPerDevice = progress.PerDevice ?? LastPerDevice;
                // Every line, all its figures: the run's metrics keep them (within the lab's bound) and its page charts them.
                _report(Report(RunReportKind.Progress, now) with
                {
                    Step = progress.Step,
                    Loss = Finite(progress.Loss),
                    TokensPerS = Finite(progress.TokensPerS),
                    ExpertLoadMaxOverMean = Finite(progress.ExpertLoadMaxOverMean),
                    Figures = new TrainingFigures(progress.AuxLoss, progress.MtpLoss, progress.Lr, progress.GradNorm, progress.ModelGflopsPerS,
                        progress.ExpertLoadCv, progress.Tokens, progress.ElapsedS, Rows(progress.ExpertLoad), PerDevice: Devices(progress.PerDevice))
                        .Bounded(Placement.DeviceIds.Count),
                });
                break;
            case EvaluationEvent evaluation:
                _lastStep = evaluation.Step;
                _report(Report(RunReportKind.Progress, now) with
                {
                    Step = evaluation.Step,
                    ValLoss = Finite(evaluation.ValLoss),
                    Figures = new TrainingFigures(Tokens: evaluation.Tokens, ElapsedS: evaluation.ElapsedS, ExpertLoad: Rows(evaluation.ExpertLoad),
                        ExpertAffinity: evaluation.ExpertAffinity?.ToDictionary(a => a.Key, a => (IReadOnlyList<double>)a.Value)).Bounded(),
                });
                break;
            case CheckpointEvent checkpoint:
                _lastStep = checkpoint.Step;
                _lastCheckpoint = Relative(checkpoint.Path) ?? _lastCheckpoint;
                _report(Report(RunReportKind.Checkpointed, now) with { Step = checkpoint.Step, Checkpoint = _lastCheckpoint });
                break;
            case FinishedEvent finished:
                _lastStep = finished.Step;
                _end = Report(RunReportKind.Finished, now) with
                {
                    Step = finished.Step,
                    Loss = Finite(finished.Loss),
                    ValLoss = Finite(finished.ValLoss),
                    TokensPerS = Finite(finished.TokensPerS),
                    ModelGflopsPerS = Finite(finished.ModelGflopsPerS),
                    ExpertLoadMaxOverMean = Finite(finished.ExpertLoadMaxOverMean),
                    Checkpoint = Relative(finished.Checkpoint),
                };
                break;
            case StoppedEvent stopped:
                _lastStep = stopped.Step;
                _end = Report(RunReportKind.Stopped, now) with { Step = stopped.Step, Checkpoint = Relative(stopped.Checkpoint) };
                break;
            case ErrorEvent error:
                _error = Scrub(string.IsNullOrEmpty(error.Message) ? "the training engine reported an error" : error.Message);
                break;
        }
    }

    private RunReport End()
    {
        var now = DateTimeOffset.UtcNow;
        int? exitCode = _process.HasExited ? _process.ExitCode : null;
        if ((_incompatible ?? _wrongDevices) is { } misconfigured)
        {
            // Not the run's fault, but every try on this node would end the same way: an operator has to act.
            return Report(RunReportKind.Failed, now) with { Step = _lastStep, Message = misconfigured };
        }
        if (_end is not null && (exitCode == 0 || _end.Kind == RunReportKind.Stopped))
        {
            return _end with { At = now };
        }
        if (_stopRequested)
        {
            // Asked to stop and gone without saying so: it resumes from the last checkpoint it did report.
            return Report(RunReportKind.Stopped, now) with { Step = _lastStep, Message = "stopped before it could checkpoint" };
        }
        if (_error is not null)
        {
            // The engine said what is wrong (its configuration, its data): running it again would fail the same way.
            return Report(RunReportKind.Failed, now) with { Step = _lastStep, Message = $"The training process exited with code {exitCode?.ToString() ?? "?"}: {_error}" };
        }
        // Gone without a word: killed, out of memory, a crash. Not the run's fault: the pool starts it again from its checkpoint.
        var said = _stderr.Count > 0 ? ": " + Scrub(string.Join(" | ", _stderr)) : "";
        return Report(RunReportKind.Crashed, now) with
        {
            Step = _lastStep,
            Message = $"its training process died ({Died(exitCode)}){said}",
        };
    }

    /// <summary>
    /// Why the devices the engine says it trains on are not the ones the run leased (the same ids, in any order); null when
    /// they are. An engine that names none cannot be held to its lease, and is refused like one that names others.
    /// </summary>
    private string? DevicesMismatch(StartedEvent started)
    {
        var leased = string.Join(", ", Placement.DeviceIds);
        if (started.Devices is not { Count: > 0 } devices)
        {
            return $"the training engine did not say which devices it trains on (its started line has no devices), and the run leased {leased}: it was stopped before training. Give the worker an engine of its own version (Worker:TrainCommand)";
        }
        if (devices.Count == Placement.DeviceIds.Count && devices.ToHashSet(StringComparer.Ordinal).SetEquals(Placement.DeviceIds))
        {
            return null;
        }
        // Named within a report's length (the engine's words are not trusted to be short).
        var named = string.Join(", ", devices.Take(NamedDevices).Select(d => d.Length > 40 ? d[..40] + "…" : d))
            + (devices.Count > NamedDevices ? $" and {devices.Count - NamedDevices} more" : "");
        return $"the training process reported that it trains on {named}, and the run leased {leased} of this node: it was stopped before training rather than let it use devices it did not lease. The node's engine or its CUDA_VISIBLE_DEVICES needs an operator's look";
    }

    /// <summary>How a process ended, in words: .NET reports death by signal N as exit code 128 + N.</summary>
    private static string Died(int? exitCode) => exitCode switch
    {
        null => "exit code unknown",
        137 => "killed, exit code 137",
        > 128 and < 160 => $"signal {exitCode - 128}, exit code {exitCode}",
        _ => $"exit code {exitCode}",
    };

    /// <summary>
    /// A report as members read it: the run's folder is named as such, never by its path on this machine (reasons are
    /// readable by every member, and paths tell what a machine holds).
    /// </summary>
    private RunReport Report(RunReportKind kind, DateTimeOffset at) => new(Order.RunId, Order.Attempt, kind, at);

    private string Scrub(string message) => message.Replace(_folder, "the run's folder", StringComparison.Ordinal);

    /// <summary>A checkpoint as a path within the run's folder (<c>checkpoints/step-00000100.ckpt</c>).</summary>
    private string? Relative(string? path) => path is null ? null : Path.GetRelativePath(_folder, path);

    private void KeepError(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }
        _log.Write("stderr: " + ServerPaths.Hide(Scrub(line)));
        lock (_stderr)
        {
            _stderr.Enqueue(line.Length > 300 ? line[..300] : line);
            while (_stderr.Count > 5)
            {
                _stderr.Dequeue();
            }
        }
    }

    private static IReadOnlyList<RunDeviceFigures>? Devices(IReadOnlyList<DeviceFigures>? figures) =>
        figures?.Select(f => new RunDeviceFigures(f.Id, f.TokensPerS, f.MemoryBytes, f.Utilization)).ToList();

    private static IReadOnlyList<IReadOnlyList<double>>? Rows(IReadOnlyList<double[]>? matrix) => matrix?.Select(row => (IReadOnlyList<double>)row).ToList();

    /// <summary>A figure as the pool takes it: a diverged run's NaN or infinity is no figure at all.</summary>
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
