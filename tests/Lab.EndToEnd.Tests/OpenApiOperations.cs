using System.Text.Json;

namespace Lab.EndToEnd.Tests;

/// <summary>A JSON schema of the OpenAPI document, its <c>$ref</c>s and <c>oneOf</c>s followed: which JSON types it allows, its properties.</summary>
public sealed class OpenApiSchema(JsonElement schema, JsonElement document)
{
    private readonly JsonElement _schema = schema;
    private readonly JsonElement _document = document;

    public static readonly string[] AllTypes = ["string", "number", "integer", "boolean", "array", "object", "null"];

    public string? Format => Resolved.TryGetProperty("format", out var format) ? format.GetString() : null;

    /// <summary>The JSON types a value may have; all of them for a schema that says nothing (a free JSON value).</summary>
    public IReadOnlySet<string> Types
    {
        get
        {
            var resolved = Resolved;
            if (resolved.TryGetProperty("oneOf", out var oneOf) || resolved.TryGetProperty("anyOf", out oneOf))
            {
                return oneOf.EnumerateArray().SelectMany(s => new OpenApiSchema(s, _document).Types).ToHashSet();
            }
            if (resolved.TryGetProperty("type", out var type))
            {
                var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToHashSet() : [type.GetString()!];
                // A JSON integer is also a number: a schema that takes numbers takes integers.
                if (types.Contains("number"))
                {
                    types.Add("integer");
                }
                return types;
            }
            return resolved.TryGetProperty("enum", out _) ? new HashSet<string> { "string" } : AllTypes.ToHashSet();
        }
    }

    public IReadOnlyDictionary<string, OpenApiSchema> Properties
    {
        get
        {
            var resolved = Resolved;
            if (resolved.TryGetProperty("oneOf", out var oneOf))
            {
                return oneOf.EnumerateArray().Select(s => new OpenApiSchema(s, _document).Properties).FirstOrDefault(p => p.Count > 0)
                    ?? new Dictionary<string, OpenApiSchema>();
            }
            return resolved.TryGetProperty("properties", out var properties)
                ? properties.EnumerateObject().ToDictionary(p => p.Name, p => new OpenApiSchema(p.Value, _document))
                : new Dictionary<string, OpenApiSchema>();
        }
    }

    public IReadOnlyList<string> EnumValues
    {
        get
        {
            var resolved = Resolved;
            if (resolved.TryGetProperty("oneOf", out var oneOf))
            {
                return [.. oneOf.EnumerateArray().SelectMany(s => new OpenApiSchema(s, _document).EnumValues)];
            }
            return resolved.TryGetProperty("enum", out var values) ? [.. values.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)] : [];
        }
    }

    private JsonElement Resolved
    {
        get
        {
            var resolved = _schema;
            while (resolved.ValueKind == JsonValueKind.Object && resolved.TryGetProperty("$ref", out var reference))
            {
                resolved = _document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1]);
            }
            return resolved;
        }
    }
}

public sealed record OpenApiParameter(string Name, string In, OpenApiSchema Schema);

/// <summary>One operation of the API as its OpenAPI document describes it.</summary>
public sealed record OpenApiOperation(string Method, string Path, IReadOnlyList<OpenApiParameter> Parameters, OpenApiSchema? Body)
{
    public IEnumerable<OpenApiParameter> InPath => Parameters.Where(p => p.In == "path");
    public IEnumerable<OpenApiParameter> InQuery => Parameters.Where(p => p.In == "query");

    public override string ToString() => $"{Method} {Path}";

    public static IReadOnlyList<OpenApiOperation> AllIn(JsonElement document) =>
    [
        .. document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(method => method.Name != "parameters")
            .Select(method => new OpenApiOperation(
                method.Name.ToUpperInvariant(),
                path.Name,
                method.Value.TryGetProperty("parameters", out var parameters)
                    ? [.. parameters.EnumerateArray().Select(p => new OpenApiParameter(p.GetProperty("name").GetString()!, p.GetProperty("in").GetString()!,
                        new OpenApiSchema(p.GetProperty("schema"), document)))]
                    : [],
                method.Value.TryGetProperty("requestBody", out var body) && body.GetProperty("content").TryGetProperty("application/json", out var json)
                    ? new OpenApiSchema(json.GetProperty("schema"), document)
                    : null))),
    ];
}
