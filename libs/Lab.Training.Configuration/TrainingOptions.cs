namespace Lab.Training.Configuration;

/// <summary>The optimisation and the loop around it. Defaults are the <c>small</c> preset.</summary>
public sealed record TrainingOptions
{
    /// <summary>Total optimizer steps of the run; a resumed run continues up to this total.</summary>
    public int Steps { get; init; } = 2000;

    public int BatchSize { get; init; } = 8;
    public int GradientAccumulation { get; init; } = 1;
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>The cosine schedule ends at this fraction of the peak learning rate.</summary>
    public double MinLearningRateRatio { get; init; } = 0.1;

    public int WarmupSteps { get; init; } = 100;
    public double WeightDecay { get; init; } = 0.1;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;

    /// <summary>Global gradient-norm clip (0 turns clipping off).</summary>
    public double GradientClip { get; init; } = 1.0;

    public int EvalEvery { get; init; } = 200;
    public int EvalBatches { get; init; } = 8;
    public int CheckpointEvery { get; init; } = 500;

    /// <summary>How many checkpoints stay on disk; older ones are deleted after a newer one is written.</summary>
    public int KeepCheckpoints { get; init; } = 2;

    public int LogEvery { get; init; } = 10;
    public long Seed { get; init; } = 1;

    /// <summary>Intra-op threads; 0 means one per core.</summary>
    public int Threads { get; init; }

    public int TokensPerMicroBatch(int contextLength) => BatchSize * contextLength;
}
