using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Contracts;

namespace Lab.Cli.Client;

/// <summary>
/// Lab's REST API (<c>/api/v1</c>) as the <c>lab</c> command calls it: JSON in and out, the member's token on
/// every request, and every failure (a refusal, a rejected token, an unreachable server) as a <see cref="LabClientException"/>.
/// </summary>
public sealed class LabClient : IDisposable
{
    private readonly HttpClient _http;

    public LabClient(Uri baseAddress, string token, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = baseAddress;
        _http.Timeout = TimeSpan.FromSeconds(30);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>GET <paramref name="path"/> (relative to <c>/api/v1/</c>, e.g. <c>ideas?limit=5</c>).</summary>
    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken = default) =>
        SendAsync<T>(HttpMethod.Get, path, null, cancellationToken);

    /// <summary>POST <paramref name="body"/> as JSON (no body when null) to <paramref name="path"/>.</summary>
    public Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellationToken = default) =>
        SendAsync<T>(HttpMethod.Post, path, body, cancellationToken);

    /// <summary>PUT <paramref name="body"/> as JSON to <paramref name="path"/>.</summary>
    public Task<T> PutAsync<T>(string path, object body, CancellationToken cancellationToken = default) =>
        SendAsync<T>(HttpMethod.Put, path, body, cancellationToken);

    /// <summary>POST <paramref name="content"/> as it is (e.g. a data set's text) to <paramref name="path"/>.</summary>
    public Task<T> PostContentAsync<T>(string path, HttpContent content, CancellationToken cancellationToken = default) =>
        SendAsync<T>(HttpMethod.Post, path, content, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, "/api/v1/" + path.TrimStart('/'));
        request.Content = body switch
        {
            null => null,
            HttpContent content => content,
            _ => JsonContent.Create(body, body.GetType(), options: ApiJson.Options),
        };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new LabClientException(null, $"Cannot reach Lab at {BaseAddress}: {e.Message}");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await LabClientException.FromResponseAsync(response, cancellationToken);
            }
            try
            {
                return await response.Content.ReadFromJsonAsync<T>(ApiJson.Options, cancellationToken)
                    ?? throw new LabClientException(response.StatusCode, $"{method} {request.RequestUri} answered with an empty body.");
            }
            catch (JsonException e)
            {
                throw new LabClientException(response.StatusCode, $"{method} {request.RequestUri} answered with something that is not what Lab's API sends: {e.Message}");
            }
        }
    }
}

/// <summary>
/// A call to Lab that did not succeed. <see cref="Status"/> is null when the server could not be reached;
/// otherwise <see cref="Title"/> and <see cref="Errors"/> come from the API's problem details.
/// </summary>
public sealed class LabClientException(HttpStatusCode? status, string title, IReadOnlyDictionary<string, string[]>? errors = null, string? detail = null)
    : Exception(detail is null ? title : $"{title} {detail}")
{
    public HttpStatusCode? Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors ?? new Dictionary<string, string[]>();

    public bool IsUnreachable => Status is null;
    public bool IsUnauthorized => Status == HttpStatusCode.Unauthorized;

    internal static async Task<LabClientException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var fallback = status == HttpStatusCode.Unauthorized
            ? "The token was not accepted (401): it is unknown or revoked."
            : $"Lab answered {(int)status} {response.ReasonPhrase}.";
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<Problem>(ApiJson.Options, cancellationToken);
            if (problem is not null && (problem.Title is not null || problem.Detail is not null || problem.Errors is not null))
            {
                var title = status == HttpStatusCode.Unauthorized ? fallback : problem.Title ?? fallback;
                return new LabClientException(status, title, problem.Errors, problem.Detail);
            }
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's page, an empty 401): the status says enough.
        }
        catch (NotSupportedException)
        {
            // No content type at all, as a bare 401 has.
        }
        return new LabClientException(status, fallback);
    }

    private sealed record Problem(string? Title, string? Detail, Dictionary<string, string[]>? Errors);
}
