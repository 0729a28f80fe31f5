using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;
using Xunit.Abstractions;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// The contract of <c>lab demo</c>, run as a person runs it: a lab of its own filled with a research group through the
/// API, the last line of its output a JSON report whose every figure is what the lab's API says, the lab kept running with
/// <c>--keep</c> until a signal, then stopped with its throwaway folder removed; bad options refused before anything starts.
/// </summary>
public sealed class DemoCommandTests(ITestOutputHelper output)
{
    [Fact]
    [Trait(TestSpeed.Trait, TestSpeed.Slow)]
    public async Task The_demo_fills_a_lab_with_a_research_group_reports_what_the_api_says_and_keeps_it_until_stopped()
    {
        var temp = TestFolders.Create("demo");
        var port = Lab.Hosting.FreePort.Next();
        try
        {
            // Its throwaway folder goes under the test's own (TMPDIR), so the test can see it come and go.
            await using var demo = await LabProcess.StartAsync(["demo", "--json", "--keep", "--port", port.ToString(CultureInfo.InvariantCulture)], port,
                new Dictionary<string, string?> { ["TMPDIR"] = temp }, waitUntilRunning: false);
            var took = await Polling.UntilAsync(() => Task.FromResult(demo.HasExited || LastJson(demo) is not null), "lab demo printed its report",
                TimeSpan.FromMinutes(8));
            Assert.False(demo.HasExited, $"lab demo ended before its report:{Environment.NewLine}{demo.Output}");
            output.WriteLine($"lab demo reported after {took.TotalSeconds:0} s");
            var report = LastJson(demo)!.Value;
            output.WriteLine(report.ToString());

            Assert.True(report.GetProperty("succeeded").GetBoolean(), demo.Output);
            Assert.Equal(JsonValueKind.Null, report.GetProperty("failed_step").ValueKind);
            Assert.True(report.GetProperty("kept").GetBoolean());
            var url = report.GetProperty("portal_url").GetString()!;
            Assert.Equal($"http://localhost:{port}", url);
            var dataDir = report.GetProperty("data_dir").GetString()!;
            Assert.StartsWith(temp, dataDir, StringComparison.Ordinal);
            Assert.True(Directory.Exists(dataDir), $"{dataDir} is not there while the lab runs");

            // The portal answers at the reported URL, and the reported token is the first member's.
            using (var anonymous = LabProcess.Client(url, null))
            {
                using var page = await anonymous.GetAsync("/");
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                Assert.Contains("text/html", page.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            }
            using var http = LabProcess.Client(url, report.GetProperty("token").GetString());
            Assert.True((await http.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("operatesLab").GetBoolean());

            await AssertFiguresAreTheLabsAsync(http, report);

            // A signal stops it: exit code 0, the report still the last line of its standard output, the folder gone.
            Assert.Equal(0, await demo.StopAsync());
            Assert.Equal(report.ToString(), LastJson(demo)!.Value.ToString());
            Assert.Equal(report.GetRawText(), demo.StandardOutputLines[^1]);
            Assert.False(Directory.Exists(dataDir), $"the throwaway folder {dataDir} was left behind");
            using var gone = LabProcess.Client(url, null);
            await Assert.ThrowsAsync<HttpRequestException>(() => gone.GetAsync("/health"));
        }
        finally
        {
            TestFolders.TryDelete(temp);
        }
    }

    [Theory]
    [InlineData("--port", "0")]
    [InlineData("--port", "70000")]
    [InlineData("--port", "eighty")]
    [InlineData("--data-dir", "FILE")]
    [InlineData("--colour", "green")]
    public async Task Bad_options_get_a_clear_error_and_exit_code_2_and_start_nothing(string option, string value)
    {
        var temp = TestFolders.Create("demobad");
        try
        {
            var file = Path.Combine(temp, "a-file");
            await File.WriteAllTextAsync(file, "not a folder");
            var result = await LabCommand.RunAsync(["demo", option, value == "FILE" ? file : value, "--json"],
                new Dictionary<string, string?> { ["TMPDIR"] = temp });

            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains(option, result.Stderr, StringComparison.Ordinal);
            Assert.Contains("lab demo [--json] [--keep] [--port N] [--data-dir DIR]", result.Stderr, StringComparison.Ordinal);
            Assert.Empty(result.Stdout);
            Assert.Equal([file], Directory.GetFileSystemEntries(temp));
        }
        finally
        {
            TestFolders.TryDelete(temp);
        }
    }

    /// <summary>Every figure of the report against the lab's own answers (the lab holds nothing but what the demo made).</summary>
    private static async Task AssertFiguresAreTheLabsAsync(HttpClient http, JsonElement report)
    {
        int Figure(string name) => report.GetProperty(name).GetInt32();

        var researchers = await http.GetFromJsonAsync<JsonElement>("/api/v1/researchers");
        Assert.True(Figure("researchers") >= 3, "several researchers");
        Assert.Equal(researchers.GetProperty("total").GetInt32() - 1, Figure("researchers")); // all but the first member

        var ideas = Items(await http.GetFromJsonAsync<JsonElement>("/api/v1/ideas?limit=100")).ToList();
        Assert.Equal(ideas.Count, Figure("ideas"));
        Assert.True(Figure("ideas") >= 2, "several ideas");
        Assert.Equal(ideas.Count(i => i.GetProperty("status").GetString() == "Validated"), Figure("ideas_validated"));
        Assert.Equal(ideas.Count(i => i.GetProperty("status").GetString() == "SetAside"), Figure("ideas_set_aside"));
        Assert.True(Figure("ideas_validated") >= 1, "an idea was validated");
        var teams = ideas.Count(i => i.GetProperty("members").GetArrayLength() + i.GetProperty("formerMembers").GetArrayLength() > 0);
        Assert.Equal(teams, Figure("teams"));
        Assert.Contains(ideas, i => i.GetProperty("formerMembers").GetArrayLength() > 0); // someone left a team

        var runs = Items(await http.GetFromJsonAsync<JsonElement>("/api/v1/runs?limit=100")).ToList();
        var pool = await http.GetFromJsonAsync<JsonElement>("/api/v1/pool");
        Assert.Equal(pool.GetProperty("liveDevices").GetInt32(), Figure("devices"));
        Assert.True(runs.Count > Figure("devices"), $"{runs.Count} runs for {Figure("devices")} devices");
        Assert.Equal(runs.Count, Figure("runs_submitted"));
        Assert.Equal(runs.Count(r => r.GetProperty("status").GetString() == "Finished"), Figure("runs_finished"));
        Assert.Equal(runs.Count, Figure("runs_finished"));
        Assert.Equal(runs.Count(r => r.GetProperty("preemptions").GetInt32() > 0), Figure("runs_preempted"));
        Assert.Equal(runs.Sum(r => r.GetProperty("preemptions").GetInt32()), Figure("preemptions"));
        Assert.Equal(runs.Count(r => r.GetProperty("history").EnumerateArray().Any(h => h.GetProperty("event").GetString() == "resumed")), Figure("runs_resumed"));
        Assert.True(Figure("runs_preempted") >= 1, "no run was preempted");
        Assert.True(Figure("runs_resumed") >= 1, "no run resumed");
        Assert.Equal(runs.Sum(r => r.GetProperty("deviceSeconds").GetDouble()), report.GetProperty("device_seconds").GetDouble(), 0.5);
        var reported = report.GetProperty("runs").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetGuid());
        Assert.Equal(runs.Select(r => r.GetProperty("id").GetGuid()).Order(), reported.Keys.Order());
        foreach (var run in runs)
        {
            var figures = reported[run.GetProperty("id").GetGuid()];
            Assert.Equal(run.GetProperty("status").GetString(), figures.GetProperty("status").GetString());
            Assert.Equal(run.GetProperty("preemptions").GetInt32(), figures.GetProperty("preemptions").GetInt32());
            Assert.Equal(run.GetProperty("attempts").GetInt32(), figures.GetProperty("placements").GetInt32());
            Assert.Equal(run.GetProperty("totalSteps").GetInt32(), figures.GetProperty("step").GetInt32());
        }

        var notes = (await http.GetFromJsonAsync<JsonElement>("/api/v1/notes")).GetProperty("total").GetInt32();
        var insights = Items(await http.GetFromJsonAsync<JsonElement>("/api/v1/insights")).ToList();
        Assert.Equal(notes, Figure("notes"));
        Assert.Equal(insights.Count, Figure("insights"));
        Assert.Contains(insights, i => i.GetProperty("evidence").EnumerateArray().Any(e => e.GetProperty("kind").GetString() == "Run") &&
                                       i.GetProperty("citedDeviceSeconds").GetDouble() > 0);
        // Every finished run is a knowledge entry that search finds, as are the ideas, notes and insights.
        var runEntries = Items(await http.GetFromJsonAsync<JsonElement>("/api/v1/knowledge/search?q=run&kind=run&limit=50")).Select(h => h.GetProperty("id").GetGuid()).ToHashSet();
        Assert.All(runs, r => Assert.Contains(r.GetProperty("id").GetGuid(), runEntries));
        Assert.Equal(ideas.Count + notes + insights.Count + runs.Count, Figure("knowledge_entries"));

        Assert.True(Figure("searches") >= 1 && Figure("search_hits") >= Figure("searches"), "every search found something");
        var feed = Items(await http.GetFromJsonAsync<JsonElement>("/api/v1/feed?limit=100")).ToList();
        Assert.Equal(feed.Count(e => e.GetProperty("celebrate").GetBoolean()), Figure("celebrations"));
        Assert.True(Figure("celebrations") >= 1, "the validation was not celebrated");
    }

    private static IEnumerable<JsonElement> Items(JsonElement answer) => answer.GetProperty("items").EnumerateArray();

    /// <summary>The last line of the demo's standard output when it is a JSON object, else null.</summary>
    private static JsonElement? LastJson(LabProcess demo)
    {
        var lines = demo.StandardOutputLines;
        if (lines.Count == 0 || !lines[^1].StartsWith('{'))
        {
            return null;
        }
        try
        {
            return JsonDocument.Parse(lines[^1]).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
