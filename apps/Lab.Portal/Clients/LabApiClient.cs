using System.Net;
using System.Text.Json;
using Lab.Contracts;
using Lab.Contracts.Researchers;
using Microsoft.AspNetCore.Mvc;

namespace Lab.Portal.Clients;

/// <summary>
/// The portal reads and writes only through the public REST API, like any other client. Paths are relative
/// to <c>/api/v1/</c>. A rejected token surfaces as an <see cref="HttpRequestException"/> with status 401,
/// which pages turn into a trip back to the login page.
/// </summary>
public sealed class LabApiClient(HttpClient http)
{
    /// <summary>The member a token belongs to, or null when the API does not accept it.</summary>
    public async Task<ResearcherView?> WhoIsAsync(string token, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<ResearcherView>(ApiJson.Options, cancellationToken) : null;
    }

    /// <summary>Reads <paramref name="path"/>; null when there is nothing there (404).</summary>
    public async Task<T?> GetAsync<T>(string path, CancellationToken cancellationToken = default) where T : class
    {
        using var response = await http.GetAsync(Api(path), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>(ApiJson.Options, cancellationToken);
    }

    /// <summary>Reads a newline-delimited JSON answer to its end; null when there is nothing there (404).</summary>
    public async Task<IReadOnlyList<T>?> GetLinesAsync<T>(string path, CancellationToken cancellationToken = default)
    {
        using var response = await OpenAsync(path, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        var lines = new List<T>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line) && JsonSerializer.Deserialize<T>(line, ApiJson.Options) is { } item)
            {
                lines.Add(item);
            }
        }
        return lines;
    }

    /// <summary>
    /// Starts reading <paramref name="path"/> and hands back the response as soon as its headers arrive, for answers
    /// that keep coming (a live metrics stream); the caller disposes it.
    /// </summary>
    public async Task<HttpResponseMessage> OpenAsync(string path, CancellationToken cancellationToken = default) =>
        await http.GetAsync(Api(path), HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    public Task<ApiResult<T>> PostAsync<T>(string path, object? body, CancellationToken cancellationToken = default) where T : class =>
        SendAsync<T>(HttpMethod.Post, path, body, cancellationToken);

    public Task<ApiResult<T>> PutAsync<T>(string path, object body, CancellationToken cancellationToken = default) where T : class =>
        SendAsync<T>(HttpMethod.Put, path, body, cancellationToken);

    /// <summary>A write: the API's answer, or its refusal (bad input, not allowed, not found, conflict) as a problem to show.</summary>
    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken) where T : class
    {
        using var request = new HttpRequestMessage(method, Api(path));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ApiJson.Options);
        }
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return new ApiResult<T>(await response.Content.ReadFromJsonAsync<T>(ApiJson.Options, cancellationToken), null);
        }
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            return new ApiResult<T>(null, await ProblemOfAsync(response, cancellationToken));
        }
        response.EnsureSuccessStatusCode();
        return new ApiResult<T>(null, null);
    }

    private static async Task<ApiProblem> ProblemOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var fallback = new ApiProblem { Title = $"The API refused ({(int)response.StatusCode}).", Status = (int)response.StatusCode };
        try
        {
            return await response.Content.ReadFromJsonAsync<ApiProblem>(ApiJson.Options, cancellationToken) ?? fallback;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return fallback;
        }
    }

    private static string Api(string path) => "/api/v1/" + path.TrimStart('/');
}

/// <summary>What a write came to: the written thing, or the problem to show beside the form.</summary>
public sealed record ApiResult<T>(T? Value, ApiProblem? Problem) where T : class;

public sealed class ApiProblem : ProblemDetails
{
    public Dictionary<string, string[]> Errors { get; set; } = [];

    /// <summary>A problem the portal found before asking the API (so nothing was sent, and nothing written).</summary>
    public static ApiProblem Field(string field, string message) => new() { Title = "Please check the form.", Errors = { [field] = [message] } };
}
