using System.Globalization;
using Lab.Contracts.Runs;

namespace Lab.Portal.Components;

/// <summary>What a run trains, in the few words a table cell holds.</summary>
public static class RunSetupWords
{
    /// <summary>"tiny · d64×2", "d128×4 · dense", "small · d256×4 · MLA"; a dash when the configuration could not be read.</summary>
    public static string Model(RunSetup? setup) => setup is null ? "–" : string.Join(" · ", new[]
    {
        setup.Preset,
        string.Create(CultureInfo.InvariantCulture, $"d{setup.ModelDim}×{setup.Layers}"),
        setup.FeedForward == "dense" ? "dense" : null,
        setup.Attention == "mla" ? "MLA" : null,
    }.OfType<string>());

    /// <summary>"8 × top-2 + 1 shared"; "dense" for the baseline.</summary>
    public static string Experts(RunSetup? setup) => setup switch
    {
        null => "–",
        { FeedForward: "dense" } => "dense",
        _ => string.Create(CultureInfo.InvariantCulture, $"{setup.RoutedExperts} × top-{setup.TopK} + {setup.SharedExperts} shared"),
    };

    /// <summary>"200 steps · batch 8 · lr 0.003".</summary>
    public static string Training(RunSetup? setup, int totalSteps) => setup is null
        ? string.Create(CultureInfo.InvariantCulture, $"{totalSteps} steps")
        : string.Create(CultureInfo.InvariantCulture, $"{setup.Steps} steps · batch {setup.BatchSize} · lr {setup.LearningRate:0.#####}");
}
