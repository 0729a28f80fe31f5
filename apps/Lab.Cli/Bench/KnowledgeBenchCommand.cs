using System.CommandLine;
using Spectre.Console;
using static Lab.Cli.Bench.BenchOutput;

namespace Lab.Cli.Bench;

/// <summary><c>lab bench kb</c>: the knowledge base's writes, rebuild and search in a lab of its own.</summary>
public static class KnowledgeBenchCommand
{
    public static Command Create()
    {
        var json = JsonOption();
        var entries = new Option<int>("--entries") { Description = "Knowledge entries to search over (ideas, notes, insights).", DefaultValueFactory = _ => 100_000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Writes in flight at once through the grains.", DefaultValueFactory = _ => 16 };
        var seconds = new Option<double>("--seconds") { Description = "How long to write through the grains.", DefaultValueFactory = _ => 10 };
        var queries = new Option<int>("--queries") { Description = "Searches to time.", DefaultValueFactory = _ => 200 };
        var command = new Command("kb", "Start a lab of its own and measure the knowledge base: appends through the grains (one event a transaction) and in batches, a projection rebuilt from the log, and search over many entries.")
        {
            json, entries, concurrency, seconds, queries,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(entries) is < 100 or > 5_000_000 || parse.GetValue(concurrency) is < 1 or > 256 || parse.GetValue(seconds) is < 0.5 or > 600 || parse.GetValue(queries) is < 1 or > 100_000)
            {
                return Refuse("--entries is 100 to 5000000, --concurrency 1 to 256, --seconds 0.5 to 600, --queries 1 to 100000.");
            }
            var quiet = parse.GetValue(json);
            var progress = Progress(quiet);
            var r = await KnowledgeBench.RunAsync(parse.GetValue(entries), parse.GetValue(concurrency), TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(queries), progress, cancellationToken);
            if (quiet)
            {
                Figures(r);
                return 0;
            }
            var table = new Table().AddColumns("", "figure");
            table.AddRow("appends through the grains", $"{F(r.AppendsPerS, "0")} /s (p50 {F(r.AppendP50Ms, "0.0")} ms, p99 {F(r.AppendP99Ms, "0.0")} ms)");
            table.AddRow("processor time an append", $"{F(r.AppendCpuMsLab, "0.00")} ms in Lab, {F(r.AppendCpuMsPostgres, "0.00")} ms in PostgreSQL");
            table.AddRow("appends without the search index", $"{F(r.AppendsPerSWithoutIndex, "0")} /s");
            table.AddRow("batched appends", $"{F(r.BatchEventsPerS, "0")} events/s");
            table.AddRow("projection rebuild", $"{F(r.RebuildEventsPerS, "0")} events/s");
            table.AddRow($"search over {r.Entries} entries", $"p50 {F(r.SearchP50Ms, "0.0")} ms, p99 {F(r.SearchP99Ms, "0.0")} ms, max {F(r.SearchMaxMs, "0.0")} ms");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
