using System.CommandLine;
using Spectre.Console;
using static Lab.Cli.Bench.BenchOutput;

namespace Lab.Cli.Bench;

/// <summary><c>lab bench grains</c>: grain calls in a silo, across two silos and through the API, in one run.</summary>
public static class GrainsBenchCommand
{
    public static Command Create()
    {
        var json = JsonOption();
        var grains = new Option<int>("--grains") { Description = "Ideas (grains) to call, spread over both silos.", DefaultValueFactory = _ => 200 };
        var concurrency = new Option<int>("--concurrency") { Description = "Calls in flight at once.", DefaultValueFactory = _ => 32 };
        var seconds = new Option<double>("--seconds") { Description = "Length of each measured phase.", DefaultValueFactory = _ => 5 };
        var command = new Command("grains", "Start two silos of a lab of their own and measure grain calls per second: in the silo, across the two silos, and through the API.")
        {
            json, grains, concurrency, seconds,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(grains) is < 10 or > 100_000 || parse.GetValue(concurrency) is < 1 or > 1024 || parse.GetValue(seconds) is < 0.5 or > 600)
            {
                return Refuse("--grains is 10 to 100000, --concurrency 1 to 1024, --seconds 0.5 to 600.");
            }
            var quiet = parse.GetValue(json);
            var progress = Progress(quiet);
            var r = await GrainsBench.RunAsync(parse.GetValue(grains), parse.GetValue(concurrency), TimeSpan.FromSeconds(parse.GetValue(seconds)), progress, cancellationToken);
            if (quiet)
            {
                Figures(r);
                return 0;
            }
            var table = new Table().AddColumns("", "calls per second", "÷ in the silo", "p50", "p99");
            table.AddRow("in the silo", F(r.CallsPerS, "0"), "1", F(r.LocalP50Ms, "0.000") + " ms", F(r.LocalP99Ms, "0.000") + " ms");
            table.AddRow("on the other silo", F(r.CrossSiloCallsPerS, "0"), F(r.CrossOverLocal, "0.000"), F(r.CrossSiloP50Ms, "0.000") + " ms", F(r.CrossSiloP99Ms, "0.000") + " ms");
            table.AddRow("through the API (GET /api/v1/me)", F(r.ClientCallsPerS, "0"), F(r.ClientOverLocal, "0.0000"), F(r.ClientP50Ms, "0.000") + " ms", F(r.ClientP99Ms, "0.000") + " ms");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
