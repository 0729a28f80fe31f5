using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary>What every refusal must look like: an RFC 7807 problem document that gives nothing of the server away.</summary>
public static partial class ProblemAnswer
{
    /// <summary>Folders of this machine that an answer must never name.</summary>
    private static readonly string[] ServerFolders =
    [
        RepositoryPaths.Root, AppContext.BaseDirectory.TrimEnd('/'), TestFolders.Root, "/usr/share/dotnet", "/usr/lib/dotnet",
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
    ];

    /// <summary>Why <paramref name="body"/> (the answer to a refused request with this status and content type) is not a clean problem; null when it is.</summary>
    public static string? Fault(int status, string? contentType, string body)
    {
        if (status is < 400 or >= 500)
        {
            return $"status {status}, not a 4xx refusal";
        }
        if (contentType != "application/problem+json")
        {
            return $"content type {contentType ?? "none"}, not application/problem+json";
        }
        JsonElement problem;
        try
        {
            problem = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return "a body that is not JSON";
        }
        if (problem.ValueKind != JsonValueKind.Object || !problem.TryGetProperty("status", out var said) || said.ValueKind != JsonValueKind.Number || said.GetInt32() != status)
        {
            return "no status, or not the answer's status";
        }
        if (!problem.TryGetProperty("title", out var title) || string.IsNullOrWhiteSpace(title.GetString()))
        {
            return "no title";
        }
        return Leak(body);
    }

    /// <summary>What of the server's insides <paramref name="body"/> shows (a type name, a stack frame, a folder); null when nothing.</summary>
    public static string? Leak(string body)
    {
        if (TypeName().Match(body) is { Success: true } type)
        {
            return $"a .NET type name ({type.Value})";
        }
        if (StackFrame().Match(body) is { Success: true } frame)
        {
            return $"a stack trace ({frame.Value})";
        }
        if (body.Contains("Exception", StringComparison.Ordinal) || body.Contains("Implicit body", StringComparison.Ordinal) ||
            body.Contains("Nullable", StringComparison.Ordinal))
        {
            return "a framework message";
        }
        return ServerFolders.FirstOrDefault(f => f.Length > 1 && body.Contains(f, StringComparison.Ordinal)) is { } folder ? $"a server folder ({folder})" : null;
    }

    /// <summary>Asserts that <paramref name="response"/> is a clean problem with <paramref name="status"/>; its document.</summary>
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        var fault = Fault((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
        Assert.True(fault is null, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {fault}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [GeneratedRegex(@"\b(?:System|Microsoft|Lab|Orleans|Marten|Npgsql|Yarp|Weasel)\.[A-Z][A-Za-z]+")]
    private static partial Regex TypeName();

    [GeneratedRegex(@"\bat [A-Za-z_][\w.`<>]*\(")]
    private static partial Regex StackFrame();
}
