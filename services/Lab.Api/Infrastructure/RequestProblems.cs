using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Lab.Api.Infrastructure;

/// <summary>One thing wrong with a request, in the caller's terms: the field, and what it should be.</summary>
public sealed record RequestProblem(int Status, string Title, string Detail, string? Field = null)
{
    public IDictionary<string, string[]>? Errors => Field is null ? null : new Dictionary<string, string[]> { [Field] = [Detail] };
}

/// <summary>
/// Says why a request could not be read without repeating the framework's and the serializer's messages, which name
/// .NET types (<c>Nullable&lt;int&gt; limit</c>, <c>Lab.Contracts.Ideas.ProposeIdea</c>) and ask about services.
/// </summary>
public static partial class RequestProblems
{
    private const string UnreadableBody = "The body is not valid JSON for this request";

    public static RequestProblem Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            var (field, detail) = Describe(json);
            return new RequestProblem(StatusCodes.Status400BadRequest, UnreadableBody, detail, field);
        }
        switch (bad.StatusCode)
        {
            case StatusCodes.Status413PayloadTooLarge:
                return new RequestProblem(bad.StatusCode, "The body is too large", $"Bodies are limited to {ApiServiceExtensions.MaxRequestBodyBytes / 1024} KiB.");
            case StatusCodes.Status415UnsupportedMediaType:
                return new RequestProblem(bad.StatusCode, "The body must be JSON", "Send the body as JSON, with 'Content-Type: application/json'.");
        }
        if (MissingBody().IsMatch(bad.Message))
        {
            return new RequestProblem(StatusCodes.Status400BadRequest, "A body is required", "This request takes a JSON object as its body.", "body");
        }
        if (Unbindable().Match(bad.Message) is { Success: true } value)
        {
            var name = value.Groups["name"].Value;
            return new RequestProblem(StatusCodes.Status400BadRequest, "A value in the address could not be read",
                $"The {name} must be {KindOf(value.Groups["type"].Value)}.", name);
        }
        if (MissingValue().Match(bad.Message) is { Success: true } missing)
        {
            var name = missing.Groups["name"].Value;
            return new RequestProblem(StatusCodes.Status400BadRequest, "A value is missing", $"The {name} is required.", name);
        }
        return new RequestProblem(bad.StatusCode, "The request could not be read", "The request could not be read.");
    }

    /// <summary>The field a JSON error is about (<c>config.training.steps</c>, or <c>body</c>) and what is wrong with it.</summary>
    public static (string Field, string Detail) Describe(JsonException json, string root = "body")
    {
        var field = FieldOf(json.Path, root);
        var message = json.Message;
        if (UnknownMember().Match(message) is { Success: true } unknown)
        {
            var name = Shortened(unknown.Groups["name"].Value);
            // The path ends at the unknown property or at the object holding it, depending on where the reader stopped.
            var at = field == root ? (root == "body" ? name : $"{root}.{name}")
                : field == name || field.EndsWith("." + name, StringComparison.Ordinal) ? field : $"{field}.{name}";
            return (at, $"The {at} is not a field this request takes.");
        }
        if (Unconvertible().Match(message) is { Success: true } wrongType)
        {
            return (field, $"The {field} must be {KindOf(wrongType.Groups["type"].Value, field == root ? null : field)}.");
        }
        if (MissingMembers().Match(message) is { Success: true } missing)
        {
            return (root, $"The body needs the fields {missing.Groups["names"].Value}.");
        }
        var where = json.LineNumber is { } line && json.BytePositionInLine is { } position ? $" (line {line + 1}, position {position + 1})" : "";
        return (field, $"The body is not valid JSON{where}.");
    }

    private static string Shortened(string text) => text.Length <= 64 ? text : text[..64] + "...";

    /// <summary><c>$.config.training.steps</c> as <c>config.training.steps</c>; the whole document as <paramref name="root"/>.</summary>
    private static string FieldOf(string? path, string root)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return root;
        }
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return root == "body" ? field : $"{root}.{field}";
    }

    /// <summary>
    /// What a value of the field should be, in JSON's terms. The serializer names either the field's own type or, for
    /// a record read through its constructor, the record holding it; then the field's property gives its type.
    /// </summary>
    private static string KindOf(string typeName, string? field = null)
    {
        var type = FindType(typeName);
        var member = field?[(field.LastIndexOf('.') + 1)..].Split('[')[0];
        if (type is { IsEnum: false } && !string.IsNullOrEmpty(member) &&
            type.GetProperty(member, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { } property)
        {
            type = property.PropertyType;
        }
        return type is not null ? KindOf(type)
            // A collection of Lab's types is named in a form no assembly resolves (IReadOnlyList`1[Lab.Contracts...]).
            : typeName.Contains("Dictionary", StringComparison.Ordinal) ? "an object"
            : typeName.Contains('`', StringComparison.Ordinal) || typeName.EndsWith("[]", StringComparison.Ordinal) ? "a list"
            : "a value of another kind";
    }

    private static string KindOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return Type.GetTypeCode(type) switch
        {
            _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            TypeCode.String or TypeCode.Char => "a string",
            TypeCode.DateTime => "a date and time such as 2026-11-27T10:00:00Z",
            _ when type == typeof(DateTimeOffset) => "a date and time such as 2026-11-27T10:00:00Z",
            _ when type == typeof(Guid) => "an id (a GUID such as 0198c3a2-5b7e-7c41-9a0e-2f4d6b8c1e3a)",
            _ when type == typeof(TimeSpan) => "a duration such as 00:05:00",
            _ when type == typeof(JsonElement) => "a JSON value",
            _ when typeof(System.Collections.IEnumerable).IsAssignableFrom(type) => "a list",
            _ => "an object",
        };
    }

    /// <summary>A type the framework or the serializer named (C# keywords, <c>Nullable&lt;T&gt;</c>, Lab's own types).</summary>
    private static Type? FindType(string name)
    {
        if (NullableOf().Match(name) is { Success: true } inner)
        {
            return FindType(inner.Groups[1].Value);
        }
        return name switch
        {
            "int" => typeof(int),
            "long" => typeof(long),
            "short" => typeof(short),
            "double" => typeof(double),
            "float" => typeof(float),
            "decimal" => typeof(decimal),
            "bool" => typeof(bool),
            "string" => typeof(string),
            // The framework names parameters' types without their namespace (Nullable<DateTimeOffset>).
            _ => Type.GetType(name, throwOnError: false) ?? Type.GetType("System." + name, throwOnError: false) ?? AppDomain.CurrentDomain.GetAssemblies()
                .Where(a => a.GetName().Name?.StartsWith("Lab.", StringComparison.Ordinal) == true)
                .Select(a => a.GetType(name, throwOnError: false))
                .FirstOrDefault(t => t is not null),
        };
    }

    [GeneratedRegex(@"^(Implicit body inferred for parameter|Required parameter "".+"" was not provided from body)")]
    private static partial Regex MissingBody();

    [GeneratedRegex(@"^Failed to bind parameter ""(?<type>.+) (?<name>[A-Za-z0-9_]+)"" from")]
    private static partial Regex Unbindable();

    [GeneratedRegex(@"^Required parameter ""(?<type>.+) (?<name>[A-Za-z0-9_]+)"" was not provided")]
    private static partial Regex MissingValue();

    [GeneratedRegex(@"^The JSON property '(?<name>.*)' could not be mapped to any \.NET member", RegexOptions.Singleline)]
    private static partial Regex UnknownMember();

    [GeneratedRegex(@"^The JSON value could not be converted to (?<type>[^\s]+?)\. Path:")]
    private static partial Regex Unconvertible();

    [GeneratedRegex(@"was missing required properties(?: including)?: (?<names>.+?)\.?$")]
    private static partial Regex MissingMembers();

    [GeneratedRegex(@"^(?:System\.)?Nullable(?:`1)?[<\[]+(.+?)[>\]]+$")]
    private static partial Regex NullableOf();
}
