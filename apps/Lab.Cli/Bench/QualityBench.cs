using System.Diagnostics;
using System.Globalization;
using Lab.Training;
using Lab.Training.Configuration;
using Lab.Training.Engine;
using Lab.Training.Protocol;
using static TorchSharp.torch;

namespace Lab.Cli.Bench;

/// <summary>
/// What MoE buys over dense on this machine: the MoE model and the dense model of equal active parameters (and any
/// variants) train on the same data with the same seed, first for the same number of tokens, then each for the same
/// training time (a fresh run whose length is set from its measured speed, so that its learning-rate schedule ends
/// with the budget). Validation loss at both points, speed, and model FLOP rate against the machine's matmul rate.
/// </summary>
internal static class QualityBench
{
    public static QualityBenchResult Run(QualityBenchOptions options, Action<string> progress)
    {
        var threads = ComputeDevices.ConfigureThreads(options.Config.Training.Threads);
        var device = ComputeDevices.Preferred;
        var loadBefore = LoadAverage();
        var matmul = new List<double>(MatmulRates(options.MatmulSize, device));
        using var folder = new BenchFolder();

        var contenders = Contenders(options);
        var equalTokens = contenders.Select(c => Train(c, options.Steps, folder, progress, "equal tokens")).ToList();
        // The budget is the MoE model's time for the token budget, unless given: the MoE run then serves both points.
        var budget = options.TimeBudgetSeconds ?? equalTokens[0].TrainSeconds;
        var equalTime = contenders.Zip(equalTokens, (contender, run) =>
        {
            var steps = Math.Max(1, (int)Math.Round(run.Steps * budget / run.TrainSeconds));
            return steps == run.Steps ? run : Train(contender, steps, folder, progress, $"equal time, {Seconds(budget)} s");
        }).ToList();

        matmul.AddRange(MatmulRates(options.MatmulSize, device));
        var matmulGflops = Median(matmul);
        var models = contenders.Select((c, i) => QualityModelResult.From(c, equalTokens[i], equalTime[i], matmulGflops)).ToList();
        var (moe, dense) = (models[0], models[1]);
        return new QualityBenchResult(
            MoeValLossEqualTokens: moe.ValLossEqualTokens,
            DenseValLossEqualTokens: dense.ValLossEqualTokens,
            MoeValLossEqualTime: moe.ValLossEqualTime,
            DenseValLossEqualTime: dense.ValLossEqualTime,
            MoeTokensPerS: moe.TokensPerS,
            DenseTokensPerS: dense.TokensPerS,
            MoeMfu: moe.Mfu,
            DenseMfu: dense.Mfu,
            MoeMinusDenseEqualTokens: Round(moe.ValLossEqualTokens - dense.ValLossEqualTokens, 4),
            MoeMinusDenseEqualTime: Round(moe.ValLossEqualTime - dense.ValLossEqualTime, 4),
            MoeOverDenseSecondsPerToken: Round(dense.TokensPerS / moe.TokensPerS, 3),
            Steps: options.Steps,
            Tokens: equalTokens[0].Tokens,
            TimeBudgetS: Round(budget, 2),
            MatmulGflops: Round(matmulGflops, 1),
            MatmulGflopsRange: [Round(matmul.Min(), 1), Round(matmul.Max(), 1)],
            Threads: threads,
            Device: device.ToString(),
            Data: options.Config.Data.Source,
            Tokenizer: options.Config.Data.Tokenizer.ToString().ToLowerInvariant(),
            Preset: options.Preset,
            Seed: options.Config.Training.Seed,
            LoadAverage: [loadBefore, LoadAverage()],
            Models: models,
            Config: options.Config with { Training = options.Config.Training with { Steps = options.Steps } });
    }

    /// <summary>MoE first, its dense twin second, then the MoE model with each variant's options.</summary>
    private static List<Contender> Contenders(QualityBenchOptions options)
    {
        var config = options.Config;
        var moe = config with { Model = config.Model with { FeedForward = FeedForwardKind.Moe } };
        var contenders = new List<Contender>
        {
            new("moe", moe),
            new("dense", config with { Model = config.Model with { FeedForward = FeedForwardKind.Dense } }),
        };
        contenders.AddRange(options.Variants.Select(v => new Contender($"moe+{v}", moe with { Model = QualityVariants.Apply(v, moe.Model) })));
        return contenders;
    }

    private static TrainedRun Train(Contender contender, int steps, BenchFolder folder, Action<string> progress, string point)
    {
        progress($"{contender.Name}: {steps} steps ({point})…");
        var training = contender.Config.Training with
        {
            Steps = steps,
            EvalEvery = steps,
            CheckpointEvery = steps,
            KeepCheckpoints = 1,
            LogEvery = steps,
        };
        var events = new List<TrainingEvent>();
        var output = folder.Next(contender.Name);
        using (var trainer = Trainer.Start(contender.Config with { Training = training }, output, events.Add))
        {
            trainer.Run(new TrainingControl());
        }
        Directory.Delete(output, recursive: true);
        var started = events.OfType<StartedEvent>().Single();
        var finished = events.OfType<FinishedEvent>().Single();
        var run = new TrainedRun(steps, finished.Tokens, finished.Tokens / finished.TokensPerS, finished.ValLoss,
            events.OfType<EvaluationEvent>().First().ValLoss, started.Parameters, started.ActiveParameters, started.ModelFlopsPerToken);
        progress($"{contender.Name}: validation loss {run.ValLoss:F4} after {run.Tokens} tokens in {Seconds(run.TrainSeconds)} s of training");
        return run;
    }

    /// <summary>fp32 GFLOP/s of a square matmul, five timed repetitions after one warm-up.</summary>
    private static IEnumerable<double> MatmulRates(int size, Device device)
    {
        using var a = randn([size, size], device: device);
        using var b = randn([size, size], device: device);
        a.matmul(b).Dispose();
        var rates = new double[5];
        for (var i = 0; i < rates.Length; i++)
        {
            var clock = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            if (device.type == TorchSharp.DeviceType.CUDA)
            {
                cuda.synchronize();
            }
            rates[i] = 2.0 * Math.Pow(size, 3) / clock.Elapsed.TotalSeconds / 1e9;
        }
        return rates;
    }

    /// <summary>The one-minute load average, to say how busy the machine was (null where the system does not tell).</summary>
    private static double? LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Seconds(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture);

    internal static double Round(double value, int digits) => Math.Round(value, digits);

    /// <summary>Checkpoint folders of the bench's runs, under the system's temporary folder, removed at the end.</summary>
    private sealed class BenchFolder : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("lab-bench-quality-").FullName;
        private int _runs;

        public string Next(string name) => Path.Combine(_root, $"{++_runs:00}-{name}");

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }
}

/// <summary>A model the bench trains: a name (<c>moe</c>, <c>dense</c>, <c>moe+mtp</c>...) and its whole run configuration.</summary>
internal sealed record Contender(string Name, RunConfig Config);

/// <summary>One training run of a contender: its length, its training time (evaluation and checkpoints excluded) and where it ended.</summary>
internal sealed record TrainedRun(int Steps, long Tokens, double TrainSeconds, double ValLoss, double StartValLoss, long Parameters, long ActiveParameters, double ModelFlopsPerToken);

/// <summary>The variants <c>--variants</c> adds to the comparison: DeepSeek-V3's other options on the MoE model.</summary>
internal static class QualityVariants
{
    public static IReadOnlyList<string> Names { get; } = ["mtp", "mla", "mtp+mla"];

    public static ModelOptions Apply(string variant, ModelOptions model) => variant switch
    {
        "mtp" => model with { MtpDepth = Math.Max(1, model.MtpDepth) },
        "mla" => model with { Attention = AttentionKind.Mla },
        "mtp+mla" => model with { MtpDepth = Math.Max(1, model.MtpDepth), Attention = AttentionKind.Mla },
        _ => throw new ConfigException($"unknown variant '{variant}' (known: {string.Join(", ", Names)})"),
    };
}

internal sealed record QualityBenchOptions(RunConfig Config, string Preset, int Steps, double? TimeBudgetSeconds, IReadOnlyList<string> Variants, int MatmulSize);

/// <summary>
/// One contender's figures. Losses are natural-log cross-entropy per token on the same fixed validation windows, from
/// the main next-token head (a prediction module's own head is never evaluated). <c>tokens_per_s</c> and
/// <c>model_gflops_per_s</c> are over all of its training steps (both runs when it trained twice); <c>mfu</c> is that
/// FLOP rate over the machine's measured matmul rate. The rest of its configuration is the bench's <c>config</c>.
/// </summary>
internal sealed record QualityModelResult(
    string Name,
    long Parameters,
    long ActiveParameters,
    double ModelFlopsPerToken,
    double StartValLoss,
    int StepsEqualTokens,
    long TokensEqualTokens,
    double SecondsEqualTokens,
    double ValLossEqualTokens,
    int StepsEqualTime,
    long TokensEqualTime,
    double SecondsEqualTime,
    double ValLossEqualTime,
    double TokensPerS,
    double ModelGflopsPerS,
    double Mfu,
    FeedForwardKind FeedForward,
    AttentionKind Attention,
    int MtpDepth)
{
    public static QualityModelResult From(Contender contender, TrainedRun equalTokens, TrainedRun equalTime, double matmulGflops)
    {
        var runs = ReferenceEquals(equalTokens, equalTime) ? [equalTokens] : new[] { equalTokens, equalTime };
        var tokensPerS = runs.Sum(r => r.Tokens) / runs.Sum(r => r.TrainSeconds);
        var gflops = tokensPerS * equalTokens.ModelFlopsPerToken / 1e9;
        return new QualityModelResult(
            contender.Name,
            equalTokens.Parameters,
            equalTokens.ActiveParameters,
            equalTokens.ModelFlopsPerToken,
            QualityBench.Round(equalTokens.StartValLoss, 4),
            equalTokens.Steps,
            equalTokens.Tokens,
            QualityBench.Round(equalTokens.TrainSeconds, 2),
            QualityBench.Round(equalTokens.ValLoss, 4),
            equalTime.Steps,
            equalTime.Tokens,
            QualityBench.Round(equalTime.TrainSeconds, 2),
            QualityBench.Round(equalTime.ValLoss, 4),
            QualityBench.Round(tokensPerS, 1),
            QualityBench.Round(gflops, 2),
            QualityBench.Round(gflops / matmulGflops, 4),
            contender.Config.Model.FeedForward,
            contender.Config.Model.Attention,
            contender.Config.Model.MtpDepth);
    }
}

/// <summary>
/// The figures of <c>lab bench quality</c>: the MoE model and its dense twin at equal tokens and at equal training
/// time, their speed and model FLOP utilisation, the run's settings and how busy the machine was
/// (<c>load_average</c>: the one-minute load average before and after), and every contender in <c>models</c>.
/// </summary>
internal sealed record QualityBenchResult(
    double MoeValLossEqualTokens,
    double DenseValLossEqualTokens,
    double MoeValLossEqualTime,
    double DenseValLossEqualTime,
    double MoeTokensPerS,
    double DenseTokensPerS,
    double MoeMfu,
    double DenseMfu,
    double MoeMinusDenseEqualTokens,
    double MoeMinusDenseEqualTime,
    double MoeOverDenseSecondsPerToken,
    int Steps,
    long Tokens,
    double TimeBudgetS,
    double MatmulGflops,
    double[] MatmulGflopsRange,
    int Threads,
    string Device,
    string Data,
    string Tokenizer,
    string Preset,
    long Seed,
    double?[] LoadAverage,
    IReadOnlyList<QualityModelResult> Models,
    RunConfig Config);
