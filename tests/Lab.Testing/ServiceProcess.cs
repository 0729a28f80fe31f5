using System.Collections.Concurrent;
using System.Diagnostics;

namespace Lab.Testing;

/// <summary>One Lab service run on its own, as a deployment runs it: <c>dotnet Lab.X.dll</c> configured only through environment variables.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }
    public int ProcessId => _process.Id;
    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>Starts <c>services/Lab.{name}</c> (or <c>apps/Lab.{name}</c>) on a free port and waits until <c>/alive</c> answers.</summary>
    public static async Task<ServiceProcess> StartAsync(string folder, string name, IDictionary<string, string> environment)
    {
        var dll = RepositoryPaths.Program(folder, name);
        var url = $"http://127.0.0.1:{Lab.Hosting.FreePort.Next()}";
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = url;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var service = new ServiceProcess(new Process { StartInfo = start }, url);
        service._process.OutputDataReceived += (_, e) => service.Receive(e.Data);
        service._process.ErrorDataReceived += (_, e) => service.Receive(e.Data);
        service._process.Start();
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline && !service._process.HasExited)
        {
            try
            {
                using var alive = await http.GetAsync(url + "/alive");
                if (alive.IsSuccessStatusCode)
                {
                    return service;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        var output = service.Output;
        await service.DisposeAsync();
        throw new InvalidOperationException($"{name} did not come up at {url}:{Environment.NewLine}{output}");
    }

    /// <summary>SIGKILL: no goodbye, as a crash or the kernel's OOM killer ends a process.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Receive(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
