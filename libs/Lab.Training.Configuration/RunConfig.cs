using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lab.Training.Configuration;

/// <summary>
/// Everything that defines a training run, in one record that round-trips through JSON.
/// A config file may name a <c>preset</c> and override only some fields of it.
/// </summary>
public sealed record RunConfig
{
    public ModelOptions Model { get; init; } = new();
    public TrainingOptions Training { get; init; } = new();
    public DataOptions Data { get; init; } = new();

    public string ToJson(bool indented = false) =>
        JsonSerializer.Serialize(this, indented ? LabJson.Indented : LabJson.Options);

    public static RunConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read config file '{path}': {e.Message}");
        }
        return FromJson(text, path);
    }

    public static RunConfig FromJson(string json, string source = "config")
    {
        try
        {
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            }) as JsonObject ?? throw new ConfigException($"{source}: the top level must be a JSON object");
            var merged = node.Remove("preset", out var preset)
                ? Merge(JsonSerializer.SerializeToNode(Presets.Get(preset!.GetValue<string>()), LabJson.Options)!.AsObject(), node)
                : node;
            return merged.Deserialize<RunConfig>(LabJson.Options)
                ?? throw new ConfigException($"{source}: empty configuration");
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{source}: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>The problems that make this configuration unusable; empty when it is valid.</summary>
    public IReadOnlyList<string> Validate() => ConfigValidator.Validate(this);

    public RunConfig EnsureValid()
    {
        var problems = Validate();
        return problems.Count == 0 ? this : throw new ConfigException(problems);
    }

    /// <summary>
    /// Whether a run with this configuration may continue a checkpoint written under <paramref name="saved"/>:
    /// only settings that do not change the arithmetic of a step may differ (length of the run, logging, evaluation,
    /// checkpoint cadence, threads).
    /// </summary>
    public bool CanResume(RunConfig saved) =>
        Model == saved.Model && Data == saved.Data && Training with
        {
            Steps = saved.Training.Steps,
            EvalEvery = saved.Training.EvalEvery,
            EvalBatches = saved.Training.EvalBatches,
            CheckpointEvery = saved.Training.CheckpointEvery,
            KeepCheckpoints = saved.Training.KeepCheckpoints,
            LogEvery = saved.Training.LogEvery,
            Threads = saved.Training.Threads,
        } == saved.Training;

    private static JsonObject Merge(JsonObject target, JsonObject overrides)
    {
        foreach (var (key, value) in overrides.ToList())
        {
            if (value is JsonObject child && target[key] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
        return target;
    }
}
