using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lab.Training.Configuration;
using Spectre.Console;

namespace Lab.Cli.Bench;

/// <summary>
/// <c>lab bench quality</c>: does the MoE model learn more than the dense model of equal active parameters, for the
/// same tokens and for the same time, on this machine? Both trained in the same run, on the same data and seed.
/// </summary>
public static class QualityBenchCommand
{
    /// <summary>Quick by default (about a minute here); <c>--preset small --steps 300</c> is the meaningful size (see the README).</summary>
    private const int DefaultSteps = 400;

    private const int DefaultEvalBatches = 32;

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "End with the figures as one line of JSON (progress goes to standard error)." };
        var preset = new Option<string>("--preset") { Description = "The models' size: tiny (the default, about a minute) or small.", DefaultValueFactory = _ => Presets.Tiny };
        var config = new Option<string?>("--config") { Description = "A run configuration file instead of --preset; its feed_forward is set to moe and to dense in turn." };
        var data = new Option<string?>("--data") { Description = "Training text: 'synthetic' (the built-in corpus) or a UTF-8 file or folder." };
        var tokenizer = new Option<TokenizerKind?>("--tokenizer") { Description = "Tokenisation: byte, char or bpe." };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps of the equal-token comparison (tokens = steps x batch_size x context_length).", DefaultValueFactory = _ => DefaultSteps };
        var budget = new Option<double?>("--time-budget") { Description = "Seconds of training for the equal-time comparison (default: what the MoE model took for --steps)." };
        var variants = new Option<string?>("--variants") { Description = $"Also train the MoE model with DeepSeek-V3's other options, comma-separated: {string.Join(", ", QualityVariants.Names)}." };
        var threads = new Option<int>("--threads") { Description = "Compute threads (0: one per core).", DefaultValueFactory = _ => 0 };
        var seed = new Option<long?>("--seed") { Description = "Seed of the weights, the synthetic corpus and the batch order." };
        var evalBatches = new Option<int>("--eval-batches") { Description = "Validation batches behind each validation loss (fixed windows, the same for every model).", DefaultValueFactory = _ => DefaultEvalBatches };
        var matmulSize = new Option<int>("--matmul-size") { Description = "Side of the square fp32 matmul that measures the machine's rate.", DefaultValueFactory = _ => 2048 };

        var command = new Command("quality", "Train the MoE model and the dense model of equal active parameters on the same data and seed, for the same tokens and for the same time: validation loss at both points, tokens per second and model FLOP utilisation.")
        {
            json, preset, config, data, tokenizer, steps, budget, variants, threads, seed, evalBatches, matmulSize,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            try
            {
                var configPath = parse.GetValue(config);
                var run = configPath is null ? Presets.Get(parse.GetValue(preset)!) : RunConfig.Load(configPath);
                run = run with
                {
                    Data = run.Data with
                    {
                        Source = parse.GetValue(data) ?? run.Data.Source,
                        Tokenizer = parse.GetValue(tokenizer) ?? run.Data.Tokenizer,
                    },
                    Training = run.Training with
                    {
                        Threads = parse.GetValue(threads),
                        Seed = parse.GetValue(seed) ?? run.Training.Seed,
                        EvalBatches = parse.GetValue(evalBatches),
                    },
                };
                var options = new QualityBenchOptions(
                    run,
                    configPath ?? parse.GetValue(preset)!.ToLowerInvariant(),
                    parse.GetValue(steps),
                    parse.GetValue(budget),
                    Variants(parse.GetValue(variants)),
                    parse.GetValue(matmulSize));
                Validate(options);
                var result = QualityBench.Run(options, line => Console.Error.WriteLine(line));
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

    private static IReadOnlyList<string> Variants(string? list)
    {
        var names = (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => n.ToLowerInvariant()).Distinct().ToList();
        var unknown = names.Where(n => !QualityVariants.Names.Contains(n)).ToList();
        return unknown.Count == 0 ? names
            : throw new ConfigException($"--variants: unknown {string.Join(", ", unknown.Select(u => $"'{u}'"))} (known: {string.Join(", ", QualityVariants.Names)})");
    }

    /// <summary>Everything checked before any work: the options, and every contender's configuration with the engine's own rules.</summary>
    private static void Validate(QualityBenchOptions options)
    {
        if (options.Steps < 1 || options.MatmulSize < 1 || options.Config.Training.EvalBatches < 1 || options.Config.Training.Threads < 0)
        {
            throw new ConfigException("--steps, --eval-batches and --matmul-size must be at least 1, --threads at least 0");
        }
        if (options.TimeBudgetSeconds is { } seconds && !(seconds > 0 && double.IsFinite(seconds)))
        {
            throw new ConfigException($"--time-budget must be a positive number of seconds, got {seconds.ToString(CultureInfo.InvariantCulture)}");
        }
        var moe = options.Config with { Model = options.Config.Model with { FeedForward = FeedForwardKind.Moe } };
        moe.EnsureValid();
        foreach (var variant in options.Variants)
        {
            var problems = (moe with { Model = QualityVariants.Apply(variant, moe.Model) }).Validate();
            if (problems.Count > 0)
            {
                throw new ConfigException($"--variants {variant}: {string.Join("; ", problems)}");
            }
        }
    }

    private static void Print(QualityBenchResult r)
    {
        AnsiConsole.MarkupLine($"[bold]Quality bench[/] ({Markup.Escape(r.Preset)}, data {Markup.Escape(r.Data)}, {r.Tokenizer} tokens, seed {r.Seed}): {r.Tokens} tokens ({r.Steps} steps) and {F(r.TimeBudgetS)} s of training each, {r.Threads} threads on {r.Device}; matmul {F(r.MatmulGflops)} GFLOP/s.");
        var table = new Table().AddColumns("model", "parameters (active)", "val loss, equal tokens", "val loss, equal time", "tokens in equal time", "tokens/s", "model FLOP utilisation");
        foreach (var m in r.Models)
        {
            table.AddRow(
                m.Name,
                $"{m.Parameters:N0} ({m.ActiveParameters:N0})",
                F(m.ValLossEqualTokens, "0.0000"),
                F(m.ValLossEqualTime, "0.0000"),
                m.TokensEqualTime.ToString("N0", CultureInfo.InvariantCulture),
                F(m.TokensPerS, "0"),
                $"{F(m.Mfu * 100, "0.0")} %");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"MoE minus dense validation loss: {F(r.MoeMinusDenseEqualTokens, "+0.0000;-0.0000")} at equal tokens, {F(r.MoeMinusDenseEqualTime, "+0.0000;-0.0000")} at equal time (negative: MoE ahead). A token costs the MoE model {F(r.MoeOverDenseSecondsPerToken, "0.00")} times the dense model's time.");
    }

    private static string F(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);
}
