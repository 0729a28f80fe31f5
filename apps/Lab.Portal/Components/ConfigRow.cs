using System.Text.Json;

namespace Lab.Portal.Components;

/// <summary>
/// One field of several runs' configurations side by side (<c>model.top_k</c>: 2, 4, 2), and whether they differ. A
/// field one configuration lacks counts as a difference (its value is null).
/// </summary>
public sealed record ConfigRow(string Field, IReadOnlyList<string?> Values)
{
    public bool Differs => Values.Distinct().Skip(1).Any();

    /// <summary>Every field of every configuration (JSON), in the order they first appear, with each configuration's value.</summary>
    public static IReadOnlyList<ConfigRow> Compare(IReadOnlyList<string> configurations)
    {
        var flattened = configurations.Select(Flatten).ToList();
        var fields = flattened.SelectMany(f => f.Keys).Distinct().ToList();
        return [.. fields.Select(field => new ConfigRow(field, [.. flattened.Select(f => f.GetValueOrDefault(field))]))];
    }

    /// <summary>A configuration's fields by dotted name, each value as its JSON (arrays whole); nothing when it is not JSON.</summary>
    public static Dictionary<string, string?> Flatten(string json)
    {
        var fields = new Dictionary<string, string?>();
        try
        {
            using var document = JsonDocument.Parse(json);
            Add(fields, "", document.RootElement);
        }
        catch (JsonException)
        {
            fields["(configuration)"] = json;
        }
        return fields;
    }

    private static void Add(Dictionary<string, string?> fields, string prefix, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            fields[prefix.Length == 0 ? "(configuration)" : prefix] = element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
            return;
        }
        foreach (var property in element.EnumerateObject())
        {
            Add(fields, prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}", property.Value);
        }
    }
}
