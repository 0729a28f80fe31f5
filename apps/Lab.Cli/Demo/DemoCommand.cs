using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lab.Cli.Bench;
using Lab.Cli.Up;
using Lab.Hosting;
using Spectre.Console;

namespace Lab.Cli.Demo;

/// <summary>
/// <c>lab demo</c>: starts Lab as <c>lab up</c> does and plays a research group's first hour on it through the public
/// API (<see cref="DemoScenario"/>), showing each step; then stops it, or with <c>--keep</c> leaves it running to explore.
/// </summary>
public static class DemoCommand
{
    public const string Name = "demo";

    /// <summary>Exit codes: every step succeeded; a step failed (it is named); the options (or the machine) cannot work.</summary>
    public const int Succeeded = 0, StepFailed = 1, BadOptions = 2, Interrupted = 130;

    /// <summary>The gateway's port when <c>--port</c> is not given, if nothing listens there (else any free port).</summary>
    public const int PreferredPort = 8080;

    /// <summary>
    /// The demo's lab: two worker nodes (this machine's devices twice) so that the pool has something to share, and the
    /// pool's timing in seconds rather than minutes so that fair sharing preempts and resumes within the demo's few minutes.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> LabSettings = new Dictionary<string, string?>
    {
        ["Pool:MinRunTime"] = "00:00:02",
        ["Pool:PreemptAfter"] = "00:00:01",
        ["Worker:HeartbeatInterval"] = "00:00:01",
    };

    public const int WorkerNodes = 2;

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "End with what happened, read back from the lab, as one line of JSON." };
        var keep = new Option<bool>("--keep") { Description = "Leave the lab running afterwards, with its URL and logins, until Ctrl+C." };
        var port = new Option<int?>("--port")
        {
            Description = $"Port of the gateway, the one URL to open (default {PreferredPort} when free, else any free port).",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    return number;
                }
                result.AddError($"--port takes a port number from 1 to 65535 ('{text}' is not one).");
                return null;
            },
        };
        var dataDir = new Option<string?>("--data-dir") { Description = "Keep the lab's data in this folder (default: a throwaway folder, removed at the end)." };
        var command = new Command(Name, "Start Lab as 'lab up' does and fill it with a working research group through the API: invitations, ideas, teams forming and changing, runs competing for the pool (fair sharing, preemption, resumption), notes, an insight, a validated idea, search.")
        {
            json, keep, port, dataDir,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var chosenPort = parse.GetValue(port);
            if (chosenPort is < 1 or > 65535)
            {
                return Refuse($"--port must be between 1 and 65535 (it was {chosenPort}).");
            }
            if (chosenPort is { } busy && !IsFree(busy))
            {
                return Refuse($"Port {busy} is already in use: choose another with --port, or leave it out for a free one.");
            }
            var folder = parse.GetValue(dataDir);
            if (folder is not null && (string.IsNullOrWhiteSpace(folder) || File.Exists(folder)))
            {
                return Refuse($"--data-dir must name a folder ('{folder}' is {(File.Exists(folder) ? "a file" : "empty")}).");
            }
            var options = new DemoOptions(
                chosenPort ?? (IsFree(PreferredPort) ? PreferredPort : FreePort.Next()),
                folder is null ? null : Path.GetFullPath(folder),
                parse.GetValue(json),
                parse.GetValue(keep));
            return await RunAsync(options, cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// <c>lab demo</c> with options it cannot parse: a clear error and exit code 2 (other commands keep the command
    /// line library's own answer). Null when <paramref name="parse"/> is not such a call.
    /// </summary>
    public static int? RefuseBadOptions(ParseResult parse)
    {
        if (parse.Errors.Count == 0 || parse.CommandResult.Command.Name != Name)
        {
            return null;
        }
        return Refuse(string.Join(" ", parse.Errors.Select(e => e.Message)));
    }

    private static int Refuse(string why)
    {
        Console.Error.WriteLine($"lab demo: {why}");
        Console.Error.WriteLine("Usage: lab demo [--json] [--keep] [--port N] [--data-dir DIR]   (lab demo --help says more)");
        return BadOptions;
    }

    private static async Task<int> RunAsync(DemoOptions options, CancellationToken invocationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        var throwaway = options.DataDirectory is null ? CreateThrowawayFolder() : null;
        var dataDirectory = options.DataDirectory ?? throwaway!;
        var output = new DemoOutput(options.Json);
        var steps = new DemoSteps();
        var report = new DemoReport(options.Port, dataDirectory, steps);
        var startup = new StartupProgress();
        LocalLab? lab = null;
        try
        {
            AnsiConsole.MarkupLine($"[bold]lab demo[/]: a lab of its own ({Markup.Escape(throwaway is null ? $"data in {dataDirectory}" : "in a throwaway folder")}) with " +
                $"{WorkerNodes} worker nodes of this machine's devices, so that the pool has something to share, and its timing in seconds rather than minutes");
            var labOptions = new LocalLabOptions(options.Port, dataDirectory, TokenFile: null, Verbose: false) { Workers = WorkerNodes, Settings = LabSettings };
            lab = await LocalLab.StartAsync(labOptions, startup, stop.Token);
            startup.Finish();
            using (var scenario = new DemoScenario(new Uri(lab.Url), lab.Token, steps, stop.Token))
            {
                var figures = await scenario.PlayAsync();
                report.Figures = figures;
                DemoSummary.Show(figures, steps.Elapsed);
                if (options.Keep)
                {
                    report.Token = lab.Token;
                    report.Kept = true;
                    DemoSummary.Kept(lab, scenario.Logins, throwaway is not null);
                    output.Report(report);
                    await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                    output.Notice("Stopping Lab…");
                    return Succeeded;
                }
            }
            return Succeeded;
        }
        catch (PostgresNotFoundException e)
        {
            startup.Fail(e.Message);
            report.Fail("Starting Lab", e.Message);
            return BadOptions;
        }
        catch (DemoStepFailed e)
        {
            output.Notice($"[red bold]The demo failed at the step \"{Markup.Escape(e.Step)}\":[/] {Markup.Escape(e.Problem)}");
            report.Fail(e.Step, e.Problem);
            return StepFailed;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            output.Notice("[grey]Interrupted; stopping what had started…[/]");
            report.Fail("Interrupted", "stopped by a signal before the demo ended");
            return Interrupted;
        }
        catch (Exception e)
        {
            var step = lab is null ? "Starting Lab" : "The demo";
            if (lab is null)
            {
                startup.Fail(e.Message);
            }
            else
            {
                output.Notice($"[red bold]The demo failed:[/] {Markup.Escape(e.Message)}");
            }
            report.Fail(step, e.Message);
            return StepFailed;
        }
        finally
        {
            if (lab is not null)
            {
                await lab.DisposeAsync();
            }
            if (throwaway is not null)
            {
                await RemoveAsync(throwaway);
            }
            output.Notice(throwaway is null ? "[grey]Lab stopped; its data stays in " + Markup.Escape(dataDirectory) + ".[/]" : "[grey]Lab stopped and its throwaway folder removed.[/]");
            output.Report(report);
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>A folder of its own under the temporary folder, for a lab that lives only as long as the demo.</summary>
    private static string CreateThrowawayFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"lab-demo-{Environment.ProcessId}-{Guid.NewGuid():N}"[..^20]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static async Task RemoveAsync(string folder)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException && attempt < 10)
            {
                // PostgreSQL's last files may linger for a moment after it stopped.
                await Task.Delay(200);
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private sealed record DemoOptions(int Port, string? DataDirectory, bool Json, bool Keep);

    /// <summary>What the JSON line says; it fills in as the demo goes.</summary>
    private sealed class DemoReport(int port, string dataDirectory, DemoSteps steps)
    {
        public DemoFigures? Figures { get; set; }
        public string? Token { get; set; }
        public bool Kept { get; set; }
        public string? FailedStep { get; private set; }
        public string? Error { get; private set; }

        public void Fail(string step, string error) => (FailedStep, Error) = (step, error);

        public JsonObject ToJson()
        {
            var json = new JsonObject
            {
                ["succeeded"] = FailedStep is null && Figures is not null,
                ["failed_step"] = FailedStep,
                ["error"] = Error,
                ["steps_succeeded"] = steps.Succeeded,
                ["seconds"] = Math.Round(steps.Elapsed.TotalSeconds, 1),
            };
            if (Figures is not null && JsonSerializer.SerializeToNode(Figures, BenchOutput.Json) is JsonObject figures)
            {
                foreach (var (name, value) in figures)
                {
                    json[name] = value?.DeepClone();
                }
            }
            json["portal_url"] = $"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}";
            json["data_dir"] = dataDirectory;
            json["kept"] = Kept;
            if (Token is not null)
            {
                json["token"] = Token;
            }
            return json;
        }
    }

    /// <summary>
    /// Where the demo writes: progress and notices on standard output until the JSON line is printed (with <c>--json</c>),
    /// after it on standard error, so that the JSON line stays the last line of standard output.
    /// </summary>
    private sealed class DemoOutput(bool json)
    {
        private static readonly IAnsiConsole Stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        private bool _reported;

        public void Notice(string markup) => (_reported ? Stderr : AnsiConsole.Console).MarkupLine(markup);

        /// <summary>Prints the JSON line, once: the first report is the one that counts (a kept lab's, while it runs).</summary>
        public void Report(DemoReport report)
        {
            if (json && !_reported)
            {
                Console.Out.WriteLine(report.ToJson().ToJsonString());
                Console.Out.Flush();
            }
            _reported = true;
        }
    }
}
