using System.Net.Http.Json;
using System.Text.Json;

namespace Lab.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class ServiceTests(ApiFixture api)
{
    [Fact]
    public async Task Health_reports_the_database()
    {
        var health = await api.Http.GetFromJsonAsync<JsonElement>("/health");

        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal("Healthy", health.GetProperty("entries").GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_ideas_api()
    {
        var document = await api.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        Assert.True(document.GetProperty("paths").TryGetProperty("/api/v1/ideas", out var ideas));
        Assert.True(ideas.TryGetProperty("post", out _));
        Assert.True(ideas.TryGetProperty("get", out _));
    }
}
