using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;
using Microsoft.Playwright;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// The runs table in a real headless Chromium through the gateway: names and tags, configuration columns, sorting and
/// filtering, picking runs to compare, phone width, and lists that follow a training run without being reloaded.
/// A failing test leaves a screenshot of the page it was on (its path is in the failure).
/// </summary>
[Collection(RunningLabCollection.Name)]
public sealed class PortalRunsTableTests(RunningLabFixture lab) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private PortalBrowser? _portal;

    public async Task InitializeAsync() => _portal = await PortalBrowser.StartAsync();

    [Fact]
    public async Task Runs_are_named_tagged_sorted_filtered_and_picked_to_compare_and_the_table_fits_a_phone()
    {
        var (token, _) = await NewMemberAsync("tables");
        using var member = LabProcess.Client(lab.Lab.Url, token);
        var word = "Quokka" + Guid.NewGuid().ToString("N")[..6];
        var tag = "sweep-" + Guid.NewGuid().ToString("N")[..6];
        var ideaA = await IdeaAsync(member, "Widths of a tiny MoE");
        var ideaB = await IdeaAsync(member, "Depth of a small MoE");
        // Runs asking for a kind of device no node has wait for ever: the table shows them without training them.
        var narrow = await SubmitAsync(member, ideaA, new { preset = "tiny", training = new { steps = 30 } });
        var wide = await SubmitAsync(member, ideaA, new { preset = "tiny", model = new { model_dim = 128 }, training = new { steps = 60 } });
        var deep = await SubmitAsync(member, ideaB, new { preset = "small", training = new { steps = 40 } });
        await Ok(member.PutAsJsonAsync($"/api/v1/runs/{narrow}/name", new { name = $"alpha {word}" }));
        await Ok(member.PostAsJsonAsync($"/api/v1/runs/{narrow}/tags", new { tags = new[] { tag, "baseline" } }));
        await Ok(member.PutAsJsonAsync($"/api/v1/runs/{deep}/name", new { name = $"gamma {word}" }));
        await Ok(member.PostAsJsonAsync($"/api/v1/runs/{deep}/tags", new { tags = new[] { tag } }));

        var page = await _portal!.LoggedInPageAsync(lab.Lab.Url, token);
        await ScreenshotOnFailureAsync(page, async () =>
        {
            // Text finds runs by their names; each row shows its name, its tags and what it trains.
            await page.GotoAsync($"{lab.Lab.Url}/runs?q={word}");
            Assert.Equal([deep, narrow], await RowsAsync(page));
            var row = $"tr[data-run-id='{narrow}']";
            Assert.Equal($"alpha {word}", await page.InnerTextAsync($"{row} .run-name a[href='/runs/{narrow}']"));
            Assert.NotNull(await page.QuerySelectorAsync($"{row} a.tag[data-tag='{tag}']"));
            Assert.NotNull(await page.QuerySelectorAsync($"{row} a.tag[data-tag='baseline']"));
            Assert.Contains("tiny", await page.InnerTextAsync($"{row} .run-model"), StringComparison.Ordinal);
            Assert.Equal("8 × top-2 + 1 shared", await page.InnerTextAsync($"{row} .run-experts"));
            Assert.StartsWith("30 steps", await page.InnerTextAsync($"{row} .run-training"), StringComparison.Ordinal);
            Assert.Equal("synthetic", await page.InnerTextAsync($"{row} .run-data"));
            Assert.Contains("16 × top-4", await page.InnerTextAsync($"tr[data-run-id='{deep}'] .run-experts"), StringComparison.Ordinal);

            // The tag filter, chosen in the form.
            await page.GotoAsync($"{lab.Lab.Url}/runs");
            await page.SelectOptionAsync("#run-tag-filter", tag);
            await page.ClickAsync("#apply-filters");
            await page.WaitForURLAsync(url => url.Contains($"tag={tag}", StringComparison.Ordinal));
            Assert.Equal([deep, narrow], await RowsAsync(page));
            // A tag in a row leads to the runs carrying it.
            await page.ClickAsync($"tr[data-run-id='{narrow}'] a.tag[data-tag='baseline']");
            await page.WaitForURLAsync(url => url.EndsWith("/runs?tag=baseline", StringComparison.Ordinal));
            Assert.Contains(narrow, await RowsAsync(page));

            // Sorting by a column's header, then the other way round.
            await page.GotoAsync($"{lab.Lab.Url}/runs?ideaId={ideaA}");
            Assert.Contains("d128×2", await page.InnerTextAsync($"tr[data-run-id='{wide}'] .run-model"), StringComparison.Ordinal);
            await SortByAsync(page, "Steps", "descending");
            Assert.Equal([wide, narrow], await RowsAsync(page));
            await SortByAsync(page, "Steps", "ascending");
            Assert.Equal([narrow, wide], await RowsAsync(page));
            await SortByAsync(page, "ModelDim", "descending");
            Assert.Equal([wide, narrow], await RowsAsync(page));
            Assert.Contains("sort=ModelDim&order=desc", page.Url, StringComparison.Ordinal);
            // The idea filter keeps the sort.
            Assert.Equal(ideaA.ToString(), await page.InputValueAsync("#run-idea-filter"));

            // Runs of two ideas picked: the Compare link names both by their full ids.
            await page.GotoAsync($"{lab.Lab.Url}/runs?tag={tag}");
            Assert.False(await page.IsHiddenAsync("#compare-link"));
            Assert.Equal("true", await page.GetAttributeAsync("#compare-link", "aria-disabled"));
            await page.CheckAsync($"tr[data-run-id='{narrow}'] input.pick-run");
            await page.CheckAsync($"tr[data-run-id='{deep}'] input.pick-run");
            Assert.Equal("false", await page.GetAttributeAsync("#compare-link", "aria-disabled"));
            var href = await page.GetAttributeAsync("#compare-link", "href");
            Assert.StartsWith("/compare?runs=", href, StringComparison.Ordinal);
            var compared = href!["/compare?runs=".Length..].Split(',').Select(Guid.Parse).ToHashSet();
            Assert.Equal(new HashSet<Guid> { narrow, deep }, compared);
            // The list reads itself again as it goes; what was picked stays picked.
            var updates = await LiveUpdatesAsync(page);
            await page.WaitForFunctionAsync("n => Number(document.documentElement.dataset.liveUpdates || 0) > n", updates,
                new PageWaitForFunctionOptions { Timeout = 60_000 });
            Assert.True(await page.IsCheckedAsync($"tr[data-run-id='{narrow}'] input.pick-run"));
            Assert.Equal(href, await page.GetAttributeAsync("#compare-link", "href"));

            // Named, tagged and untagged on its page by its submitter; every act in its history.
            await page.GotoAsync($"{lab.Lab.Url}/runs/{wide}");
            await page.FillAsync("#run-name-input", $"beta {word}");
            await page.ClickAsync("#save-name");
            await page.WaitForSelectorAsync($"#run-name:text-is('beta {word}')");
            await page.FillAsync("#run-tag-input", "Portal-Tag extra");
            await page.ClickAsync("#add-tags");
            await page.WaitForSelectorAsync("#run-tags a.tag[data-tag='portal-tag']");
            await page.ClickAsync("#untag-form button.untag[data-tag='extra']");
            await page.WaitForSelectorAsync("#run-tags a.tag[data-tag='portal-tag']");
            Assert.Null(await page.QuerySelectorAsync("#run-tags a.tag[data-tag='extra']"));
            var events = await page.EvalOnSelectorAllAsync<string[]>("#history li", "items => items.map(i => i.dataset.event)");
            Assert.Equal(["named", "tagged", "untagged"], events.Where(e => e is "named" or "tagged" or "untagged"));
            // A tag that cannot be one is refused beside the field; the run keeps its tags.
            await page.FillAsync("#run-tag-input", "no!good");
            await page.ClickAsync("#add-tags");
            var refusal = await page.WaitForSelectorAsync("#tag-form [data-field=tags]");
            Assert.Contains("is not a tag", await refusal!.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(["portal-tag"], (await member.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{wide}")).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        });

        // Someone neither its submitter nor on its idea's team sees its name and tags, and no form to change them.
        var stranger = await _portal.LoggedInPageAsync(lab.Lab.Url, lab.Token);
        await ScreenshotOnFailureAsync(stranger, async () =>
        {
            await stranger.GotoAsync($"{lab.Lab.Url}/runs/{wide}");
            Assert.Equal($"beta {word}", await stranger.InnerTextAsync("#run-name"));
            Assert.Null(await stranger.QuerySelectorAsync("#name-form"));
            Assert.NotNull(await stranger.QuerySelectorAsync("#labels-who"));
        });
        await stranger.Context.CloseAsync();

        // At phone width every figure of a run stays on the screen: no column is cut off and the page does not scroll sideways.
        var phone = await _portal.LoggedInPageAsync(lab.Lab.Url, token, new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        await ScreenshotOnFailureAsync(phone, async () =>
        {
            await phone.GotoAsync($"{lab.Lab.Url}/runs?tag={tag}");
            Assert.Equal([deep, narrow], await RowsAsync(phone));
            var width = await phone.EvaluateAsync<int>("() => window.innerWidth");
            Assert.True(await phone.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= width, "the page scrolls sideways at phone width");
            var cells = await phone.QuerySelectorAllAsync($"tr[data-run-id='{narrow}'] td");
            Assert.Equal(13, cells.Count);
            foreach (var cell in cells)
            {
                var box = await cell.BoundingBoxAsync();
                Assert.True(box is not null && box.Width > 0 && box.X >= 0 && box.X + box.Width <= width + 0.5,
                    $"'{await cell.GetAttributeAsync("data-label")}' is cut off: {box?.X} + {box?.Width} of {width}");
            }
            Assert.True(await phone.IsVisibleAsync($"tr[data-run-id='{narrow}'] td.run-val-loss"));
        });
        await phone.Context.CloseAsync();
        await page.Context.CloseAsync();

        foreach (var run in new[] { narrow, wide, deep })
        {
            await Ok(member.PostAsync($"/api/v1/runs/{run}/cancel", null));
        }
    }

    [Fact]
    public async Task The_runs_list_the_ideas_page_and_the_pool_follow_a_training_run_without_being_reloaded()
    {
        var (token, _) = await NewMemberAsync("watcher");
        using var member = LabProcess.Client(lab.Lab.Url, token);
        var idea = await IdeaAsync(member, "Live lists");
        var run = await SubmitAsync(member, idea, new { preset = "tiny", training = new { steps = 5000, seed = 11 } }, kind: null);
        var page = await _portal!.LoggedInPageAsync(lab.Lab.Url, token);
        try
        {
            await ScreenshotOnFailureAsync(page, async () =>
            {
                // The runs list: status, step and loss change in the page as it was loaded.
                await page.GotoAsync($"{lab.Lab.Url}/runs?ideaId={idea}");
                await page.WaitForSelectorAsync($"tr[data-run-id='{run}']");
                await page.EvaluateAsync("() => { window.sameDocument = true; }");
                var step = await StepWhenRunningAsync(page, run, after: 0);
                await StepWhenRunningAsync(page, run, after: step);
                Assert.NotEqual("–", await page.InnerTextAsync($"tr[data-run-id='{run}'] .run-loss"));
                Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), "the list changed in the page as it was, not by reloading it");

                // The idea's page: its runs and what they cost.
                await page.GotoAsync($"{lab.Lab.Url}/ideas/{idea}");
                await page.EvaluateAsync("() => { window.sameDocument = true; }");
                var shown = await page.InnerTextAsync("#idea-device-time");
                step = await StepOf(page, run);
                await StepWhenRunningAsync(page, run, after: step);
                await page.WaitForFunctionAsync("t => document.getElementById('idea-device-time').textContent !== t", shown,
                    new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
                Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), "the idea's page changed without reloading");

                // The pool: the run holds a device, then gives it back when it is cancelled.
                await page.GotoAsync($"{lab.Lab.Url}/pool");
                await page.WaitForSelectorAsync($"#running tr[data-run-id='{run}']");
                await page.EvaluateAsync("() => { window.sameDocument = true; }");
                await Ok(member.PostAsync($"/api/v1/runs/{run}/cancel", null));
                await page.WaitForSelectorAsync($"#running tr[data-run-id='{run}']",
                    new PageWaitForSelectorOptions { State = WaitForSelectorState.Detached, Timeout = (float)Patience.TotalMilliseconds });
                Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), "the pool changed without reloading");
            });
        }
        finally
        {
            using var _ = await member.PostAsync($"/api/v1/runs/{run}/cancel", null);
            await page.Context.CloseAsync();
        }
    }

    /// <summary>Waits, without reloading, until the run's row says it is running at a step past <paramref name="after"/>; that step.</summary>
    private static async Task<int> StepWhenRunningAsync(IPage page, Guid run, int after)
    {
        await page.WaitForFunctionAsync(
            """
            ([id, after]) => {
                const row = document.querySelector(`tr[data-run-id='${id}']`);
                return row !== null && row.dataset.status === "Running" && parseInt(row.querySelector(".run-step").textContent, 10) > after;
            }
            """,
            new object[] { run.ToString(), after },
            new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds, PollingInterval = 250 });
        return await StepOf(page, run);
    }

    private static async Task<int> StepOf(IPage page, Guid run) =>
        int.Parse((await page.InnerTextAsync($"tr[data-run-id='{run}'] .run-step")).Split('/')[0].Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Clicks a column's header and waits for the page sorted by it that way.</summary>
    private static async Task SortByAsync(IPage page, string column, string direction)
    {
        await page.ClickAsync($"th a.sort[data-sort='{column}']");
        await page.WaitForSelectorAsync($"th[aria-sort='{direction}'] a.sort[data-sort='{column}']");
    }

    private static async Task<int> LiveUpdatesAsync(IPage page) =>
        await page.EvaluateAsync<int>("() => Number(document.documentElement.dataset.liveUpdates || 0)");

    /// <summary>The runs the table shows, in its order.</summary>
    private static async Task<List<Guid>> RowsAsync(IPage page) =>
        [.. (await page.EvalOnSelectorAllAsync<string[]>("table.runs tbody tr", "rows => rows.map(r => r.dataset.runId)")).Select(Guid.Parse)];

    /// <summary>Runs <paramref name="check"/>; when it fails, saves a screenshot of the page and says where.</summary>
    private static async Task ScreenshotOnFailureAsync(IPage page, Func<Task> check)
    {
        try
        {
            await check();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var folder = Path.Combine(Path.GetTempPath(), "lab-portal-screenshots");
            Directory.CreateDirectory(folder);
            var file = Path.Combine(folder, $"{nameof(PortalRunsTableTests)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid():N}"[..^24] + ".png");
            try
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
            }
            catch (PlaywrightException)
            {
                file = "(no screenshot: the page could not be captured)";
            }
            throw new Xunit.Sdk.XunitException($"{e.Message}{Environment.NewLine}Screenshot of {page.Url}: {file}{Environment.NewLine}{e}");
        }
    }

    private static async Task<Guid> IdeaAsync(HttpClient member, string title)
    {
        using var proposed = await member.PostAsJsonAsync("/api/v1/ideas", new { title = $"{title} {Guid.NewGuid():N}"[..(title.Length + 7)], hypothesis = "Runs are easier to compare in one table." });
        Assert.Equal(HttpStatusCode.Created, proposed.StatusCode);
        return (await proposed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>Submits a run; by default for a kind of device no node has, so that it waits without training.</summary>
    private static async Task<Guid> SubmitAsync(HttpClient member, Guid idea, object config, string? kind = "cuda")
    {
        using var created = await member.PostAsJsonAsync("/api/v1/runs", new { ideaId = idea, config, kind });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task Ok(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Invites someone new, who joins the lab; their token and id.</summary>
    private async Task<(string Token, Guid Id)> NewMemberAsync(string name)
    {
        using var invited = await lab.Http.PostAsync("/api/v1/invitations", null);
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var code = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
        using var invitee = LabProcess.Client(lab.Lab.Url, code);
        using var joined = await invitee.PostAsJsonAsync("/api/v1/join", new { handle = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)], name });
        Assert.Equal(HttpStatusCode.Created, joined.StatusCode);
        var body = await joined.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("token").GetProperty("token").GetString()!, body.GetProperty("researcher").GetProperty("id").GetGuid());
    }

    public async Task DisposeAsync()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }
}
