using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lab.Testing;
using Xunit.Abstractions;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// The pool issue's promise with real processes, through the gateway: several members submit runs for their ideas at
/// once, on fewer devices than runs; the pool shares the devices between the ideas, preempts the over-share idea's run
/// and resumes it from its checkpoint, says why every waiting run waits, finishes every run and accounts the device time.
/// The same lab answers the <c>lab runs</c> and <c>lab pool</c> commands.
/// </summary>
public sealed partial class PoolSharingTests(SharedPoolFixture lab, ITestOutputHelper output) : IClassFixture<SharedPoolFixture>
{
    private const int LongSteps = 150;
    private const int ShortSteps = 60;

    [Fact]
    public async Task Members_submitting_at_once_share_the_devices_between_ideas_with_preemption_and_resumption_and_every_run_finishes()
    {
        var clock = Stopwatch.StartNew();
        await lab.WaitUntilIdleAsync();
        var (ada, bob, cy) = (await lab.JoinAsync("ada"), await lab.JoinAsync("bob"), await lab.JoinAsync("cy"));
        var ideas = await Task.WhenAll(
            ProposeAsync(ada, "Fewer, finer experts"),
            ProposeAsync(bob, "Shared expert carries syntax"),
            ProposeAsync(cy, "Bias-only load balancing"));
        var (ideaA, ideaB, ideaC) = (ideas[0], ideas[1], ideas[2]);

        // Ada's idea has the pool to itself: both her runs start at once, one on each device.
        var adaRuns = await Task.WhenAll(SubmitAsync(ada, ideaA, LongSteps, seed: 1), SubmitAsync(ada, ideaA, LongSteps, seed: 2));
        await lab.WaitAsync($"/api/v1/runs?ideaId={ideaA}", page => Items(page).All(r => Status(r) == "Running" && r.GetProperty("checkpointStep").GetInt32() >= 10),
            "both of Ada's runs were running on the two devices and had checkpointed");

        // Bob and Cy arrive at the same moment, each with a run for their own idea.
        var others = await Task.WhenAll(SubmitAsync(bob, ideaB, ShortSteps, seed: 3), SubmitAsync(cy, ideaC, ShortSteps, seed: 4));
        var ours = adaRuns.Concat(others).ToHashSet();
        var contended = Stopwatch.StartNew();
        var snapshots = new List<JsonElement>();
        var runs = await lab.WatchAsync("/api/v1/runs?limit=100", async page =>
        {
            snapshots.Add(await lab.Http.GetFromJsonAsync<JsonElement>("/api/v1/pool"));
            var mine = Items(page).Where(r => ours.Contains(Id(r))).ToList();
            return mine.Count == ours.Count && mine.All(r => Status(r) is "Finished" or "Failed" or "Cancelled");
        }, "every run was over", TimeSpan.FromSeconds(150));
        var contendedSeconds = contended.Elapsed.TotalSeconds;
        var byId = Items(runs).Where(r => ours.Contains(Id(r))).ToDictionary(Id);

        // Every run finishes, all its steps done.
        foreach (var (id, run) in byId)
        {
            Assert.True(Status(run) == "Finished", $"run {id} ended {Status(run)}: {run}");
            Assert.Equal(run.GetProperty("totalSteps").GetInt32(), run.GetProperty("outcome").GetProperty("step").GetInt32());
        }

        // The pool shared the devices between the ideas: with all three asking, each idea's fair share was 2/3 of the
        // two devices, and Ada's idea held one device while another idea held the other.
        var threeWay = snapshots.Where(p => Shares(p).Count(s => s.Key == ideaA || s.Key == ideaB || s.Key == ideaC) == 3).ToList();
        Assert.True(threeWay.Count > 0, "the pool view never showed the three ideas' fair shares");
        Assert.All(threeWay.Select(p => Shares(p)), shares => Assert.All(new[] { ideaA, ideaB, ideaC }, i => Assert.Equal(0.667, shares[i])));
        Assert.Contains(snapshots, p =>
        {
            var holders = Leases(p).Where(l => !l.GetProperty("stopping").GetBoolean()).Select(l => l.GetProperty("ideaId").GetGuid()).ToList();
            return holders.Count == 2 && holders.Contains(ideaA) && (holders.Contains(ideaB) || holders.Contains(ideaC));
        });

        // Exactly one of Ada's runs stepped aside for the newcomers; theirs were never preempted.
        var preempted = Assert.Single(adaRuns, id => byId[id].GetProperty("preemptions").GetInt32() > 0);
        Assert.Equal(1, byId[preempted].GetProperty("preemptions").GetInt32());
        Assert.All(others, id => Assert.Equal(0, byId[id].GetProperty("preemptions").GetInt32()));
        Assert.Equal(1, byId[adaRuns.Single(id => id != preempted)].GetProperty("attempts").GetInt32());

        // Its history tells the story, and its step count continues from its checkpoint.
        var resumedAt = await AssertPreemptedAndResumedAsync(preempted, byId[preempted]);
        output.WriteLine($"run {preempted} was preempted and resumed from step {resumedAt}");

        // Every waiting run said why in plain words, with an estimated start.
        var queued = snapshots.SelectMany(p => p.GetProperty("queue").EnumerateArray()).Where(q => ours.Contains(q.GetProperty("runId").GetGuid())).ToList();
        Assert.All(queued, q =>
        {
            Assert.Matches(PlainReason(), q.GetProperty("reason").GetString());
            Assert.Equal(JsonValueKind.String, q.GetProperty("estimatedStart").ValueKind);
        });
        var waited = queued.Select(q => q.GetProperty("runId").GetGuid()).ToHashSet();
        Assert.True(waited.Contains(others[1]) || waited.Contains(others[0]), "neither newcomer was ever seen waiting, though both devices were busy");
        Assert.Contains(preempted, waited);
        output.WriteLine("reasons seen: " + string.Join(", ", queued.Select(q => q.GetProperty("reason").GetString()).Distinct()));

        // Nothing sat idle while work waited.
        var busy = snapshots.Where(p => p.GetProperty("queue").EnumerateArray().Any(q => ours.Contains(q.GetProperty("runId").GetGuid()))).ToList();
        Assert.NotEmpty(busy);
        Assert.All(busy, p =>
        {
            Assert.Equal(2, p.GetProperty("liveDevices").GetInt32());
            Assert.Equal(2, p.GetProperty("devicesInUse").GetInt32());
            Assert.Equal(1.0, p.GetProperty("utilization").GetDouble());
        });

        // Device time is accounted per run and per idea, and adds up.
        var accounting = (await lab.Http.GetFromJsonAsync<JsonElement>("/api/v1/runs/accounting")).EnumerateArray()
            .ToDictionary(c => c.GetProperty("ideaId").GetGuid());
        foreach (var (idea, runsOfIdea) in new[] { (ideaA, adaRuns), (ideaB, new[] { others[0] }), (ideaC, new[] { others[1] }) })
        {
            var compute = accounting[idea];
            Assert.Equal(runsOfIdea.Length, compute.GetProperty("runs").GetInt32());
            Assert.Equal(runsOfIdea.Length, compute.GetProperty("runsFinished").GetInt32());
            var perRun = runsOfIdea.Sum(id => byId[id].GetProperty("deviceSeconds").GetDouble());
            Assert.True(runsOfIdea.All(id => byId[id].GetProperty("deviceSeconds").GetDouble() > 0), "a finished run has no device time");
            var accounted = compute.GetProperty("deviceSeconds").GetDouble();
            Assert.True(Math.Abs(perRun - accounted) < 0.01, $"idea {idea}: its runs used {perRun} device-seconds, the accounting says {accounted}");
        }
        var deviceSeconds = accounting.Values.Where(c => c.GetProperty("ideaId").GetGuid() is var i && (i == ideaA || i == ideaB || i == ideaC))
            .ToDictionary(c => c.GetProperty("ideaId").GetGuid(), c => c.GetProperty("deviceSeconds").GetDouble());
        Assert.True(deviceSeconds[ideaA] > deviceSeconds[ideaB] && deviceSeconds[ideaA] > deviceSeconds[ideaC],
            $"two runs of {LongSteps} steps cost less than one of {ShortSteps}: {string.Join(", ", deviceSeconds.Values)}");
        // Two devices cannot give more device time than twice the time since Ada's runs were submitted.
        Assert.True(deviceSeconds.Values.Sum() <= 2 * clock.Elapsed.TotalSeconds, $"{deviceSeconds.Values.Sum()} device-seconds in {clock.Elapsed.TotalSeconds} s on two devices");

        var after = await lab.Http.GetFromJsonAsync<JsonElement>("/api/v1/pool");
        Assert.DoesNotContain(Leases(after), l => ours.Contains(l.GetProperty("runId").GetGuid()));
        output.WriteLine($"{snapshots.Count} pool views while contended for {contendedSeconds:0.0} s; whole scenario {clock.Elapsed.TotalSeconds:0.0} s; " +
            $"device-seconds per idea: {string.Join(", ", deviceSeconds.Values.Select(s => s.ToString("0.0", CultureInfo.InvariantCulture)))}");
    }

    [Fact]
    public async Task The_runs_and_pool_commands_submit_list_show_follow_and_cancel_runs_on_the_running_lab()
    {
        await lab.WaitUntilIdleAsync();
        var dee = await lab.JoinAsync("dee");
        var eve = await lab.JoinAsync("eve");
        var idea = await ProposeAsync(dee.Http, "Top-1 routing at small scale");
        var folder = TestFolders.Create("runscli");
        try
        {
            var asDee = AsMember(folder, dee.Token);
            var submitted = await JsonAsync(asDee, "runs", "submit", "--idea", idea.ToString(), "--preset", "tiny", "--steps", "40", "--seed", "7", "--json");
            var runId = submitted.GetProperty("id").GetGuid();
            Assert.Equal(idea, submitted.GetProperty("ideaId").GetGuid());
            Assert.Equal(40, submitted.GetProperty("totalSteps").GetInt32());
            Assert.Contains(Status(submitted), new[] { "Queued", "Placed" });

            // A configuration file, with the options on top of it.
            var configFile = Path.Combine(folder, "long.json");
            await File.WriteAllTextAsync(configFile, """{"preset":"tiny","training":{"steps":100000,"checkpoint_every":10,"threads":1}}""");
            var longRun = await JsonAsync(asDee, "runs", "submit", "--idea", idea.ToString(), "--config", configFile, "--json");
            var longId = longRun.GetProperty("id").GetGuid();
            Assert.Equal(100000, longRun.GetProperty("totalSteps").GetInt32());

            // The engine's own validation refuses a bad configuration, and nothing is submitted.
            var refused = await LabAsync(asDee, "runs", "submit", "--idea", idea.ToString(), "--preset", "tiny", "--steps", "0", "--json");
            Assert.True(refused.ExitCode == 1, refused.ToString());
            Assert.Contains("config", refused.Stderr, StringComparison.Ordinal);
            Assert.Empty(refused.Stdout);

            var listed = await JsonAsync(asDee, "runs", "list", "--idea", idea.ToString(), "--json");
            Assert.Equal(2, listed.GetProperty("total").GetInt32());
            Assert.Equal([longId, runId], Items(listed).Select(Id).ToList());

            var pool = await JsonAsync(asDee, "pool", "--json");
            Assert.Equal(["node-a", "node-b"], pool.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()).ToList());
            Assert.Equal(2, pool.GetProperty("liveDevices").GetInt32());
            Assert.Contains(Leases(pool), l => l.GetProperty("runId").GetGuid() == runId || l.GetProperty("runId").GetGuid() == longId);
            var poolText = await LabAsync(asDee, "pool");
            Assert.True(poolText.ExitCode == 0, poolText.ToString());
            Assert.Contains("live devices in use", poolText.Stdout, StringComparison.Ordinal);

            // Only the submitter or the idea's team may cancel: Eve may not, Dee may.
            var notEves = await LabAsync(AsMember(folder, eve.Token), "runs", "cancel", longId.ToString(), "--json");
            Assert.True(notEves.ExitCode == 1, notEves.ToString());
            Assert.Contains("403", notEves.Stderr, StringComparison.Ordinal);
            var cancelled = await JsonAsync(asDee, "runs", "cancel", longId.ToString(), "--json");
            Assert.Equal("Cancelled", Status(cancelled));

            // Following a run prints its history live and ends when the run does.
            var followed = await LabAsync(asDee, TimeSpan.FromMinutes(2), "runs", "logs", runId.ToString(), "--follow", "--json");
            Assert.True(followed.ExitCode == 0, followed.ToString());
            var lines = followed.JsonLines();
            Assert.Equal(["submitted", "placed", "started", "finished"], lines.Select(l => l.GetProperty("event").GetString()).Where(e => e != "progress" && e != "checkpointed").ToList());
            Assert.StartsWith("step 40:", lines[^1].GetProperty("detail").GetString(), StringComparison.Ordinal);

            var shown = await JsonAsync(asDee, "runs", "show", runId.ToString(), "--json");
            Assert.Equal("Finished", Status(shown));
            Assert.Equal(40, shown.GetProperty("outcome").GetProperty("step").GetInt32());
            Assert.True(shown.GetProperty("deviceSeconds").GetDouble() > 0, shown.ToString());
            var shownText = await LabAsync(asDee, "runs", "show", runId.ToString());
            Assert.True(shownText.ExitCode == 0, shownText.ToString());
            Assert.Contains("Finished: step 40 of 40", shownText.Stdout, StringComparison.Ordinal);
            var logsText = await LabAsync(asDee, "runs", "logs", runId.ToString());
            Assert.True(logsText.ExitCode == 0, logsText.ToString());
            Assert.Contains("finished step 40", logsText.Stdout, StringComparison.Ordinal);

            var finished = await JsonAsync(asDee, "runs", "list", "--idea", idea.ToString(), "--status", "Finished", "--json");
            Assert.Equal([runId], Items(finished).Select(Id).ToList());
            var again = await LabAsync(asDee, "runs", "cancel", runId.ToString());
            Assert.True(again.ExitCode == 1, again.ToString());
            Assert.Contains("already finished", again.Stderr, StringComparison.Ordinal);
            var missing = await LabAsync(asDee, "runs", "show", Guid.NewGuid().ToString(), "--json");
            Assert.True(missing.ExitCode == 1, missing.ToString());
            Assert.Contains("No run has the id", missing.Stderr, StringComparison.Ordinal);

            // The cancelled run gave its device back.
            await lab.WaitAsync($"/api/v1/runs/{longId}", r => r.GetProperty("node").ValueKind == JsonValueKind.Null, "the cancelled run released its device");
        }
        finally
        {
            TestFolders.TryDelete(folder);
        }
    }

    /// <summary>Checks the preempted run's history and metrics; returns the step it resumed from.</summary>
    private async Task<int> AssertPreemptedAndResumedAsync(Guid runId, JsonElement run)
    {
        Assert.Equal(2, run.GetProperty("attempts").GetInt32());
        var history = run.GetProperty("history").EnumerateArray()
            .Select(h => (Event: h.GetProperty("event").GetString()!, Detail: h.GetProperty("detail").GetString() ?? "")).ToList();
        var events = history.Select(h => h.Event).Where(e => e is not "checkpointed").ToList();
        Assert.Equal(["submitted", "placed", "started", "preempted", "requeued", "placed", "resumed", "finished"], events);
        var requeued = history.Single(h => h.Event == "requeued").Detail;
        Assert.Contains("stepped aside for an idea below its fair share", requeued, StringComparison.Ordinal);
        var resumed = history.Single(h => h.Event == "resumed").Detail;
        var resumedAt = int.Parse(resumed.Split(' ').Last(), CultureInfo.InvariantCulture);
        Assert.True(resumedAt > 0, $"resumed from step {resumedAt}");
        Assert.EndsWith($"resume from the checkpoint at step {resumedAt}", requeued, StringComparison.Ordinal);

        using var metrics = await lab.Http.GetAsync($"/api/v1/runs/{runId}/metrics?follow=false");
        var lines = (await metrics.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var resumeLine = lines.FindIndex(l => l.TryGetProperty("detail", out var d) && d.GetString()!.StartsWith("resumed", StringComparison.Ordinal));
        Assert.True(resumeLine > 0, "the metrics stream has no resumption");
        var steps = (int from, int to) => lines.Skip(from).Take(to - from)
            .Where(l => l.GetProperty("event").GetString() == "progress").Select(l => l.GetProperty("step").GetInt32()).ToList();
        var before = steps(0, resumeLine);
        var afterResume = steps(resumeLine + 1, lines.Count);
        Assert.NotEmpty(before);
        Assert.NotEmpty(afterResume);
        Assert.True(afterResume.Min() > resumedAt, $"first step after resuming from {resumedAt}: {afterResume.Min()}");
        // It resumed from a checkpoint recorded before it stepped aside (the last one, taken as it stopped).
        var checkpoints = lines.Take(resumeLine).Where(l => l.GetProperty("event").GetString() == "checkpoint").Select(l => l.GetProperty("step").GetInt32()).ToList();
        Assert.Equal(resumedAt, checkpoints.LastOrDefault());
        return resumedAt;
    }

    private Task<LabCommandResult> LabAsync(IDictionary<string, string?> environment, params string[] arguments) =>
        LabAsync(environment, TimeSpan.FromMinutes(1), arguments);

    private async Task<LabCommandResult> LabAsync(IDictionary<string, string?> environment, TimeSpan timeout, params string[] arguments)
    {
        var result = await LabCommand.RunAsync([.. arguments, "--url", lab.Lab.Url], environment, timeout);
        output.WriteLine($"lab {string.Join(' ', arguments)} -> {result.ExitCode}");
        return result;
    }

    private async Task<JsonElement> JsonAsync(IDictionary<string, string?> environment, params string[] arguments)
    {
        var result = await LabAsync(environment, arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Json();
    }

    private static Dictionary<string, string?> AsMember(string folder, string token) => new()
    {
        ["LAB_CONFIG"] = Path.Combine(folder, "lab.json"),
        ["LAB_TOKEN"] = token,
    };

    private static async Task<Guid> ProposeAsync(HttpClient member, string title)
    {
        var idea = await SharedPoolFixture.SendAsync(member.PostAsJsonAsync("/api/v1/ideas",
            new { title = $"{title} {Guid.NewGuid().ToString("N")[..6]}", hypothesis = "It trains as well for less compute." }), HttpStatusCode.Created);
        return idea.GetProperty("id").GetGuid();
    }

    private static Task<Guid> ProposeAsync(SharedPoolFixture.Member member, string title) => ProposeAsync(member.Http, title);

    private static async Task<Guid> SubmitAsync(SharedPoolFixture.Member member, Guid idea, int steps, int seed)
    {
        var run = await SharedPoolFixture.SendAsync(member.Http.PostAsJsonAsync("/api/v1/runs", new
        {
            ideaId = idea,
            config = new
            {
                preset = "tiny",
                training = new { steps, seed, checkpoint_every = 10, log_every = 5, eval_every = 50, threads = 1 },
                data = new { synthetic_chars = 60_000 },
            },
        }), HttpStatusCode.Created);
        return run.GetProperty("id").GetGuid();
    }

    private static IEnumerable<JsonElement> Items(JsonElement page) => page.GetProperty("items").EnumerateArray();

    private static IEnumerable<JsonElement> Leases(JsonElement pool) => pool.GetProperty("running").EnumerateArray();

    private static Dictionary<Guid, double> Shares(JsonElement pool) =>
        pool.GetProperty("shares").EnumerateArray().ToDictionary(s => s.GetProperty("ideaId").GetGuid(), s => s.GetProperty("fairShare").GetDouble());

    private static Guid Id(JsonElement run) => run.GetProperty("id").GetGuid();

    private static string? Status(JsonElement run) => run.GetProperty("status").GetString();

    [GeneratedRegex("^(pool full|fair share reached|devices on node-[ab] are being freed for it)$")]
    private static partial Regex PlainReason();
}

/// <summary>
/// <c>lab up</c> with short pool timings (its worker is node-a, one CPU device) and a second worker process (node-b)
/// that joins through the gateway and shares the checkpoint folder: two devices, each run its own training process.
/// </summary>
public sealed class SharedPoolFixture : IAsyncLifetime
{
    public sealed record Member(HttpClient Http, string Token);

    public string DataFolder { get; } = TestFolders.Create("poolsharing");
    public LabProcess Lab { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    private ServiceProcess? _secondWorker;
    private readonly List<HttpClient> _members = [];

    public async Task InitializeAsync()
    {
        var tokenFile = Path.Combine(DataFolder, "given.token");
        var port = global::Lab.Hosting.FreePort.Next();
        Lab = await LabProcess.StartAsync(["up", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", DataFolder, "--token-file", tokenFile], port,
            new Dictionary<string, string?>
            {
                // A second instead of minutes, so that preemption happens within a run of a few seconds, however fast the machine.
                ["Pool__MinRunTime"] = "00:00:01",
                ["Pool__PreemptAfter"] = "00:00:00.5",
                ["Worker__NodeName"] = "node-a",
                ["Worker__HeartbeatInterval"] = "00:00:00.5",
            });
        var token = (await File.ReadAllTextAsync(tokenFile)).Trim();
        Http = LabProcess.Client(Lab.Url, token);
        _secondWorker = await ServiceProcess.StartAsync("services", "Lab.Worker", new Dictionary<string, string>
        {
            ["services__api__http__0"] = Lab.Url,
            ["Worker__Token"] = token,
            ["Worker__NodeName"] = "node-b",
            ["Worker__HeartbeatInterval"] = "00:00:00.5",
            ["Worker__CheckpointRoot"] = Path.Combine(DataFolder, "checkpoints"),
        });
        await WaitAsync("/api/v1/pool", p => p.GetProperty("liveDevices").GetInt32() == 2, "both workers joined the pool");
    }

    public async Task DisposeAsync()
    {
        foreach (var member in _members)
        {
            member.Dispose();
        }
        Http?.Dispose();
        if (_secondWorker is not null)
        {
            await _secondWorker.DisposeAsync();
        }
        if (Lab is not null)
        {
            await Lab.DisposeAsync();
        }
        TestFolders.TryDelete(DataFolder);
    }

    /// <summary>A new member, invited by the first one and joined with the invitation's code.</summary>
    public async Task<Member> JoinAsync(string name)
    {
        var invitation = await SendAsync(Http.PostAsync("/api/v1/invitations", null), HttpStatusCode.Created);
        using var invitee = LabProcess.Client(Lab.Url, invitation.GetProperty("code").GetString()!);
        var handle = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
        var joined = await SendAsync(invitee.PostAsJsonAsync("/api/v1/join", new { handle, name }), HttpStatusCode.Created);
        var token = joined.GetProperty("token").GetProperty("token").GetString()!;
        var http = LabProcess.Client(Lab.Url, token);
        _members.Add(http);
        return new Member(http, token);
    }

    /// <summary>Waits until no run holds a device or waits for one (an earlier test's runs are over).</summary>
    public Task WaitUntilIdleAsync() => WaitAsync("/api/v1/pool",
        p => p.GetProperty("running").GetArrayLength() == 0 && p.GetProperty("queue").GetArrayLength() == 0, "the pool was idle");

    /// <summary>Polls <paramref name="path"/> until <paramref name="done"/>; fails with the last answer after <paramref name="timeout"/> (default a minute).</summary>
    public Task<JsonElement> WaitAsync(string path, Func<JsonElement, bool> done, string what, TimeSpan? timeout = null) =>
        WatchAsync(path, answer => Task.FromResult(done(answer)), what, timeout);

    /// <summary>Like <see cref="WaitAsync"/>, with a check that may look at more than the answer (and keep what it saw).</summary>
    public Task<JsonElement> WatchAsync(string path, Func<JsonElement, Task<bool>> done, string what, TimeSpan? timeout = null) =>
        Polling.UntilAsync(Http, path, done, what, timeout ?? TimeSpan.FromMinutes(1));

    public static async Task<JsonElement> SendAsync(Task<HttpResponseMessage> call, HttpStatusCode expected)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
