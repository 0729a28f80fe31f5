using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Lab.Contracts;
using Lab.Hosting;
using Lab.Testing;
using Xunit.Abstractions;

namespace Lab.AppHost.Tests;

/// <summary>
/// The Aspire AppHost as <c>dotnet run --project aspire/Lab.AppHost</c> runs it on a machine without a container runtime:
/// PostgreSQL from the local server programs, two API replicas, a worker, the portal and the gateway, all real processes.
/// </summary>
public sealed class AppHostTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task With_local_postgres_a_tiny_run_trains_to_the_end_through_the_gateway_and_nothing_is_left_running()
    {
        var dataDir = TestFolders.Create("apphost");
        var token = "lab_" + Guid.NewGuid().ToString("N") + "apphost";
        using var cancel = new CancellationTokenSource(Budget);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");
        try
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Lab_AppHost>(
                [
                    "Lab:Postgres=local",
                    $"Lab:DataDir={dataDir}",
                    $"Lab:GatewayPort={FreePort.Next().ToString(CultureInfo.InvariantCulture)}",
                    $"Parameters:bootstrap-token={token}",
                ],
                cancel.Token);
            await using (var app = await builder.BuildAsync(cancel.Token))
            {
                await app.StartAsync(cancel.Token);
                Phase("started");
                await app.ResourceNotifications.WaitForResourceHealthyAsync(LabServices.Gateway, cancel.Token);
                Phase("gateway healthy");
                using var http = app.CreateHttpClient(LabServices.Gateway);
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

                using var proposed = await http.PostAsJsonAsync("/api/v1/ideas", new { title = "Aspire trains", hypothesis = "The AppHost's worker runs its own training engine." }, cancel.Token);
                Assert.Equal(HttpStatusCode.Created, proposed.StatusCode);
                var ideaId = (await proposed.Content.ReadFromJsonAsync<JsonElement>(cancel.Token)).GetProperty("id").GetGuid();
                using var submitted = await http.PostAsJsonAsync("/api/v1/runs", new { ideaId, config = new { preset = "tiny", training = new { steps = 20 } } }, cancel.Token);
                Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
                var runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>(cancel.Token)).GetProperty("id").GetGuid();

                var run = await WaitForEndAsync(http, runId, cancel.Token);
                Phase("run ended");
                Assert.True(run.GetProperty("status").GetString() == "Finished", $"the run ended as {run}");
                Assert.Equal(20, run.GetProperty("outcome").GetProperty("step").GetInt32());
                // Two API/silo replicas serve the lab, each told the AppHost's data folder.
                Assert.Equal(2, MachineProcesses.Using(dataDir).Count(p => p.Program == "Lab.Api"));
                // The worker keeps the run's checkpoints under the AppHost's data folder.
                Assert.True(Directory.Exists(Path.Combine(dataDir, "checkpoints", "runs", runId.ToString("D"))));
            }

            Phase("AppHost disposed");
            var left = await MachineProcesses.WaitUntilGoneAsync(dataDir, TimeSpan.FromSeconds(15));
            Phase("its processes gone");
            Assert.True(left.Count == 0, "still running after the AppHost stopped:\n" + string.Join('\n', left));
            Assert.False(File.Exists(Path.Combine(dataDir, "postgres", "data", "postmaster.pid")), "PostgreSQL did not shut down cleanly");
        }
        finally
        {
            TestFolders.TryDelete(dataDir);
        }
    }

    private static async Task<JsonElement> WaitForEndAsync(HttpClient http, Guid runId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var run = await http.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}", cancellationToken);
            if (run.GetProperty("status").GetString() is "Finished" or "Failed" or "Cancelled")
            {
                return run;
            }
            await Task.Delay(250, cancellationToken);
        }
    }
}
