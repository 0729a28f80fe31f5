using System.Text.Json;
using System.Text.Json.Serialization;
using Lab.Training.Configuration;

namespace Lab.Training.Protocol;

/// <summary>
/// The training events protocol: one JSON object per line, <c>{"event":"progress","step":10,...}</c>, written by
/// <c>lab train --json</c> and read by whoever runs it (the pool's worker). Both sides use the records of
/// <see cref="TrainingEvent"/> and the options here, so there is one description of every line.
/// </summary>
/// <remarks>
/// Versioning: the <c>started</c> line names the <see cref="Version"/> its writer speaks. Additions keep the version
/// (a new field in a line, a new kind of line): readers skip fields and lines they do not know. A change that an
/// older reader would misread (a field renamed, removed or given another meaning) raises it, and a reader refuses a
/// run whose version it does not <see cref="Reads">read</see>.
/// </remarks>
public static class TrainingProtocol
{
    /// <summary>The version this build writes and reads.</summary>
    public const int Version = 1;

    /// <summary>The field of every line that names its kind.</summary>
    public const string KindProperty = "event";

    /// <summary>
    /// The engine's JSON dialect (snake_case, named floating-point literals such as <c>"NaN"</c>), lenient where the
    /// protocol must be: fields a newer writer adds are skipped, and <c>event</c> may come anywhere in a line.
    /// </summary>
    public static JsonSerializerOptions Json { get; } = CreateOptions();

    private static readonly HashSet<string> Kinds = [.. Json.GetTypeInfo(typeof(TrainingEvent)).PolymorphismOptions!.DerivedTypes
        .Select(d => (string)d.TypeDiscriminator!)];

    /// <summary>Whether a run whose <c>started</c> line names <paramref name="version"/> can be read by this build.</summary>
    public static bool Reads(int version) => version is >= 1 and <= Version;

    /// <summary>The event as one line (without the line break), its kind first.</summary>
    public static string Write(TrainingEvent trainingEvent) => JsonSerializer.Serialize(trainingEvent, Json);

    /// <summary>
    /// The event a line holds; null for JSON that is no event this build knows (not an object, no kind, or a kind of
    /// line a newer writer added). Throws <see cref="JsonException"/> when the line is not JSON, or a known kind of
    /// line whose fields have the wrong types.
    /// </summary>
    public static TrainingEvent? Read(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        return root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty(KindProperty, out var kind)
            && kind.ValueKind == JsonValueKind.String
            && Kinds.Contains(kind.GetString()!)
            ? root.Deserialize<TrainingEvent>(Json)
            : null;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(LabJson.Options)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
            AllowOutOfOrderMetadataProperties = true,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
