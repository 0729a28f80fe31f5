using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary>A member of a running lab, joined the way people join: an invitation, then <c>POST /api/v1/join</c>, through the gateway.</summary>
public sealed record LabMember(Guid Id, string Handle, string Token, HttpClient Http) : IDisposable
{
    public void Dispose() => Http.Dispose();
}

public static class LabMembers
{
    /// <summary>Someone new, invited by the holder of <paramref name="inviter"/>, with a handle made unique from <paramref name="name"/>.</summary>
    public static async Task<LabMember> JoinAsync(string labUrl, HttpClient inviter, string name)
    {
        var invitation = await ReadAsync(await inviter.PostAsync("/api/v1/invitations", null), HttpStatusCode.Created);
        using var invitee = LabProcess.Client(labUrl, invitation.GetProperty("code").GetString()!);
        var handle = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
        var joined = await ReadAsync(await invitee.PostAsJsonAsync("/api/v1/join", new { handle, name }), HttpStatusCode.Created);
        var token = joined.GetProperty("token").GetProperty("token").GetString()!;
        return new LabMember(joined.GetProperty("researcher").GetProperty("id").GetGuid(), handle, token, LabProcess.Client(labUrl, token));
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {response.StatusCode}: {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }
}
