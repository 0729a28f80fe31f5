using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Contracts;
using Lab.Contracts.Reading;

namespace Lab.Client;

/// <summary>
/// Lab's REST API (<c>/api/v1</c>) as its clients call it: one typed method per operation, requests and answers as
/// the records of Lab.Contracts in the API's own JSON (<see cref="ApiJson"/>), and every failure (a refusal with its
/// field errors, a rejected token, an unreachable server) as a <see cref="LabClientException"/>. The portal, the
/// <c>lab</c> command and the worker all call the API through it; who is calling (the member's or the operator's
/// token) is the <see cref="HttpClient"/>'s business.
/// <code>
/// var idea = await lab.ProposeIdeaAsync(new ProposeIdea("Fewer, finer experts", "..."));
/// await foreach (var line in lab.FollowRunMetricsAsync(run.Id, after: run.Version)) { ... }
/// </code>
/// </summary>
public sealed partial class LabClient(HttpClient http)
{
    /// <summary>Where the API's operations live, on the lab's address.</summary>
    public const string Root = "/api/v1/";

    /// <summary>The most ids the API looks up in one call (<c>?ids=</c>).</summary>
    public const int MaxIdsPerLookup = 100;

    /// <summary>A client of the lab at <paramref name="server"/> presenting <paramref name="token"/> (the caller disposes it).</summary>
    public static HttpClient HttpClientFor(Uri server, string? token)
    {
        var client = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    private Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Get, path, null, cancellationToken);

    private Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Post, path, body is null ? null : JsonContent.Create(body, body.GetType(), options: ApiJson.Options), cancellationToken);

    private Task<T> PutAsync<T>(string path, object body, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Put, path, JsonContent.Create(body, body.GetType(), options: ApiJson.Options), cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, string? token = null)
    {
        using var request = new HttpRequestMessage(method, Root + path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(ApiJson.Options, cancellationToken)
                ?? throw new LabClientException(response.StatusCode, $"{method} {request.RequestUri} answered with an empty body.");
        }
        catch (JsonException e)
        {
            throw new LabClientException(response.StatusCode, $"{method} {request.RequestUri} answered with something that is not what Lab's API sends: {e.Message}", e);
        }
    }

    /// <summary>Sends <paramref name="request"/>; a successful answer, or the failure as a <see cref="LabClientException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var response = await TrySendAsync(request, completion, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await LabClientException.FromResponseAsync(response, cancellationToken);
            }
        }
        return response;
    }

    /// <summary>Sends <paramref name="request"/>; the answer whatever its status, or a <see cref="LabClientException"/> when there is none.</summary>
    private async Task<HttpResponseMessage> TrySendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, completion, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw LabClientException.Unreachable(http.BaseAddress, e);
        }
    }

    /// <summary>
    /// A batch lookup: the distinct <paramref name="ids"/> asked for at most <see cref="MaxIdsPerLookup"/> at a time
    /// (what fits in an address), the answers by id.
    /// </summary>
    private static async Task<IReadOnlyDictionary<Guid, T>> LookUpAsync<T>(IEnumerable<Guid> ids, Func<Guid[], Task<Page<T>>> lookUp, Func<T, Guid> idOf)
    {
        var found = new Dictionary<Guid, T>();
        foreach (var batch in ids.Distinct().Chunk(MaxIdsPerLookup))
        {
            foreach (var item in (await lookUp(batch)).Items)
            {
                found[idOf(item)] = item;
            }
        }
        return found;
    }

    /// <summary><paramref name="path"/> with a query string of the parameters that have a value, written as the API reads them.</summary>
    private static string PathOf(string path, params (string Name, object? Value)[] query)
    {
        var parameters = query.SelectMany(p => Texts(p.Value).Select(text => $"{p.Name}={Uri.EscapeDataString(text)}")).ToList();
        return parameters.Count == 0 ? path : $"{path}?{string.Join('&', parameters)}";
    }

    private static IEnumerable<string> Texts(object? value) => value switch
    {
        null => [],
        string text => [text],
        bool flag => [flag ? "true" : "false"],
        DateTimeOffset at => [at.ToString("O", CultureInfo.InvariantCulture)],
        IEnumerable<Guid> ids => ids.Select(id => id.ToString()),
        IFormattable formattable => [formattable.ToString(null, CultureInfo.InvariantCulture)],
        _ => [value.ToString() ?? ""],
    };
}
