using Lab.Training.Configuration;

namespace Lab.Training.Engine;

/// <summary>
/// Linear warmup then cosine decay to a floor, as a pure function of the step: a resumed run needs no scheduler
/// state beyond the step number.
/// </summary>
public static class LearningRateSchedule
{
    /// <summary>The learning rate for step <paramref name="step"/> (1-based) of a run of <see cref="TrainingOptions.Steps"/>.</summary>
    public static double At(TrainingOptions options, int step)
    {
        var peak = options.LearningRate;
        if (step <= options.WarmupSteps)
        {
            return peak * step / Math.Max(1, options.WarmupSteps);
        }
        var decaySteps = Math.Max(1, options.Steps - options.WarmupSteps);
        var progress = Math.Clamp((double)(step - options.WarmupSteps) / decaySteps, 0, 1);
        var floor = peak * options.MinLearningRateRatio;
        return floor + (peak - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
