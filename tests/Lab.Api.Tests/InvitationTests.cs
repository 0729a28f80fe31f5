using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Contracts.Researchers;

using static Lab.Api.Tests.Answers;

namespace Lab.Api.Tests;

/// <summary>Invitations can be listed by everyone, withdrawn by their author or an operator, and end with their author's access.</summary>
[Collection(ApiCollection.Name)]
public sealed class InvitationTests(ApiFixture api)
{
    [Fact]
    public async Task A_departed_members_invitations_stop_working_when_their_last_token_is_revoked()
    {
        var (leaver, leaverId, leaverTokens) = await MemberAsync("leaver");
        var code = (await Created(leaver.PostAsync("/api/v1/invitations", null))).GetProperty("code").GetString()!;

        foreach (var token in leaverTokens)
        {
            await Expect(api.Http.DeleteAsync($"/api/v1/researchers/{leaverId}/tokens/{token}"), HttpStatusCode.OK);
        }

        using var invitee = api.ClientWith(code);
        var before = await api.EventCountAsync();
        using var refused = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = Handle("late"), name = "Too Late" });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(before, await api.EventCountAsync());
        var listed = await InvitationAsync(leaverId);
        Assert.Equal("Revoked", listed.GetProperty("status").GetString());
        Assert.Equal("its author's access ended", listed.GetProperty("revokedReason").GetString());
    }

    [Fact]
    public async Task Invitations_are_listed_for_everyone_and_withdrawn_only_by_their_author_or_an_operator()
    {
        var (ada, adaId, _) = await MemberAsync("ada");
        var (bob, _, _) = await MemberAsync("bob");
        var first = await Created(ada.PostAsync("/api/v1/invitations", null));
        var second = await Created(ada.PostAsync("/api/v1/invitations", null));
        var (firstId, secondId) = (first.GetProperty("id").GetGuid(), second.GetProperty("id").GetGuid());

        var open = await bob.GetFromJsonAsync<JsonElement>("/api/v1/invitations?status=open&limit=200");
        Assert.Contains(open.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetGuid() == firstId && i.GetProperty("invitedBy").GetGuid() == adaId);
        Assert.All(open.GetProperty("items").EnumerateArray(), i => Assert.False(i.TryGetProperty("code", out _)));

        var before = await api.EventCountAsync();
        using (var refused = await bob.DeleteAsync($"/api/v1/invitations/{firstId}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(before, await api.EventCountAsync());

        var byAuthor = await Expect(ada.DeleteAsync($"/api/v1/invitations/{firstId}"), HttpStatusCode.OK);
        var byOperator = await Expect(api.Http.DeleteAsync($"/api/v1/invitations/{secondId}"), HttpStatusCode.OK);
        Assert.Equal(("Revoked", "withdrawn by its author"), (byAuthor.GetProperty("status").GetString(), byAuthor.GetProperty("revokedReason").GetString()));
        Assert.Equal(("Revoked", "withdrawn by an operator"), (byOperator.GetProperty("status").GetString(), byOperator.GetProperty("revokedReason").GetString()));
        using var invitee = api.ClientWith(first.GetProperty("code").GetString());
        using var join = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = Handle("nope"), name = "Nope" });
        Assert.Equal(HttpStatusCode.Unauthorized, join.StatusCode);
        var revoked = await bob.GetFromJsonAsync<JsonElement>("/api/v1/invitations?status=revoked&limit=200");
        Assert.Contains(revoked.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetGuid() == secondId);
    }

    [Fact]
    public async Task A_used_invitation_cannot_be_withdrawn_and_bad_filters_are_refused()
    {
        var (ada, _, _) = await MemberAsync("ada");
        var invitation = await Created(ada.PostAsync("/api/v1/invitations", null));
        using (var invitee = api.ClientWith(invitation.GetProperty("code").GetString()))
        {
            await Created(invitee.PostAsJsonAsync("/api/v1/join", new { handle = Handle("newbie"), name = "Newbie" }));
        }

        await Expect(ada.DeleteAsync($"/api/v1/invitations/{invitation.GetProperty("id").GetGuid()}"), HttpStatusCode.Conflict);
        await Expect(ada.DeleteAsync($"/api/v1/invitations/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        var problem = await Expect(ada.GetAsync("/api/v1/invitations?status=7"), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("status", out _));
    }

    private async Task<JsonElement> InvitationAsync(Guid author)
    {
        var all = await api.Http.GetFromJsonAsync<JsonElement>("/api/v1/invitations?limit=200");
        return all.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("invitedBy").GetGuid() == author);
    }

    /// <summary>A member who joined by invitation, with a second token of their own.</summary>
    private async Task<(HttpClient Client, Guid Id, Guid[] Tokens)> MemberAsync(string name)
    {
        var code = (await Created(api.Http.PostAsync("/api/v1/invitations", null))).GetProperty("code").GetString();
        using var invitee = api.ClientWith(code);
        var joined = await Created(invitee.PostAsJsonAsync("/api/v1/join", new { handle = Handle(name), name }));
        var client = api.ClientWith(joined.GetProperty("token").GetProperty("token").GetString());
        var second = await Created(client.PostAsJsonAsync("/api/v1/me/tokens", new { name = "laptop" }));
        return (client, joined.GetProperty("researcher").GetProperty("id").GetGuid(),
            [joined.GetProperty("token").GetProperty("id").GetGuid(), second.GetProperty("id").GetGuid()]);
    }

    private static string Handle(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
}
