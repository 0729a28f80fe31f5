namespace Lab.Training.Configuration;

/// <summary>Named starting points. <c>small</c> is the record defaults; <c>tiny</c> is for tests and smoke runs.</summary>
public static class Presets
{
    public const string Tiny = "tiny";
    public const string Small = "small";

    public static IReadOnlyList<string> Names { get; } = [Tiny, Small];

    public static RunConfig Get(string name) => name.ToLowerInvariant() switch
    {
        Tiny => TinyConfig,
        Small => new RunConfig(),
        _ => throw new ConfigException($"unknown preset '{name}' (known: {string.Join(", ", Names)})"),
    };

    /// <summary>A step in tens of milliseconds on 2 CPU cores; learns the synthetic corpus' easy structure in a few hundred steps.</summary>
    private static RunConfig TinyConfig { get; } = new()
    {
        Model = new ModelOptions
        {
            ContextLength = 64,
            ModelDim = 64,
            Layers = 2,
            Heads = 4,
            SharedExperts = 1,
            RoutedExperts = 8,
            TopK = 2,
            ExpertHidden = 32,
        },
        Training = new TrainingOptions
        {
            Steps = 200,
            BatchSize = 8,
            LearningRate = 3e-3,
            WarmupSteps = 20,
            EvalEvery = 50,
            EvalBatches = 4,
            CheckpointEvery = 100,
            LogEvery = 10,
        },
        Data = new DataOptions
        {
            SyntheticChars = 200_000,
            BpeVocabSize = 384,
        },
    };
}
