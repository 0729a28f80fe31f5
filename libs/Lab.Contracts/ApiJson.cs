using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lab.Contracts;

/// <summary>
/// The JSON of Lab's API on the wire: web defaults (camelCase names, case-insensitive reading) made strict about types
/// (a number is a JSON number, never a string holding one; a choice is its name, never its position), and enums as
/// their names. The API's own serializer is set up by <see cref="Apply"/> too; clients and the API's streamed
/// responses use these options.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Makes <paramref name="options"/> read and write Lab's API JSON.</summary>
    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        // The web defaults read "1" where a number is expected; Lab's API takes only 1.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
        return options;
    }
}
