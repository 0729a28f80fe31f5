using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;
using Microsoft.Playwright;

namespace Lab.EndToEnd.Tests;

/// <summary>Runs and the shared pool in the portal, in a real headless Chromium through the gateway, trained by lab up's worker.</summary>
[Collection(RunningLabCollection.Name)]
public sealed class PortalRunsTests(RunningLabFixture lab) : IAsyncLifetime
{
    /// <summary>Long enough to still be training while the test watches its curve grow; the test cancels it.</summary>
    private const int Steps = 5000;

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private PortalBrowser? _portal;

    public async Task InitializeAsync() => _portal = await PortalBrowser.StartAsync();

    [Fact]
    public async Task A_member_submits_a_run_from_its_idea_watches_its_loss_curve_grow_sees_the_pool_and_cancels_it()
    {
        var handle = (await lab.Http.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("handle").GetString()!;
        var title = $"Curves of a tiny MoE {Guid.NewGuid():N}"[..32];
        using var proposed = await lab.Http.PostAsJsonAsync("/api/v1/ideas", new { title, hypothesis = "A tiny MoE learns the synthetic domains in a few hundred steps." });
        Assert.Equal(HttpStatusCode.Created, proposed.StatusCode);
        var ideaId = (await proposed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var page = await LoggedInPageAsync();

        // A configuration the training engine refuses is shown beside its field, and puts nothing on the pool.
        await page.GotoAsync($"{lab.Lab.Url}/ideas/{ideaId}");
        await page.SelectOptionAsync("#run-preset", "tiny");
        await page.FillAsync("#run-steps", "0");
        await page.ClickAsync("#submit-run");
        var refusal = await page.WaitForSelectorAsync("#run-form [data-field=steps]");
        Assert.Contains("training.steps", await refusal!.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await lab.Http.GetFromJsonAsync<JsonElement>($"/api/v1/runs?ideaId={ideaId}")).GetProperty("total").GetInt32());

        // A good one is admitted at once, and its page follows it.
        await page.FillAsync("#run-steps", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.FillAsync("#run-seed", "7");
        await page.ClickAsync("#submit-run");
        await page.WaitForSelectorAsync("#run-title");
        Assert.NotNull(await page.QuerySelectorAsync("#done"));
        var runId = Guid.Parse(new Uri(page.Url).AbsolutePath.Split('/').Last());

        // The Runs page lists it with its idea and submitter.
        await page.ClickAsync("#nav-runs");
        var row = await page.WaitForSelectorAsync($"#runs tr[data-run-id='{runId}']");
        var rowText = await row!.InnerTextAsync();
        Assert.Contains(title, rowText, StringComparison.Ordinal);
        Assert.Contains("@" + handle, rowText, StringComparison.Ordinal);
        Assert.Contains($"/ {Steps}", rowText, StringComparison.Ordinal);

        // Its page charts the loss and keeps the chart growing as the run reports progress, without reloading.
        await page.ClickAsync($"#runs tr[data-run-id='{runId}'] a[href='/runs/{runId}']");
        await page.WaitForSelectorAsync("#chart-loss[data-ready=true]");
        var config = await page.InnerTextAsync("#config");
        Assert.Contains($"\"steps\": {Steps}", config, StringComparison.Ordinal);
        Assert.Contains("\"seed\": 7", config, StringComparison.Ordinal);
        // What the stream held when the page opened it; then it must grow while the page stays as it is.
        await page.WaitForSelectorAsync("#chart-loss[data-feed=following]");
        var shown = await PointsAsync(page);
        await page.EvaluateAsync("() => { window.sameDocument = true; }");
        await page.WaitForFunctionAsync(
            "n => Number(document.getElementById('chart-loss').dataset.points) >= Math.max(2, n + 1)",
            shown,
            new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds, PollingInterval = 250 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), "the curve grew in the page as it was, not by reloading it");
        Assert.NotNull(await page.QuerySelectorAsync("#chart-loss .chart-plot canvas"));
        Assert.Equal("running", await page.InnerTextAsync("#run-status"));

        // Without JavaScript the page still shows the figures so far, rendered by the server, and says the charts need it.
        var still = await LoggedInPageAsync(new BrowserNewContextOptions { JavaScriptEnabled = false });
        await using (still.Context)
        {
            await still.GotoAsync($"{lab.Lab.Url}/runs/{runId}");
            Assert.Matches(@"^\d+\.\d{3}$", await still.InnerTextAsync("#run-loss"));
            Assert.Contains("need JavaScript", await still.InnerTextAsync("#chart-loss .chart-state"), StringComparison.Ordinal);
        }

        // The pool page lists the node, with the run on one of its devices.
        await page.ClickAsync("#nav-pool");
        var node = await page.WaitForSelectorAsync("#nodes li[data-node]");
        Assert.Contains("alive", await node!.InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.QuerySelectorAsync($"#nodes .device.busy a[href='/runs/{runId}']") is not null,
            $"the run on a busy device: {await page.InnerTextAsync("main")} / {await lab.Http.GetStringAsync("/api/v1/pool")} / {await lab.Http.GetStringAsync($"/api/v1/runs/{runId}")}");
        Assert.NotNull(await page.QuerySelectorAsync($"#shares tr[data-idea-id='{ideaId}']"));
        // The lab's bounds are there for everyone to read, and the node says how much memory its device offers a run.
        Assert.Equal("100,000", await page.InnerTextAsync("#bound-steps"));
        Assert.Matches(@"^\d+(\.\d)? GiB$", await page.InnerTextAsync("#nodes .device-memory"));

        // Someone who neither submitted it nor is on its idea's team may not cancel it: no button, a line saying who can
        // (a click made while one still could is refused in sentences: PortalPagesTests), and the run goes on.
        var stranger = await LoggedInPageAsync(token: await NewMemberTokenAsync("stranger"));
        await using (stranger.Context)
        {
            await stranger.GotoAsync($"{lab.Lab.Url}/runs/{runId}");
            await stranger.WaitForSelectorAsync("#who-may-cancel");
            Assert.Null(await stranger.QuerySelectorAsync("#cancel-run"));
            Assert.Equal("Running", (await lab.Http.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}")).GetProperty("status").GetString());
        }

        // Its submitter cancels it; the run checkpoints, stops, and says so.
        await page.GotoAsync($"{lab.Lab.Url}/runs/{runId}");
        await page.ClickAsync("#cancel-run");
        await page.WaitForSelectorAsync("#done");
        await page.WaitForSelectorAsync("#run-status:text-is('cancelled')", new PageWaitForSelectorOptions { Timeout = (float)Patience.TotalMilliseconds });
        Assert.Null(await page.QuerySelectorAsync("#cancel-run"));

        // The idea's page lists the run and what the idea's experiments have cost.
        await page.GotoAsync($"{lab.Lab.Url}/ideas/{ideaId}");
        Assert.NotNull(await page.WaitForSelectorAsync($"#idea-runs tr[data-run-id='{runId}']"));
        Assert.Contains("1 run", await page.InnerTextAsync("#idea-compute"), StringComparison.Ordinal);
    }

    private static async Task<int> PointsAsync(IPage page) =>
        int.Parse(await page.GetAttributeAsync("#chart-loss", "data-points") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Invites someone new, who joins the lab; answers their token.</summary>
    private async Task<string> NewMemberTokenAsync(string name)
    {
        using var invited = await lab.Http.PostAsync("/api/v1/invitations", null);
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var code = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
        using var invitee = LabProcess.Client(lab.Lab.Url, code);
        using var joined = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)], name });
        Assert.Equal(HttpStatusCode.Created, joined.StatusCode);
        return (await joined.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetProperty("token").GetString()!;
    }

    /// <summary>A fresh browser context logged in through the login page, with the first member's token unless another is given.</summary>
    private Task<IPage> LoggedInPageAsync(BrowserNewContextOptions? options = null, string? token = null) =>
        _portal!.LoggedInPageAsync(lab.Lab.Url, token ?? lab.Token, options);

    public async Task DisposeAsync()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }
}
