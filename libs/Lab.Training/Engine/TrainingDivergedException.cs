namespace Lab.Training.Engine;

/// <summary>The loss stopped being a finite number; continuing would only spread NaNs into the checkpoint.</summary>
public sealed class TrainingDivergedException(int step, double loss)
    : Exception($"training diverged at step {step}: loss is {loss}; lower training.learning_rate or raise training.warmup_steps");
