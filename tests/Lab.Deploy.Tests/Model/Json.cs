using System.Text.Json.Nodes;

namespace Lab.Deploy.Tests.Model;

/// <summary>Reading rendered objects by dotted paths (<c>spec.template.spec</c>); a missing step gives null.</summary>
public static class Json
{
    public static JsonNode? At(this JsonNode node, string path)
    {
        JsonNode? current = node;
        foreach (var step in path.Split('.'))
        {
            current = current is JsonObject o ? o[step] : null;
        }
        return current;
    }

    public static string? Str(this JsonNode node, string path) => node.At(path) is JsonValue value ? value.ToString() : null;

    public static int? Int(this JsonNode node, string path) => node.At(path) is JsonValue value && value.TryGetValue<int>(out var number) ? number : null;

    public static bool? Bool(this JsonNode node, string path) => node.At(path) is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    public static JsonObject? Obj(this JsonNode node, string path) => node.At(path) as JsonObject;

    public static IEnumerable<JsonObject> Array(this JsonNode node, string path) =>
        node.At(path) is JsonArray array ? array.OfType<JsonObject>() : [];

    public static IEnumerable<string> Strings(this JsonNode node, string path) =>
        node.At(path) is JsonArray array ? array.OfType<JsonValue>().Select(v => v.ToString()) : [];
}

/// <summary>Label maps and selectors as Kubernetes matches them.</summary>
public static class Labels
{
    public static IReadOnlyDictionary<string, string> Of(JsonNode? labels) =>
        labels is JsonObject map ? map.ToDictionary(p => p.Key, p => p.Value!.ToString()) : new Dictionary<string, string>();

    /// <summary>Every pair of the selector is on the object; an empty selector matches everything.</summary>
    public static bool Match(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);

    /// <summary>A full label selector (matchLabels and matchExpressions); null matches nothing.</summary>
    public static bool Match(JsonNode? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is not JsonObject)
        {
            return false;
        }
        return Match(Of(selector["matchLabels"]), labels) && selector.Array("matchExpressions").All(expression =>
        {
            var key = expression.Str("key")!;
            var values = expression.Strings("values").ToHashSet();
            var has = labels.TryGetValue(key, out var value);
            return expression.Str("operator") switch
            {
                "In" => has && values.Contains(value!),
                "NotIn" => !has || !values.Contains(value!),
                "Exists" => has,
                "DoesNotExist" => !has,
                var other => throw new NotSupportedException($"Unknown selector operator {other}"),
            };
        });
    }
}
