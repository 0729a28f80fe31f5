using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Lab.Testing;

/// <summary>
/// <c>lab up</c> as a real child process, the way a person runs it: started, awaited until it prints
/// that Lab is running, and stopped with SIGTERM (or killed).
/// </summary>
public sealed partial class LabProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _standardOutput = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LabProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Url = $"http://localhost:{port}";
    }

    public int Port { get; }
    public string Url { get; }
    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>The lines it has written to standard output alone, so far.</summary>
    public IReadOnlyList<string> StandardOutputLines => [.. _standardOutput];
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Runs <c>lab</c> with <paramref name="arguments"/>; waits until the banner is printed when <paramref name="waitUntilRunning"/>.</summary>
    public static async Task<LabProcess> StartAsync(IEnumerable<string> arguments, int port, IDictionary<string, string?>? environment = null, bool waitUntilRunning = true)
    {
        var start = LabCommand.StartInfo(arguments);
        start.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }
        var lab = new LabProcess(new Process { StartInfo = start, EnableRaisingEvents = true }, port);
        lab._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lab._standardOutput.Enqueue(e.Data);
            }
            lab.Receive(e.Data);
        };
        lab._process.ErrorDataReceived += (_, e) => lab.Receive(e.Data);
        lab._process.Exited += (_, _) => lab._ready.TrySetException(new InvalidOperationException($"lab exited early:{Environment.NewLine}{lab.Output}"));
        lab._process.Start();
        lab._process.BeginOutputReadLine();
        lab._process.BeginErrorReadLine();
        if (waitUntilRunning)
        {
            await lab._ready.Task.WaitAsync(TimeSpan.FromMinutes(3));
        }
        return lab;
    }

    /// <summary>Starts <c>lab up</c> on a free port with its data in <paramref name="dataFolder"/>.</summary>
    public static Task<LabProcess> UpAsync(string dataFolder, params string[] extraArguments) =>
        UpAsync(dataFolder, new Dictionary<string, string?>(), extraArguments);

    /// <summary>Starts <c>lab up</c> as <see cref="UpAsync(string, string[])"/> does, with these environment variables set.</summary>
    public static Task<LabProcess> UpAsync(string dataFolder, IDictionary<string, string?> environment, params string[] extraArguments)
    {
        var port = Lab.Hosting.FreePort.Next();
        return StartAsync(["up", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dataFolder, .. extraArguments], port, environment);
    }

    /// <summary>An HTTP client of a running lab, presenting <paramref name="token"/> when given.</summary>
    public static HttpClient Client(string url, string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri(url) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>Asks lab to stop as Ctrl+C or a service manager would (SIGTERM) and waits for it.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15);
            await WaitForExitAsync(TimeSpan.FromSeconds(60));
        }
        return _process.ExitCode;
    }

    /// <summary>SIGKILL to lab itself only, as a crash: what it started (PostgreSQL, training processes) is left behind.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            await WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.Dispose();
        }
    }

    private void Receive(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        // The last line of the banner: everything above it (URL, login) has been printed.
        if (line.Contains("Press Ctrl+C to stop.", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
