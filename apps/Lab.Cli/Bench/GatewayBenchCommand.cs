using System.CommandLine;
using Spectre.Console;
using static Lab.Cli.Bench.BenchOutput;

namespace Lab.Cli.Bench;

/// <summary><c>lab bench gateway</c>: requests per second and latency through the gateway against the API itself, in one run.</summary>
public static class GatewayBenchCommand
{
    public static Command Create()
    {
        var json = JsonOption();
        var connections = new Option<int>("--connections") { Description = "Connections sending requests at once.", DefaultValueFactory = _ => 16 };
        var seconds = new Option<double>("--seconds") { Description = "Length of each measured phase.", DefaultValueFactory = _ => 5 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of the four phases (read and stream, direct and through the gateway), alternating.", DefaultValueFactory = _ => 3 };
        var command = new Command("gateway", "Start a lab of its own and compare requests straight to the API with the same requests through the gateway (a read and a streamed answer): requests per second, the ratio, and the latency the gateway adds.")
        {
            json, connections, seconds, rounds,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(connections) is < 1 or > 512 || parse.GetValue(seconds) is < 0.5 or > 600 || parse.GetValue(rounds) is < 1 or > 100)
            {
                return Refuse("--connections is 1 to 512, --seconds 0.5 to 600, --rounds 1 to 100.");
            }
            var quiet = parse.GetValue(json);
            var progress = Progress(quiet);
            var result = await GatewayBench.RunAsync(parse.GetValue(connections), TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(rounds), progress, cancellationToken);
            if (quiet)
            {
                Figures(result);
                return 0;
            }
            var table = new Table().AddColumns("", "straight to the API", "through the gateway", "gateway ÷ direct", "added p50", "added p99");
            table.AddRow("read (ideas, 20)", F(result.DirectRps, "0") + " /s", F(result.GatewayRps, "0") + " /s", F(result.GatewayOverDirect, "0.000"), F(result.AddedP50Ms, "0.00") + " ms", F(result.AddedP99Ms, "0.00") + " ms");
            table.AddRow("streamed (run metrics)", F(result.StreamDirectRps, "0") + " /s", F(result.StreamGatewayRps, "0") + " /s", F(result.StreamGatewayOverDirect, "0.000"), F(result.StreamAddedP50Ms, "0.00") + " ms", F(result.StreamAddedP99Ms, "0.00") + " ms");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[grey]{result.Requests} requests, {result.Errors} errors; {result.Connections} connections; {result.Rounds} rounds of {result.SecondsPerPhase} s phases.[/]");
            return 0;
        });
        return command;
    }
}
