using Lab.Training.Configuration;
using Lab.Training.Engine;
using Lab.Training.Protocol;

namespace Lab.Training.Tests;

/// <summary>Small, fast, seeded runs shared by the engine tests.</summary>
internal static class TestRuns
{
    /// <summary>
    /// The tiny preset on a small synthetic corpus, logging every step. One thread: tiny matmuls gain little from a
    /// second, and a second thread waiting on a busy core (other test projects run alongside) costs a lot.
    /// </summary>
    public static RunConfig Tiny(int steps = 40, long seed = 7) => Presets.Get(Presets.Tiny) with
    {
        Training = Presets.Get(Presets.Tiny).Training with
        {
            Steps = steps,
            Seed = seed,
            Threads = 1,
            LogEvery = 1,
            EvalEvery = 1000,
            CheckpointEvery = 1000,
            WarmupSteps = Math.Min(10, steps / 4),
        },
        Data = Presets.Get(Presets.Tiny).Data with { SyntheticChars = 60_000 },
    };

    /// <summary>
    /// The tiny run with DeepSeek-V3's other options: <c>mtp</c> (one multi-token prediction module), <c>mla</c>
    /// (multi-head latent attention), both, or neither (<c>plain</c>).
    /// </summary>
    public static RunConfig Tiny(string variant, int steps = 40, long seed = 7)
    {
        var config = Tiny(steps, seed);
        var model = variant switch
        {
            "plain" => config.Model,
            "mtp" => config.Model with { MtpDepth = 1 },
            "mla" => config.Model with { Attention = AttentionKind.Mla },
            "mtp+mla" => config.Model with { MtpDepth = 1, Attention = AttentionKind.Mla },
            _ => throw new ArgumentException($"no test variant '{variant}'", nameof(variant)),
        };
        return config with { Model = model };
    }

    public static List<TrainingEvent> Run(RunConfig config, string output, TrainingControl? control = null, Action<TrainingEvent>? onEvent = null,
        IReadOnlyList<int>? devices = null)
    {
        var events = new List<TrainingEvent>();
        control ??= new TrainingControl();
        using var trainer = Trainer.Start(config, output, Collect(events, onEvent), devices);
        trainer.Run(control);
        return events;
    }

    public static List<TrainingEvent> Resume(RunConfig config, string output, TrainingControl? control = null, Action<TrainingEvent>? onEvent = null,
        IReadOnlyList<int>? devices = null)
    {
        var events = new List<TrainingEvent>();
        using var trainer = Trainer.Resume(config, output, Collect(events, onEvent), devices);
        trainer.Run(control ?? new TrainingControl());
        return events;
    }

    /// <summary>Training loss of every step, by step.</summary>
    public static SortedDictionary<int, double> Losses(IEnumerable<TrainingEvent> events) =>
        new(events.OfType<ProgressEvent>().ToDictionary(p => p.Step, p => p.Loss));

    private static Action<TrainingEvent> Collect(List<TrainingEvent> events, Action<TrainingEvent>? onEvent) => e =>
    {
        events.Add(e);
        onEvent?.Invoke(e);
    };
}
