using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Contracts;
using Lab.Contracts.Reading;

namespace Lab.Client;

/// <summary>
/// What the API said when it refused (its RFC 7807 problem details): a title, perhaps a detail, and each field's
/// errors. Front-ends show it beside their forms; a front-end that finds a problem before asking makes one with
/// <see cref="Field"/>.
/// </summary>
public sealed record LabProblem(string Title, string? Detail, IReadOnlyDictionary<string, string[]> Errors)
{
    /// <summary>What an ambiguous id (the start of several) could have meant, when the API refused it for that.</summary>
    public IReadOnlyList<IdMatch> Candidates { get; init; } = [];

    /// <summary>A problem with one field, found before anything was sent (so nothing was written).</summary>
    public static LabProblem Field(string field, string message) =>
        new("Please check the form.", null, new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>This problem with <paramref name="message"/> added to <paramref name="field"/>'s errors.</summary>
    public LabProblem With(string field, string message) =>
        this with { Errors = new Dictionary<string, string[]>(Errors) { [field] = [.. Errors.GetValueOrDefault(field) ?? [], message] } };
}

/// <summary>
/// A call to Lab that did not succeed. <see cref="Status"/> is null when the server could not be reached; otherwise the
/// <see cref="Problem"/> comes from the API's problem details (or, when the answer holds none, from its status).
/// </summary>
public sealed class LabClientException(HttpStatusCode? status, LabProblem problem, Exception? inner = null)
    : Exception(problem.Detail is null ? problem.Title : $"{problem.Title} {problem.Detail}", inner)
{
    public LabClientException(HttpStatusCode? status, string title, Exception? inner = null)
        : this(status, new LabProblem(title, null, new Dictionary<string, string[]>()), inner)
    {
    }

    public HttpStatusCode? Status { get; } = status;
    public LabProblem Problem { get; } = problem;
    public string Title => Problem.Title;
    public string? Detail => Problem.Detail;
    public IReadOnlyDictionary<string, string[]> Errors => Problem.Errors;

    public bool IsUnreachable => Status is null;
    public bool IsUnauthorized => Status == HttpStatusCode.Unauthorized;
    public bool IsNotFound => Status == HttpStatusCode.NotFound;

    /// <summary>
    /// The API turned the request down (bad input, not allowed, nothing there, a conflict, one of the lab's bounds reached):
    /// a problem to show the person who asked, rather than a failure of the lab.
    /// </summary>
    public bool IsRefusal => Status is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Conflict
        or HttpStatusCode.TooManyRequests;

    internal static LabClientException Unreachable(Uri? server, Exception e) =>
        new(null, $"Cannot reach Lab at {server}: {e.Message}", e);

    internal static async Task<LabClientException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var fallback = status == HttpStatusCode.Unauthorized
            ? "The token was not accepted (401): it is unknown or revoked."
            : $"Lab answered {(int)status} {response.ReasonPhrase}.";
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<ProblemDocument>(ApiJson.Options, cancellationToken);
            if (problem is not null && (problem.Title is not null || problem.Detail is not null || problem.Errors is not null))
            {
                var title = status == HttpStatusCode.Unauthorized ? fallback : problem.Title ?? fallback;
                return new LabClientException(status, new LabProblem(title, problem.Detail, problem.Errors ?? []) { Candidates = problem.Candidates ?? [] });
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

    private sealed record ProblemDocument(string? Title, string? Detail, Dictionary<string, string[]>? Errors, List<IdMatch>? Candidates);
}
