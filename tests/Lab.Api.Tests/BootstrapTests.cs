using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Contracts;
using Lab.Hosting;
using Lab.Testing;
using Microsoft.AspNetCore.Builder;

namespace Lab.Api.Tests;

/// <summary>The API on its own (as in Kubernetes): the operator's bootstrap secret becomes the first member's token.</summary>
public sealed class BootstrapTests
{
    [Fact]
    public async Task A_bootstrap_token_logs_in_the_first_member_and_survives_a_restart()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("bootstrap");
        var secret = "lab_" + new string('b', 40);
        var settings = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{LabServices.Database}"] = connectionString,
            ["Lab:Bootstrap:Token"] = secret,
            ["Lab:Bootstrap:Handle"] = "ops",
            ["Logging:LogLevel:Default"] = "Warning",
        };

        for (var start = 0; start < 2; start++)
        {
            List<WebApplication> started = [await InProcessService.StartAsync("Lab.Api", "http://127.0.0.1:0", settings, ApiService.Build)];
            try
            {
                using var http = LabProcess.Client(InProcessService.AddressOf(started[0]), secret);
                using var response = await http.GetAsync("/api/v1/me");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var me = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("ops", me.GetProperty("handle").GetString());
                Assert.True(me.GetProperty("operatesLab").GetBoolean());
                var tokens = await http.GetFromJsonAsync<JsonElement>("/api/v1/me/tokens");
                Assert.Single(tokens.EnumerateArray());
            }
            finally
            {
                await InProcessService.StopAllAsync(started);
            }
        }
    }
}
