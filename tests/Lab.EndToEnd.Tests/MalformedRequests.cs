using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Lab.EndToEnd.Tests;

/// <summary>One request the lab must refuse, and how it was made wrong.</summary>
public sealed record MalformedRequest(OpenApiOperation Operation, string Kind, string Target, string? Authorization, byte[]? Body, string? ContentType)
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(new HttpMethod(Operation.Method), Target);
        if (Authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", Authorization);
        }
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }
        return message;
    }

    public override string ToString() =>
        $"{Operation.Method} {Target} [{Kind}{(Authorization is null ? ", no token" : "")}{(ContentType is null ? "" : ", " + ContentType)}]" +
        (Body is null ? "" : $" body {Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 120)))}");
}

/// <summary>
/// Requests that are wrong in one way each, made from an operation's OpenAPI description with a seeded random source:
/// bad path values, unknown ids, bad query values, malformed, mistyped, unknown-field and oversized JSON bodies, wrong
/// content types, missing and wrong credentials. None of them can be valid, so every answer must be a 4xx and nothing
/// may be written. What each kind relies on is said beside it.
/// </summary>
public sealed class MalformedRequests(int seed, string token, string memberToken)
{
    /// <summary>Values no id, handle or number in a path accepts (no NUL or dot segments: the HTTP server refuses or resolves those before Lab sees them).</summary>
    private static readonly string[] BadPathValues =
    [
        "not-a-guid", "1", "-1", "0", "' OR '1'='1", "%ff%fe", "%7B%7D", "null", "undefined", "NaN", "[]", "{id}", "%C3%BC%E2%82%AC",
        "0198c3a2-5b7e-7c41-9a0e", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", "a%2Fb", "%3Cscript%3E", new string('x', 3000),
    ];

    private static readonly Dictionary<string, string[]> BadQueryValues = new()
    {
        ["integer"] = ["abc", "1.5", "1e3", "99999999999999999999", "-5", "0x10", "--1", "%01"],
        ["boolean"] = ["maybe", "yes", "2", "%01", "tru"],
        ["uuid"] = ["xyz", "123", "%7B%7D", "00000000-0000-0000-0000", "%01"],
        ["date-time"] = ["yesterday", "2026-13-45", "1e10", "%01", "2026-11-27T25:61:00Z"],
        // Free text is checked by the API's rules: control characters are refused everywhere.
        ["string"] = ["%01", "a%07b", "%1B%5B31m", "%7F%01%02"],
    };

    private static readonly string[] Garbage =
    [
        "{", "}", "[", "nul", "tru", "\"unterminated", "{\"a\":}", "{,}", "{'single':'quotes'}", "{\"a\":1,}", "{\"title\": NaN}",
        "// comment\n{}", "{\"x\":\"\\uZZZZ\"}", "\u0000\u0001\u0002", "<xml/>", "title=a&hypothesis=b", "{}}", "[{]}",
    ];

    private static readonly string[] WrongContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/octet-stream",
        "application/json; charset=utf-16", "image/png",
    ];

    private static readonly string[] BadCredentials =
    [
        "Bearer", "Bearer lab_not-a-real-token", "Bearer labinv_not-a-real-code", "Basic YWRhOnBhc3N3b3Jk", "Token abc", "Bearer " + new string('t', 300),
        "Bearer lab_" + new string('a', 43),
    ];

    private readonly Random _random = new(seed);

    /// <summary>
    /// <paramref name="count"/> wrong requests for <paramref name="operation"/> (and one oversized body when it takes one): about
    /// one in eight without a valid token, the others with one, so that validation rather than authentication is tried.
    /// </summary>
    public IEnumerable<MalformedRequest> For(OpenApiOperation operation, int count)
    {
        Func<OpenApiOperation, MalformedRequest>[] unauthenticated = [WithoutToken, WithBadCredential];
        var kinds = new List<Func<OpenApiOperation, MalformedRequest>>();
        if (operation.InPath.Any())
        {
            kinds.Add(BadPathValue);
            kinds.Add(UnknownId);
        }
        if (operation.InQuery.Any())
        {
            kinds.Add(BadQueryValue);
            kinds.Add(RepeatedQueryValue);
        }
        if (operation.Body is not null)
        {
            kinds.AddRange([GarbageBody, WrongTopLevel, WrongFieldType, UnknownField, EmptyObject, WrongContentType, RandomBytes, DeepNesting, HugeNumber]);
            // One body over the limit per operation is enough; each costs a megabyte.
            yield return OversizedBody(operation);
        }
        for (var i = 0; i < count; i++)
        {
            // An operation that takes nothing but a token (GET /me, POST /invitations) can only be wrong in its token.
            yield return kinds.Count == 0 || _random.Next(8) == 0 ? Pick(unauthenticated)(operation) : Pick(kinds)(operation);
        }
    }

    // Authentication comes first for every operation: these are 401 whatever else the request says.
    private MalformedRequest WithoutToken(OpenApiOperation operation) =>
        new(operation, "no token", Target(operation), null, SkeletonBody(operation), ContentTypeFor(operation));

    private MalformedRequest WithBadCredential(OpenApiOperation operation) =>
        new(operation, "bad credential", Target(operation), Pick(BadCredentials), SkeletonBody(operation), ContentTypeFor(operation));

    // No route takes these as an id: 404 (or 405 where another route has the path).
    private MalformedRequest BadPathValue(OpenApiOperation operation)
    {
        var bad = Pick(operation.InPath.ToList()).Name;
        return new(operation, "bad path value", Target(operation, pathValue: name => name == bad ? Pick(BadPathValues) : null), Token(), InvalidBody(operation), ContentTypeFor(operation));
    }

    // Well-formed ids of nothing: 404, or 400 when the body is refused first.
    private MalformedRequest UnknownId(OpenApiOperation operation) =>
        new(operation, "unknown id", Target(operation), Token(), InvalidBody(operation), ContentTypeFor(operation));

    private MalformedRequest BadQueryValue(OpenApiOperation operation)
    {
        var parameter = Pick(operation.InQuery.ToList());
        var values = BadQueryValues[parameter.Schema.Format is "uuid" or "date-time" ? parameter.Schema.Format : parameter.Schema.Types.Contains("integer") ? "integer"
            : parameter.Schema.Types.Contains("boolean") ? "boolean" : "string"];
        return new(operation, $"bad {parameter.Name}", Target(operation, query: $"{parameter.Name}={Pick(values)}"), Token(), InvalidBody(operation), ContentTypeFor(operation));
    }

    // Two values where one is expected: the typed parameters refuse them; free text keeps one of them, so it gets a bad one too.
    private MalformedRequest RepeatedQueryValue(OpenApiOperation operation)
    {
        var parameter = Pick(operation.InQuery.ToList());
        return new(operation, $"repeated {parameter.Name}", Target(operation, query: $"{parameter.Name}=1&{parameter.Name}=%01"), Token(), InvalidBody(operation), ContentTypeFor(operation));
    }

    private MalformedRequest GarbageBody(OpenApiOperation operation) =>
        new(operation, "malformed JSON", Target(operation), Token(), Encoding.UTF8.GetBytes(Pick(Garbage)), "application/json");

    private MalformedRequest WrongTopLevel(OpenApiOperation operation) =>
        new(operation, "not an object", Target(operation), Token(), Encoding.UTF8.GetBytes(Pick(["[]", "1", "\"text\"", "true", "null", "[{}]", "-0.5"])), "application/json");

    // A field of the wrong JSON type cannot be read at all (numbers are never read from strings; choices never from numbers).
    private MalformedRequest WrongFieldType(OpenApiOperation operation)
    {
        var body = Skeleton(operation.Body!);
        var fields = operation.Body!.Properties.Where(p => WrongTypesOf(p.Value).Count > 0).ToList();
        if (fields.Count == 0)
        {
            return UnknownField(operation);
        }
        var (name, schema) = Pick(fields);
        var type = Pick(WrongTypesOf(schema));
        body[name] = ValueOf(type);
        return new(operation, $"{name} as {type}", Target(operation), Token(), Encoding.UTF8.GetBytes(body.ToJsonString()), "application/json");
    }

    // The API reads only the fields a request has.
    private MalformedRequest UnknownField(OpenApiOperation operation)
    {
        var body = Skeleton(operation.Body!);
        body[Pick(["owner", "operatesLab", "id", "isAdmin", "__proto__", "$type", "zz" + _random.Next(1000)])] = Pick<JsonNode>([true, "x", 1]);
        return new(operation, "unknown field", Target(operation), Token(), Encoding.UTF8.GetBytes(body.ToJsonString()), "application/json");
    }

    // Every body Lab takes has a required field.
    private MalformedRequest EmptyObject(OpenApiOperation operation) =>
        new(operation, "empty object", Target(operation), Token(), "{}"u8.ToArray(), "application/json");

    // Checked before the body is read; the body is wrong besides, in case a type is taken for JSON after all.
    private MalformedRequest WrongContentType(OpenApiOperation operation) =>
        new(operation, "wrong content type", Target(operation), Token(), InvalidBody(operation), Pick([.. WrongContentTypes, null]));

    private MalformedRequest RandomBytes(OpenApiOperation operation)
    {
        var bytes = new byte[_random.Next(1, 600)];
        _random.NextBytes(bytes);
        bytes[0] = (byte)'{';
        return new(operation, "random bytes", Target(operation), Token(), bytes, "application/json");
    }

    private MalformedRequest DeepNesting(OpenApiOperation operation)
    {
        var depth = _random.Next(65, 2000);
        var field = operation.Body!.Properties.Keys.FirstOrDefault() ?? "x";
        return new(operation, "nested too deep", Target(operation), Token(),
            Encoding.UTF8.GetBytes($"{{\"{field}\":{new string('[', depth)}{new string(']', depth)}}}"), "application/json");
    }

    private MalformedRequest HugeNumber(OpenApiOperation operation)
    {
        var body = Skeleton(operation.Body!);
        body["devices"] = JsonNode.Parse("1" + new string('9', 400));
        return new(operation, "huge number", Target(operation), Token(), Encoding.UTF8.GetBytes(body.ToJsonString()), "application/json");
    }

    // Over the gateway's 1 MiB: refused before it is passed on.
    private MalformedRequest OversizedBody(OpenApiOperation operation)
    {
        var body = Skeleton(operation.Body!);
        body[operation.Body!.Properties.Keys.FirstOrDefault() ?? "x"] = new string('o', 1024 * 1024 + 10);
        return new(operation, "over 1 MiB", Target(operation), Token(), Encoding.UTF8.GetBytes(body.ToJsonString()), "application/json");
    }

    /// <summary>A body that cannot be valid (an unknown field), for requests that are wrong elsewhere.</summary>
    private byte[]? InvalidBody(OpenApiOperation operation)
    {
        if (operation.Body is null)
        {
            return null;
        }
        var body = Skeleton(operation.Body);
        body["zzUnknown"] = 1;
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    private byte[]? SkeletonBody(OpenApiOperation operation) => operation.Body is null ? null : Encoding.UTF8.GetBytes(Skeleton(operation.Body).ToJsonString());

    private static string? ContentTypeFor(OpenApiOperation operation) => operation.Body is null ? null : "application/json";

    /// <summary>The operator's token mostly, a plain member's sometimes (operator-only operations then answer 403).</summary>
    private string Token() => "Bearer " + (_random.Next(4) == 0 ? memberToken : token);

    private string Target(OpenApiOperation operation, Func<string, string?>? pathValue = null, string? query = null)
    {
        var path = operation.Path;
        foreach (var parameter in operation.InPath)
        {
            var value = pathValue?.Invoke(parameter.Name)
                ?? (parameter.Schema.Format == "uuid" ? NewId().ToString() : "fz" + _random.Next(1_000_000).ToString(CultureInfo.InvariantCulture));
            path = path.Replace("{" + parameter.Name + "}", value, StringComparison.Ordinal);
        }
        return query is null ? path : $"{path}?{query}";
    }

    /// <summary>An id of nothing, from the seeded source so that a run can be repeated request for request.</summary>
    private Guid NewId()
    {
        var bytes = new byte[16];
        _random.NextBytes(bytes);
        return new Guid(bytes);
    }

    /// <summary>An object with a plausible value for each field (empty lists, empty objects), to be made wrong in one place.</summary>
    private JsonObject Skeleton(OpenApiSchema schema)
    {
        var body = new JsonObject();
        foreach (var (name, property) in schema.Properties)
        {
            var types = property.Types;
            body[name] = property.EnumValues.Count > 0 ? property.EnumValues[0]
                : property.Format == "uuid" ? NewId().ToString()
                : property.Format == "date-time" ? "2026-11-27T10:00:00Z"
                : types.Contains("string") ? "fuzz"
                : types.Contains("integer") ? 1
                : types.Contains("number") ? 1.5
                : types.Contains("boolean") ? true
                : types.Contains("array") ? new JsonArray()
                : new JsonObject();
        }
        return body;
    }

    /// <summary>JSON types a field cannot be read from (null is left out: a missing value is the rules' to refuse, not the reader's).</summary>
    private static List<string> WrongTypesOf(OpenApiSchema schema)
    {
        var allowed = schema.Types;
        return allowed.Count >= OpenApiSchema.AllTypes.Length - 1 ? [] : [.. OpenApiSchema.AllTypes.Where(t => t != "null" && !allowed.Contains(t))];
    }

    private static JsonNode? ValueOf(string type) => type switch
    {
        "string" => "1",
        "number" => 1.5,
        "integer" => 7,
        "boolean" => true,
        "array" => new JsonArray(1, "two"),
        _ => new JsonObject { ["nested"] = 1 },
    };

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
