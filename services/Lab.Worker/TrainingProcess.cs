using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Lab.Contracts.Pool;
using Lab.Training.Checkpoints;

namespace Lab.Worker;

/// <summary>
/// One placement of a run: its own <c>train --json</c> process (see <see cref="TrainingProgram"/>), whose JSON lines become reports to the pool.
/// Stopping asks for a checkpoint first (SIGTERM: the engine checkpoints at the next step boundary and exits), and kills
/// only if the process does not stop in time; the end is reported once, from what the process said before it exited.
/// </summary>
public sealed partial class TrainingProcess : IDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly Action<RunReport> _report;
    private readonly Queue<string> _stderr = new();
    private readonly TimeSpan _stopTimeout;
    private readonly string _folder;
    private RunReport? _end;
    private string? _error;
    private int _lastStep;
    private string? _lastCheckpoint;
    private volatile bool _stopRequested;

    private TrainingProcess(RunOrder order, Process process, Action<RunReport> report, TimeSpan stopTimeout, string folder)
    {
        Order = order;
        _process = process;
        _report = report;
        _stopTimeout = stopTimeout;
        _folder = folder;
    }

    public RunOrder Order { get; }

    /// <summary>Completes when the process has exited and its end was reported.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts the run in <paramref name="folder"/> (its configuration, data and checkpoints) inside the sandbox, resuming
    /// when a checkpoint is there.
    /// </summary>
    public static TrainingProcess Start(TrainingProgram program, TrainingSandbox sandbox, RunOrder order, string configuration, string folder, TimeSpan stopTimeout, Action<RunReport> report)
    {
        Directory.CreateDirectory(folder);
        RunFolderLock.EndLeftover(folder);
        var config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, configuration);
        // The worker holds the run's standard input open: if the worker dies, the pipe closes and the run checkpoints and stops.
        List<string> arguments = ["train", "--config", config, "--out", folder, "--json", "--stop-when-input-ends"];
        // The engine keeps its checkpoints in <out>/checkpoints; resuming with none there would be refused.
        var checkpoints = Path.Combine(folder, "checkpoints");
        if (Directory.Exists(checkpoints) && new CheckpointStore(checkpoints).List().Count > 0)
        {
            arguments.Add("--resume");
        }
        sandbox.PrepareFolder(order.RunId, folder);
        var process = new Process { StartInfo = sandbox.Wrap(program.StartInfo(arguments), order.RunId, folder), EnableRaisingEvents = true };
        var training = new TrainingProcess(order, process, report, stopTimeout, folder);
        process.ErrorDataReceived += (_, e) => training.KeepError(e.Data);
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

    public void Dispose() => _process.Dispose();

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
        _report(End());
    }

    private void Handle(string line)
    {
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(line).RootElement;
        }
        catch (JsonException)
        {
            KeepError(line);
            return;
        }
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("event", out var kind))
        {
            return;
        }
        var now = DateTimeOffset.UtcNow;
        var step = Int(json, "step") ?? _lastStep;
        _lastStep = step;
        switch (kind.GetString())
        {
            case "started":
                _report(Report(RunReportKind.Started, now) with { Step = step, Resumed = json.TryGetProperty("resumed", out var resumed) && resumed.ValueKind == JsonValueKind.True });
                break;
            case "progress":
                _report(Report(RunReportKind.Progress, now) with
                {
                    Step = step,
                    Loss = Number(json, "loss"),
                    TokensPerS = Number(json, "tokens_per_s"),
                    ExpertLoadMaxOverMean = Number(json, "expert_load_max_over_mean"),
                });
                break;
            case "eval":
                _report(Report(RunReportKind.Progress, now) with { Step = step, ValLoss = Number(json, "val_loss") });
                break;
            case "checkpoint":
                _lastCheckpoint = Relative(Text(json, "path")) ?? _lastCheckpoint;
                _report(Report(RunReportKind.Checkpointed, now) with { Step = step, Checkpoint = _lastCheckpoint });
                break;
            case "finished":
                _end = Report(RunReportKind.Finished, now) with
                {
                    Step = step,
                    Loss = Number(json, "loss"),
                    ValLoss = Number(json, "val_loss"),
                    TokensPerS = Number(json, "tokens_per_s"),
                    ModelGflopsPerS = Number(json, "model_gflops_per_s"),
                    ExpertLoadMaxOverMean = Number(json, "expert_load_max_over_mean"),
                    Checkpoint = Relative(Text(json, "checkpoint")),
                };
                break;
            case "stopped":
                _end = Report(RunReportKind.Stopped, now) with { Step = step, Checkpoint = Relative(Text(json, "checkpoint")) };
                break;
            case "error":
                _error = Scrub(Text(json, "message") ?? "the training engine reported an error");
                break;
        }
    }

    private RunReport End()
    {
        var now = DateTimeOffset.UtcNow;
        int? exitCode = _process.HasExited ? _process.ExitCode : null;
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
        lock (_stderr)
        {
            _stderr.Enqueue(line.Length > 300 ? line[..300] : line);
            while (_stderr.Count > 5)
            {
                _stderr.Dequeue();
            }
        }
    }

    private static int? Int(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i : null;

    private static double? Number(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
