using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lab.Contracts.Ideas;
using Lab.Contracts.Researchers;
using Microsoft.AspNetCore.Mvc;

namespace Lab.Portal.Clients;

/// <summary>The portal reads and writes only through the public REST API, like any other client.</summary>
public sealed class LabApiClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The member a token belongs to, or null when the API does not accept it.</summary>
    public async Task<ResearcherView?> WhoIsAsync(string token, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<ResearcherView>(Json, cancellationToken) : null;
    }

    public async Task<IdeaPage> ListIdeasAsync(int offset, int limit, CancellationToken cancellationToken = default) =>
        await http.GetFromJsonAsync<IdeaPage>($"/api/v1/ideas?offset={offset}&limit={limit}", Json, cancellationToken)
            ?? new IdeaPage([], 0, offset, limit);

    /// <summary>Proposes an idea; on refusal returns the API's problem (with field errors) instead.</summary>
    public async Task<(IdeaView? Idea, ApiProblem? Problem)> ProposeIdeaAsync(ProposeIdea proposal, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/ideas", proposal, Json, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return (await response.Content.ReadFromJsonAsync<IdeaView>(Json, cancellationToken), null);
        }
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Conflict)
        {
            var problem = await response.Content.ReadFromJsonAsync<ApiProblem>(Json, cancellationToken);
            return (null, problem ?? new ApiProblem { Title = $"The API refused ({(int)response.StatusCode})." });
        }
        response.EnsureSuccessStatusCode();
        return (null, null);
    }
}

public sealed record IdeaPage(IReadOnlyList<IdeaView> Items, int Total, int Offset, int Limit);

public sealed class ApiProblem : ProblemDetails
{
    public Dictionary<string, string[]> Errors { get; set; } = [];
}
