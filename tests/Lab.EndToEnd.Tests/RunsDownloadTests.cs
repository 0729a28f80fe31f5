using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;

namespace Lab.EndToEnd.Tests;

/// <summary><c>lab runs download</c>: a run's newest checkpoint and its training log, as the API serves them, onto the member's disk.</summary>
[Collection(RunningLabCollection.Name)]
public sealed class RunsDownloadTests(RunningLabFixture lab) : IDisposable
{
    private readonly string _folder = TestFolders.Create("cli-download");

    [Fact]
    public async Task A_member_downloads_a_runs_checkpoint_and_log_never_over_a_file_unasked_and_a_failure_leaves_nothing()
    {
        var idea = await CreatedAsync("/api/v1/ideas", new { title = $"Downloads {Guid.NewGuid():N}"[..20], hypothesis = "Checkpoints travel." });
        var run = await CreatedAsync("/api/v1/runs", new
        {
            ideaId = idea,
            config = new { preset = "tiny", training = new { steps = 30, checkpoint_every = 10, log_every = 10, eval_every = 30, threads = 1 } },
        });
        await Polling.UntilAsync(lab.Http, $"/api/v1/runs/{run}", r => r.GetProperty("status").GetString() is "Finished" or "Failed" or "Cancelled",
            "the run ended", TimeSpan.FromMinutes(4));
        var downloads = Directory.CreateDirectory(Path.Combine(_folder, "downloads")).FullName;

        // Into a folder, under the name the lab gives it, byte for byte what the API serves; by the id's end, as the portal shows it.
        var checkpoint = await LabAsync("runs", "download", run.ToString("N")[^8..], "--output", downloads, "--json");
        Assert.True(checkpoint.ExitCode == 0, checkpoint.ToString());
        var path = checkpoint.Json().GetProperty("path").GetString()!;
        Assert.Equal(downloads, Path.GetDirectoryName(path));
        Assert.StartsWith($"run-{run}-step-30", Path.GetFileName(path), StringComparison.Ordinal);
        var served = await lab.Http.GetByteArrayAsync($"/api/v1/runs/{run}/checkpoint");
        Assert.Equal(served, await File.ReadAllBytesAsync(path));
        Assert.Equal(served.Length, checkpoint.Json().GetProperty("bytes").GetInt64());

        // Its log, to a file named by the member, with the progress it printed and no path of the worker's machine.
        var logPath = Path.Combine(downloads, "training.log");
        var log = await LabAsync("runs", "download", run.ToString(), "--log", "-o", logPath);
        Assert.True(log.ExitCode == 0, log.ToString());
        Assert.Contains("Downloaded", log.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"event\":\"progress\"", await File.ReadAllTextAsync(logPath), StringComparison.Ordinal);

        // A file already there is kept unless --force says otherwise.
        await File.WriteAllTextAsync(logPath, "mine");
        var kept = await LabAsync("runs", "download", run.ToString(), "--log", "-o", logPath);
        Assert.NotEqual(0, kept.ExitCode);
        Assert.Contains("--force", kept.Stderr, StringComparison.Ordinal);
        Assert.Equal("mine", await File.ReadAllTextAsync(logPath));
        var replaced = await LabAsync("runs", "download", run.ToString(), "--log", "-o", logPath, "--force");
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.NotEqual("mine", await File.ReadAllTextAsync(logPath));

        // A run with no checkpoint yet is refused in the API's words, and nothing is left behind.
        var waiting = await CreatedAsync("/api/v1/runs", new { ideaId = idea, kind = "cuda", config = new { preset = "tiny", training = new { steps = 10 } } });
        var before = Directory.GetFiles(downloads).Order().ToList();
        var none = await LabAsync("runs", "download", waiting.ToString(), "-o", downloads);
        Assert.NotEqual(0, none.ExitCode);
        Assert.False(string.IsNullOrWhiteSpace(none.Stderr), none.ToString());
        Assert.Equal(before, Directory.GetFiles(downloads, "*", new EnumerationOptions { AttributesToSkip = 0 }).Order().ToList());
    }

    public void Dispose() => TestFolders.TryDelete(_folder);

    private Task<LabCommandResult> LabAsync(params string[] arguments) =>
        LabCommand.RunAsync([.. arguments, "--url", lab.Lab.Url], new Dictionary<string, string?>
        {
            ["LAB_CONFIG"] = Path.Combine(_folder, "lab.json"),
            ["LAB_TOKEN"] = lab.Token,
        });

    private async Task<Guid> CreatedAsync(string path, object body)
    {
        using var created = await lab.Http.PostAsJsonAsync(path, body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }
}
