using System.CommandLine;
using System.Runtime.InteropServices;
using Lab.Hosting;
using Spectre.Console;

namespace Lab.Cli.Up;

/// <summary><c>lab up</c>: the whole of Lab on this machine, on one URL, until Ctrl+C.</summary>
public static class UpCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port of the gateway, the one URL to open.", DefaultValueFactory = _ => 8080 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder for Lab's own PostgreSQL data (default: /var/lib/lab as root, else ~/.local/share/lab; LAB_DATA_DIR overrides)." };
        var tokenFile = new Option<string?>("--token-file") { Description = "Write an API token of the first member to this file." };
        var verbose = new Option<bool>("--verbose") { Description = "Show the services' informational logs." };

        var command = new Command("up", "Run Lab on this machine: PostgreSQL, the API with its Orleans silo, a worker, the portal and the gateway.")
        {
            port, dataDir, tokenFile, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new LocalLabOptions(
                parse.GetValue(port),
                parse.GetValue(dataDir) ?? LocalLabOptions.DefaultDataDirectory(),
                parse.GetValue(tokenFile),
                parse.GetValue(verbose));
            return await RunAsync(options, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(LocalLabOptions options, CancellationToken invocationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        var console = new StartupProgress();
        LocalLab? lab = null;
        try
        {
            lab = await LocalLab.StartAsync(options, console, stop.Token);
            console.Ready(lab);
            lab.Supervise(new Progress<string>(notice => AnsiConsole.MarkupLine($"[yellow]![/] [grey]{DateTime.Now:HH:mm:ss}[/] {Markup.Escape(notice)}")));
            await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            AnsiConsole.MarkupLine("[grey]Stopping Lab…[/]");
            return 0;
        }
        catch (PostgresNotFoundException e)
        {
            console.Fail(e.Message);
            return 2;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("[grey]Start interrupted; stopping what had started…[/]");
            return 130;
        }
        catch (Exception e)
        {
            console.Fail(e.Message);
            return 1;
        }
        finally
        {
            if (lab is not null)
            {
                await lab.DisposeAsync();
            }
            AnsiConsole.MarkupLine("[grey]Lab stopped.[/]");
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
