using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lab.Contracts.Runs;

/// <summary>What a member sends to run an experiment: the idea it serves and the training engine's configuration.</summary>
/// <param name="Config">The training configuration as the engine reads it (<c>preset</c> plus overrides, e.g. <c>{"preset":"tiny","training":{"steps":200,"seed":3}}</c>).</param>
/// <param name="Devices">Devices on one node (default 1).</param>
/// <param name="Kind"><c>cpu</c> or <c>cuda</c>; any when left out.</param>
public sealed record RunSubmission(Guid? IdeaId, JsonElement? Config, int? Devices, string? Kind)
{
    /// <summary>
    /// A configuration as members give it: <paramref name="baseline"/> (a configuration file's object, or nothing)
    /// with a preset, a step count and a seed chosen on top.
    /// </summary>
    public static JsonElement Configuration(JsonObject? baseline, string? preset, long? steps, long? seed)
    {
        var config = baseline?.DeepClone().AsObject() ?? [];
        if (preset is not null)
        {
            config["preset"] = preset;
        }
        if (steps is not null || seed is not null)
        {
            if (config["training"] is not JsonObject training)
            {
                training = [];
                config["training"] = training;
            }
            if (steps is { } s)
            {
                training["steps"] = s;
            }
            if (seed is { } r)
            {
                training["seed"] = r;
            }
        }
        return JsonSerializer.SerializeToElement(config);
    }
}
