using System.Diagnostics;
using System.Text.Json.Nodes;
using Lab.Testing;

namespace Lab.Training.Tests;

/// <summary><c>lab train</c> (or <c>Lab.Worker train</c>) as a child process: its JSON lines as they come, standard input, signals, exit code.</summary>
internal sealed class LabTrainProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _raw = [];
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private LabTrainProcess(Process process) => _process = process;

    public static LabTrainProcess Start(params string[] arguments) => StartProgram(RepositoryPaths.LabCli, arguments);

    /// <summary>Starts <c>train</c> of another built program that has the command (the worker's).</summary>
    public static LabTrainProcess StartProgram(string program, params string[] arguments)
    {
        var lab = new LabTrainProcess(new Process { StartInfo = LabCommand.StartInfo(["train", .. arguments], program) });
        lab._process.OutputDataReceived += (_, e) => lab.Receive(e.Data);
        lab._process.ErrorDataReceived += (_, e) => lab.Receive(e.Data is null ? null : "stderr: " + e.Data);
        lab._process.Start();
        lab._process.BeginOutputReadLine();
        lab._process.BeginErrorReadLine();
        return lab;
    }

    /// <summary>Runs to the end and returns the exit code and every standard output line, each parsed as JSON.</summary>
    public static Task<(int ExitCode, List<JsonObject> Lines)> RunAsync(params string[] arguments) => RunProgramAsync(RepositoryPaths.LabCli, arguments);

    /// <summary>Like <see cref="RunAsync"/>, with another built program's <c>train</c> (the worker's).</summary>
    public static async Task<(int ExitCode, List<JsonObject> Lines)> RunProgramAsync(string program, params string[] arguments)
    {
        using var lab = StartProgram(program, arguments);
        var exitCode = await lab.WaitForExitAsync();
        return (exitCode, lab.Lines);
    }

    public List<JsonObject> Lines
    {
        get
        {
            // Every standard output line of --json must be one JSON object: parsing throws (and fails the test) otherwise.
            lock (_gate)
            {
                return _stdout.Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
            }
        }
    }

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _raw);
            }
        }
    }

    /// <summary>Waits for the first line that satisfies <paramref name="match"/>.</summary>
    public async Task<JsonObject> WaitForAsync(Func<JsonObject, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            if (Lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(timeout.Token);
                return Lines.FirstOrDefault(match) ?? throw new InvalidOperationException($"lab train exited without the awaited line:\n{Output}");
            }
            await _arrived.WaitAsync(TimeSpan.FromMilliseconds(200), timeout.Token);
        }
    }

    public Task WriteLineAsync(string line) => _process.StandardInput.WriteLineAsync(line);

    /// <summary>Closes the process's standard input, as the death of whoever held it open would.</summary>
    public void CloseStandardInput() => _process.StandardInput.Close();

    public void Signal(string name) => Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
        _arrived.Dispose();
    }

    private void Receive(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            _raw.Add(line);
            if (!line.StartsWith("stderr: ", StringComparison.Ordinal))
            {
                _stdout.Add(line);
            }
        }
        _arrived.Release();
    }
}
