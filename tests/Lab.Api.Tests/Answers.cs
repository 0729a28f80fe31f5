using System.Net;
using System.Text.Json;

namespace Lab.Api.Tests;

/// <summary>An API call's answer, checked for the status a test expects (the body shows when it is not), as JSON.</summary>
public static class Answers
{
    public static Task<JsonElement> Ok(Task<HttpResponseMessage> call) => Expect(call, HttpStatusCode.OK);

    public static Task<JsonElement> Created(Task<HttpResponseMessage> call) => Expect(call, HttpStatusCode.Created);

    public static async Task<JsonElement> Expect(Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
