using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary><c>lab up</c> as a person runs it: one process, one URL, the event store surviving restarts.</summary>
public sealed class LabUpTests
{
    [Fact]
    public async Task An_idea_proposed_through_the_gateway_and_a_portal_login_are_still_there_after_a_restart()
    {
        var data = TestFolders.Create("restart");
        await using var portal = await PortalBrowser.StartAsync();
        try
        {
            Guid id;
            Microsoft.Playwright.IPage loggedIn;
            var tokenFile = Path.Combine(data, "token");
            await using (var first = await LabProcess.UpAsync(data, FreshHome(data, "first"), "--token-file", tokenFile))
            {
                using var http = LabProcess.Client(first.Url, File.ReadAllText(tokenFile).Trim());
                using (var anonymous = LabProcess.Client(first.Url, null))
                {
                    using var refused = await anonymous.GetAsync("/api/v1/ideas");
                    Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                }
                using var created = await http.PostAsJsonAsync("/api/v1/ideas", new { title = "Survives restarts", hypothesis = "The event log is the source of truth." });
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                loggedIn = await portal.LoggedInPageAsync(first.Url, File.ReadAllText(tokenFile).Trim());

                Assert.Equal(0, await first.StopAsync());
                Assert.Contains("Lab stopped.", first.Output, StringComparison.Ordinal);
            }
            Assert.False(File.Exists(Path.Combine(data, "postgres", "data", "postmaster.pid")), "PostgreSQL was left running after lab stopped");

            // The same member's token still works after the restart.
            var token = File.ReadAllText(tokenFile).Trim();
            File.Delete(tokenFile);
            await using var second = await LabProcess.UpAsync(data, FreshHome(data, "second"), "--token-file", tokenFile);
            Assert.Equal(token, File.ReadAllText(tokenFile).Trim());
            Assert.Contains(token, second.Output, StringComparison.Ordinal);
            using var again = LabProcess.Client(second.Url, token);
            var idea = await again.GetFromJsonAsync<JsonElement>($"/api/v1/ideas/{id}");
            Assert.Equal("Survives restarts", idea.GetProperty("title").GetString());
            var board = await again.GetFromJsonAsync<JsonElement>("/api/v1/ideas");
            Assert.Contains(board.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetGuid() == id);

            // The portal's cookie keys live in the database: the browser's login cookie still opens the board.
            await loggedIn.GotoAsync(second.Url + "/");
            Assert.DoesNotContain("/login", loggedIn.Url, StringComparison.Ordinal);
            await loggedIn.WaitForSelectorAsync("#propose-form");
            Assert.Contains("Survives restarts", await loggedIn.InnerTextAsync("main"), StringComparison.Ordinal);
        }
        finally
        {
            TestFolders.TryDelete(data);
        }
    }

    [Fact]
    public async Task A_killed_postgres_is_started_again_and_nothing_acknowledged_is_lost_nor_any_run()
    {
        var data = TestFolders.Create("pgkill");
        var tokenFile = Path.Combine(data, "token");
        try
        {
            await using var lab = await LabProcess.UpAsync(data, "--token-file", tokenFile);
            using var http = LabProcess.Client(lab.Url, File.ReadAllText(tokenFile).Trim());
            using var idea = await http.PostAsJsonAsync("/api/v1/ideas", new { title = "Outlive the database", hypothesis = "Acknowledged is durable." });
            var ideaId = (await idea.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            using var submitted = await http.PostAsJsonAsync("/api/v1/runs", new
            {
                ideaId,
                config = new { preset = "tiny", training = new { steps = 80, checkpoint_every = 10, log_every = 5, eval_every = 40, threads = 1 }, data = new { synthetic_chars = 30_000 } },
            });
            var runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            await Polling.UntilAsync(http, $"/api/v1/runs/{runId}", r => r.GetProperty("status").GetString() == "Running", "the run was training");

            // A steady stream of writes; PostgreSQL is killed in the middle of it.
            var acknowledged = new List<Guid>();
            var refusals = new List<string>();
            for (var i = 0; i < 120 && (acknowledged.Count < 40 || refusals.Count == 0 || i < 60); i++)
            {
                if (i == 10)
                {
                    var postmaster = int.Parse(File.ReadLines(Path.Combine(data, "postgres", "data", "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
                    System.Diagnostics.Process.GetProcessById(postmaster).Kill(); // SIGKILL
                }
                using var written = await http.PostAsJsonAsync("/api/v1/notes", new { title = $"Write {i}", body = "Steady." });
                if (written.StatusCode == HttpStatusCode.Created)
                {
                    acknowledged.Add((await written.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
                }
                else
                {
                    refusals.Add($"{(int)written.StatusCode} {written.Content.Headers.ContentType?.MediaType}");
                }
                await Task.Delay(100);
            }

            Assert.Contains("PostgreSQL is running again", lab.Output, StringComparison.Ordinal);
            Assert.All(refusals, r => Assert.Equal("503 application/problem+json", r));
            Assert.True(acknowledged.Count >= 40, $"{acknowledged.Count} writes acknowledged; refusals: {string.Join(", ", refusals)}");
            foreach (var note in acknowledged)
            {
                using var read = await http.GetAsync($"/api/v1/notes/{note}");
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            }
            var finished = await Polling.UntilAsync(http, $"/api/v1/runs/{runId}", r => r.GetProperty("status").GetString() is "Finished" or "Failed" or "Cancelled",
                "the run ended", TimeSpan.FromMinutes(3));
            Assert.Equal("Finished", finished.GetProperty("status").GetString());
            Assert.Equal(80, finished.GetProperty("outcome").GetProperty("step").GetInt32());
            Assert.Equal(1, finished.GetProperty("history").EnumerateArray().Count(h => h.GetProperty("event").GetString() == "finished"));
        }
        finally
        {
            TestFolders.TryDelete(data);
        }
    }

    [Fact]
    public async Task After_lab_up_is_killed_mid_run_a_restart_resumes_the_run_and_its_history_says_so()
    {
        var data = TestFolders.Create("upkill");
        var tokenFile = Path.Combine(data, "token");
        try
        {
            Guid runId;
            int checkpointed;
            await using (var first = await LabProcess.UpAsync(data, "--token-file", tokenFile))
            {
                using var http = LabProcess.Client(first.Url, File.ReadAllText(tokenFile).Trim());
                using var idea = await http.PostAsJsonAsync("/api/v1/ideas", new { title = "Outlive lab itself", hypothesis = "A crash costs a restart." });
                var ideaId = (await idea.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                using var submitted = await http.PostAsJsonAsync("/api/v1/runs", new
                {
                    ideaId,
                    // Long enough (several seconds of training) that the kill comes while it trains, not after it finished.
                    config = new { preset = "tiny", training = new { steps = 500, checkpoint_every = 10, log_every = 5, eval_every = 250, threads = 1 }, data = new { synthetic_chars = 30_000 } },
                });
                runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                var running = await Polling.UntilAsync(http, $"/api/v1/runs/{runId}", r => r.GetProperty("checkpointStep").GetInt32() >= 20, "the run checkpointed");
                checkpointed = running.GetProperty("checkpointStep").GetInt32();
                Assert.True(checkpointed < 400, $"the run was at step {checkpointed} already when lab was to be killed");
                await first.KillAsync();
            }

            await using var second = await LabProcess.UpAsync(data, "--token-file", tokenFile);
            using var again = LabProcess.Client(second.Url, File.ReadAllText(tokenFile).Trim());
            var finished = await Polling.UntilAsync(again, $"/api/v1/runs/{runId}", r => r.GetProperty("status").GetString() is "Finished" or "Failed" or "Cancelled",
                "the run ended", TimeSpan.FromMinutes(4));
            Assert.Equal("Finished", finished.GetProperty("status").GetString());
            Assert.Equal(500, finished.GetProperty("outcome").GetProperty("step").GetInt32());
            var history = finished.GetProperty("history").EnumerateArray()
                .Select(h => (Event: h.GetProperty("event").GetString(), Detail: h.GetProperty("detail").GetString() ?? "")).ToList();
            Assert.Contains(history, h => h.Event == "requeued" && h.Detail.Contains("restarted", StringComparison.Ordinal));
            Assert.Equal(2, history.Count(h => h.Event == "placed"));
            var resumed = Assert.Single(history, h => h.Event == "resumed");
            var resumedAt = int.Parse(resumed.Detail.Split(' ').Last(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(resumedAt >= checkpointed, $"resumed from {resumedAt}, checkpointed at {checkpointed} before the kill");
            Assert.Equal(1, history.Count(h => h.Event == "finished"));
        }
        finally
        {
            TestFolders.TryDelete(data);
        }
    }

    /// <summary>
    /// A home folder of its own for one start, as a new container gets: only the data folder (the database) is
    /// carried over, not whatever the services keep in the home folder (such as ASP.NET's default key folder).
    /// </summary>
    private static Dictionary<string, string?> FreshHome(string data, string name)
    {
        var home = Directory.CreateDirectory(Path.Combine(data, "home-" + name)).FullName;
        return new Dictionary<string, string?> { ["HOME"] = home };
    }

    [Fact]
    public async Task Without_postgres_programs_or_a_connection_string_it_says_what_to_do_and_fails()
    {
        var data = TestFolders.Create("nopg");
        var port = Lab.Hosting.FreePort.Next();
        await using var lab = await LabProcess.StartAsync(
            ["up", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", data],
            port,
            new Dictionary<string, string?> { ["LAB_POSTGRES_BIN"] = "/nonexistent/postgres/bin", ["ConnectionStrings__lab"] = null },
            waitUntilRunning: false);

        var exitCode = await lab.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("PostgreSQL server programs", lab.Output, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__lab", lab.Output, StringComparison.Ordinal);
        TestFolders.TryDelete(data);
    }

    [Fact]
    public async Task A_busy_port_is_refused_with_a_clear_message()
    {
        using var busy = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var data = TestFolders.Create("busyport");

        await using var lab = await LabProcess.StartAsync(
            ["up", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", data], port, waitUntilRunning: false);
        var exitCode = await lab.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Port {port} is already in use", lab.Output, StringComparison.Ordinal);
        TestFolders.TryDelete(data);
    }
}
