using System.Net.Http.Headers;
using System.Net.Http.Json;
using Lab.Contracts;
using Lab.Contracts.Researchers;

namespace Lab.Cli.Demo;

/// <summary>
/// Inviting someone and joining with the invitation's code (<c>POST /api/v1/invitations</c>, <c>POST /api/v1/join</c>),
/// with the API's own records and JSON. The typed client (<c>Lab.Client</c>) does not offer these calls yet; when it
/// does, the demo should call them there.
/// </summary>
public static class Invitations
{
    /// <summary>An invitation issued by the member whose token <paramref name="member"/> presents.</summary>
    public static Task<IssuedInvitation> InviteAsync(HttpClient member, CancellationToken cancellationToken) =>
        SendAsync<IssuedInvitation>(member, new HttpRequestMessage(HttpMethod.Post, "/api/v1/invitations"), cancellationToken);

    /// <summary>Joins the lab at <paramref name="lab"/> with an invitation's code as the bearer token.</summary>
    public static async Task<Joined> JoinAsync(Uri lab, string code, JoinLab join, CancellationToken cancellationToken)
    {
        using var invitee = new HttpClient { BaseAddress = lab, Timeout = TimeSpan.FromSeconds(30) };
        invitee.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", code);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/join") { Content = JsonContent.Create(join, options: ApiJson.Options) };
        return await SendAsync<Joined>(invitee, request, cancellationToken);
    }

    private static async Task<T> SendAsync<T>(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new DemoCheckFailed($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {body}");
            }
            return await response.Content.ReadFromJsonAsync<T>(ApiJson.Options, cancellationToken)
                ?? throw new DemoCheckFailed($"{request.Method} {request.RequestUri} answered with an empty body.");
        }
    }
}
