using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lab.Contracts;

/// <summary>
/// The JSON of Lab's API on the wire: web defaults (camelCase names, case-insensitive reading) and enums as their
/// names. The API's own serializer is set up the same way; clients and the API's streamed responses use these options.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}
