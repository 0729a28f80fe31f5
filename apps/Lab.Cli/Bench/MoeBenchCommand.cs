using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lab.Training.Configuration;
using Lab.Training.Protocol;
using Spectre.Console;

namespace Lab.Cli.Bench;

/// <summary>
/// <c>lab bench moe</c>: one MoE feed-forward layer of a preset against the dense layer with the same active
/// parameters and against the machine's matmul rate, all measured in the same run.
/// </summary>
public static class MoeBenchCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "End with the figures as one line of JSON." };
        var preset = new Option<string>("--preset") { Description = "Whose layer to measure: tiny or small.", DefaultValueFactory = _ => Presets.Small };
        var config = new Option<string?>("--config") { Description = "A run configuration file whose model section gives the layer (instead of --preset)." };
        var tokens = new Option<int?>("--tokens") { Description = "Tokens per forward pass (default: one batch of the configuration, batch_size x context_length)." };
        var threads = new Option<int>("--threads") { Description = "Compute threads for every measurement (0: one per core).", DefaultValueFactory = _ => 0 };
        var repetitions = new Option<int>("--repetitions") { Description = "Timed repetitions per measurement; the median is reported.", DefaultValueFactory = _ => 15 };
        var matmulSize = new Option<int>("--matmul-size") { Description = "Side of the square fp32 matmul that measures the machine's rate.", DefaultValueFactory = _ => 2048 };

        var command = new Command("moe", "Time forward+backward of one MoE layer against the dense layer with the same active parameters, and the machine's fp32 matmul rate.")
        {
            json, preset, config, tokens, threads, repetitions, matmulSize,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            try
            {
                var configPath = parse.GetValue(config);
                var run = (configPath is null ? Presets.Get(parse.GetValue(preset)!) : RunConfig.Load(configPath)).EnsureValid();
                var options = new MoeBenchOptions(
                    run.Model,
                    configPath ?? parse.GetValue(preset)!.ToLowerInvariant(),
                    parse.GetValue(tokens) ?? run.Training.BatchSize * run.Model.ContextLength,
                    parse.GetValue(threads),
                    parse.GetValue(repetitions),
                    parse.GetValue(matmulSize),
                    CompareLoop: true,
                    run.Training.Seed);
                if (options.Tokens < 1 || options.Repetitions < 1 || options.MatmulSize < 1 || options.Threads < 0)
                {
                    throw new ConfigException("--tokens, --repetitions and --matmul-size must be at least 1, --threads at least 0");
                }
                if (!asJson)
                {
                    AnsiConsole.MarkupLine($"[grey]Measuring the {Markup.Escape(options.Preset)} MoE layer on {options.Tokens} tokens…[/]");
                }
                var result = MoeBench.Run(options);
                if (asJson)
                {
                    Console.WriteLine(JsonSerializer.Serialize(result, LabJson.Options));
                }
                else
                {
                    Print(result);
                }
                return 0;
            }
            catch (ConfigException e)
            {
                return BenchOutput.RefuseConfig(e.Message, asJson);
            }
        });
        return command;
    }

    private static void Print(MoeBenchResult r)
    {
        var c = r.Config;
        AnsiConsole.MarkupLine($"[bold]MoE layer bench[/] ({Markup.Escape(r.Preset)}): d={c.ModelDim}, {c.SharedExperts} shared + {c.RoutedExperts} routed experts of hidden {c.ExpertHidden}, top-{c.TopK}; dense twin hidden {c.DenseHidden}; {r.Tokens} tokens, {r.Threads} threads on {r.Device}, median of {r.Repetitions}.");
        var table = new Table().AddColumns("", "forward+backward", "useful GFLOP/s", "÷ dense");
        table.AddRow($"MoE ({r.Dispatch})", $"{F(r.MoeMs)} ms", F(r.MoeGflops), F(r.MoeOverDense, "0.000"));
        if (r.LoopMs is { } loop)
        {
            table.AddRow("MoE (per-expert loop)", $"{F(loop)} ms", "", F(loop / r.DenseMs, "0.000"));
        }
        table.AddRow("dense SwiGLU", $"{F(r.DenseMs)} ms", F(r.DenseGflops), "1.000");
        table.AddRow($"matmul {r.MatmulSize}³ fp32", "", F(r.MatmulGflops), "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"The MoE layer runs at {F(r.MoeOverMatmulRate * 100, "0")} % of the measured matmul rate; untrained router load max/mean {F(r.ExpertLoadMaxOverMean, "0.00")}.");
    }

    private static string F(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);
}
