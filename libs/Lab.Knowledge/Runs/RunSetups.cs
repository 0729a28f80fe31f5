using Lab.Contracts.Runs;
using Lab.Training.Configuration;

namespace Lab.Knowledge.Runs;

/// <summary>A run's <see cref="RunSetup"/>, read from its configuration by the training engine's own reader.</summary>
public static class RunSetups
{
    /// <summary>The setup of <paramref name="config"/> (presets merged), or null when the engine cannot read it.</summary>
    public static RunSetup? Of(string config)
    {
        RunConfig resolved;
        try
        {
            resolved = RunConfig.FromJson(config);
        }
        catch (ConfigException)
        {
            return null;
        }
        var model = resolved.Model;
        var training = resolved.Training;
        return new RunSetup(
            Presets.Names.FirstOrDefault(name => Presets.Get(name).Model == model),
            Name(model.FeedForward),
            model.ModelDim,
            model.Layers,
            model.Heads,
            model.ContextLength,
            model.RoutedExperts,
            model.SharedExperts,
            model.TopK,
            model.ExpertHidden,
            Name(model.Attention),
            training.Steps,
            training.BatchSize,
            training.LearningRate,
            resolved.Data.Source,
            training.Seed);
    }

    private static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
