using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Lab.Testing;
using Microsoft.Playwright;

namespace Lab.EndToEnd.Tests;

/// <summary>
/// The knowledge pages in a real headless Chromium through the gateway: notes' markdown (tables, and markup that must not
/// run), search that corrects a misspelt word and opens run hits, and insights whose evidence is found by search and named
/// on their cards. A failing test leaves a screenshot of its page (<see cref="PortalScreenshots"/>).
/// </summary>
[Collection(RunningLabCollection.Name)]
public sealed class PortalKnowledgeTests(RunningLabFixture lab) : IAsyncLifetime
{
    private static readonly TimeSpan RunPatience = TimeSpan.FromMinutes(4);

    private PortalBrowser? _portal;

    public async Task InitializeAsync() => _portal = await PortalBrowser.StartAsync();

    [Fact]
    public async Task A_note_shows_its_table_and_none_of_the_markup_or_script_it_was_written_with()
    {
        var word = Word();
        var note = await CreatedAsync("/api/v1/notes", new
        {
            title = $"Results {word}",
            body = $"""
                # Results for {word}

                | preset | val loss | note |
                | :----- | -------: | ---- |
                | tiny   | 1.91     | **fast** |
                | small  | 1.48     | <img src=x onerror="document.title='pwned'"> |

                <script>document.title = 'pwned'</script>

                [harmless](https://example.org/paper) and [not a link](javascript:document.title='pwned') and ![pixel](https://tracker.example.org/p.png)
                """,
        });
        var page = await LoggedInPageAsync();
        await WithScreenshotOnFailureAsync(page, async () =>
        {
            var dialogs = 0;
            page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

            await page.GotoAsync($"{lab.Lab.Url}/notes/{note}");
            await page.WaitForSelectorAsync("#note-body table");

            Assert.Equal(["preset", "val loss", "note"], await page.Locator("#note-body thead th").AllInnerTextsAsync());
            Assert.Equal(["tiny", "1.91", "fast", "small", "1.48"], (await page.Locator("#note-body tbody td").AllInnerTextsAsync()).Take(5).Select(t => t.Trim()));
            Assert.Equal("right", await page.EvalOnSelectorAsync<string>("#note-body tbody td.align-right", "td => getComputedStyle(td).textAlign"));
            Assert.Equal(0, await page.Locator("#note-body script, #note-body img, #note-body [onerror]").CountAsync());
            Assert.Contains("<img src=x onerror=", await page.InnerTextAsync("#note-body"), StringComparison.Ordinal);
            var links = page.Locator("#note-body a");
            Assert.Equal(["https://example.org/paper", "https://tracker.example.org/p.png"], await links.EvaluateAllAsync<string[]>("as => as.map(a => a.getAttribute('href'))"));
            Assert.All(await links.EvaluateAllAsync<string[]>("as => as.map(a => a.rel)"), rel => Assert.Contains("noopener", rel, StringComparison.Ordinal));
            Assert.DoesNotContain("pwned", await page.TitleAsync(), StringComparison.Ordinal);
            Assert.Equal(0, dialogs);
        });
    }

    [Fact]
    public async Task Search_says_what_a_misspelt_query_meant_and_searching_for_that_finds_it()
    {
        var word = Word();
        var idea = await CreatedAsync("/api/v1/ideas", new { title = $"Routing {word} experts", hypothesis = "Sigmoid routing keeps every expert busy." });
        var page = await LoggedInPageAsync();
        await WithScreenshotOnFailureAsync(page, async () =>
        {
            await page.GotoAsync($"{lab.Lab.Url}/search?q={Uri.EscapeDataString($"routng {word}")}");
            var meant = await page.WaitForSelectorAsync("#did-you-mean a");
            Assert.Equal($"routing {word}", await meant!.InnerTextAsync());
            Assert.NotNull(await page.QuerySelectorAsync($"#results .hit[data-hit-id='{idea}']"));

            await meant.ClickAsync();
            await page.WaitForSelectorAsync($"#results .hit[data-hit-id='{idea}']");
            Assert.Equal($"routing {word}", await page.InputValueAsync("#q"));
            Assert.Null(await page.QuerySelectorAsync("#did-you-mean"));
            Assert.Equal(["", "idea", "note", "insight", "run"], await page.Locator("#kind option").EvaluateAllAsync<string[]>("os => os.map(o => o.value)"));
            Assert.Equal($"/ideas/{idea}", await page.GetAttributeAsync($"#results .hit[data-hit-id='{idea}'] a", "href"));

            // A query the API refuses (a control character) is refused beside the box, not with an error page.
            var refused = await page.GotoAsync($"{lab.Lab.Url}/search?q=a%07b");
            Assert.Equal((int)HttpStatusCode.OK, refused!.Status);
            Assert.Contains("control", await page.InnerTextAsync("#search-form [data-field=q]"), StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public async Task A_finished_run_is_found_opened_from_its_hit_and_cited_in_an_insight_that_names_it_and_its_device_time()
    {
        var word = Word();
        var idea = await CreatedAsync("/api/v1/ideas", new { title = $"Tiny {word} run", hypothesis = "A few steps are enough to be knowledge." });
        var note = await CreatedAsync("/api/v1/notes", new { title = $"Observations on {word}", body = "The loss fell.", attachedTo = "Idea", attachedId = idea });
        var run = await CreatedAsync("/api/v1/runs", new { ideaId = idea, config = new { preset = "tiny", training = new { steps = 6 } } });
        var over = await Polling.UntilAsync(lab.Http, $"/api/v1/runs/{run}", r => r.GetProperty("status").GetString() is "Finished" or "Failed" or "Cancelled",
            "the tiny run is over", RunPatience);
        Assert.Equal("Finished", over.GetProperty("status").GetString());

        // At phone width: a run hit's snippet holds its whole id and configuration, and must wrap rather than widen the page.
        var page = await LoggedInPageAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        await WithScreenshotOnFailureAsync(page, async () =>
        {
            await page.GotoAsync($"{lab.Lab.Url}/search?q={word}&kind=run");
            var hit = await page.WaitForSelectorAsync($"#results .hit[data-hit-id='{run}']");
            Assert.Equal("runs", await page.EvalOnSelectorAsync<string>("#kind", "s => s.options[s.selectedIndex].text"));
            var snippet = await hit!.EvalOnSelectorAsync<string>(".snippet", "s => s.textContent");
            Assert.DoesNotContain("{\"", snippet, StringComparison.Ordinal);
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
                $"the page is {await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")} px wide at 390");
            Assert.Equal($"/runs/{run}", await hit.EvalOnSelectorAsync<string>("a", "a => a.getAttribute('href')"));
            await (await hit.QuerySelectorAsync("a"))!.ClickAsync();
            await page.WaitForSelectorAsync("#run-title");
            Assert.EndsWith($"/runs/{run}", page.Url, StringComparison.Ordinal);

            // Publish an insight whose evidence is found by search and added, without typing an id.
            await page.GotoAsync($"{lab.Lab.Url}/insights");
            await page.FillAsync("#claim", $"Six steps of {word} are knowledge");
            await page.ClickAsync("#publish");
            var refused = await page.WaitForSelectorAsync("#insight-form [data-field=evidence]");
            Assert.Contains("evidence", await refused!.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal($"Six steps of {word} are knowledge", await page.InputValueAsync("#claim"));

            await page.FillAsync("#evidence-query", word);
            await page.PressAsync("#evidence-query", "Enter");
            await page.WaitForSelectorAsync($"#evidence-hits .hit[data-hit-id='{run}']");
            await page.ClickAsync($"#evidence-hits .hit[data-hit-id='{run}'] .add-evidence");
            await page.WaitForSelectorAsync($"#evidence-chosen li[data-evidence='run:{run}']");
            await page.ClickAsync($"#evidence-hits .hit[data-hit-id='{note}'] .add-evidence");
            await page.WaitForSelectorAsync($"#evidence-chosen li[data-evidence='note:{note}']");
            await page.ClickAsync($"#evidence-hits .hit[data-hit-id='{idea}'] .add-evidence");
            await page.WaitForSelectorAsync($"#evidence-chosen li[data-evidence='idea:{idea}']");
            // Removing one leaves the others and what was typed.
            await page.ClickAsync($"#evidence-chosen li[data-evidence='idea:{idea}'] .remove-evidence");
            await page.WaitForSelectorAsync($"#evidence-chosen li[data-evidence='idea:{idea}']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Detached });
            Assert.Equal(2, await page.Locator("#evidence-chosen li").CountAsync());
            Assert.Contains($"Observations on {word}", await page.InnerTextAsync("#evidence-chosen"), StringComparison.Ordinal);
            Assert.Equal($"Six steps of {word} are knowledge", await page.InputValueAsync("#claim"));
            // The idea it is about, by the start of its id.
            await page.FillAsync("#insight-idea", idea.ToString("N")[..20]);
            await page.ClickAsync("#publish");

            await page.WaitForSelectorAsync("#published");
            var published = page.Locator($"article.insight:has-text('Six steps of {word} are knowledge')");
            var text = await published.InnerTextAsync();
            Assert.Contains($"Observations on {word}", text, StringComparison.Ordinal);
            Assert.Contains($"Run for \"Tiny {word} run\": validation loss", text, StringComparison.Ordinal);
            Assert.Contains("of device time", text, StringComparison.Ordinal);
            Assert.Contains("Behind it: 1 run with", await published.Locator(".device-time").InnerTextAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain($"note {note.ToString()[..8]}", text, StringComparison.Ordinal);
            Assert.Equal($"/runs/{run}", await published.Locator($"li[data-evidence='run:{run}'] a").GetAttributeAsync("href"));
            Assert.Equal($"/ideas/{idea}", await published.Locator($"a[href='/ideas/{idea}']").Last.GetAttributeAsync("href"));
            Assert.Contains($"about Tiny {word} run", text, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_note_cited_from_its_page_starts_the_insight_form_with_it_by_name()
    {
        var word = Word();
        var note = await CreatedAsync("/api/v1/notes", new { title = $"Cite me {word}", body = "A note worth citing." });
        var page = await LoggedInPageAsync();
        await WithScreenshotOnFailureAsync(page, async () =>
        {
            await page.GotoAsync($"{lab.Lab.Url}/notes/{note}");
            await page.ClickAsync("#cite");
            var chosen = await page.WaitForSelectorAsync($"#evidence-chosen li[data-evidence='note:{note}']");
            Assert.Contains($"Cite me {word}", await chosen!.InnerTextAsync(), StringComparison.Ordinal);
        });
    }

    private async Task<Guid> CreatedAsync(string path, object body)
    {
        using var response = await lab.Http.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A made-up word of letters only, so that search treats it as one word and stemming leaves it alone.</summary>
    private static string Word() => "zq" + string.Concat(Guid.NewGuid().ToString("N")[..8].Select(c => (char)('a' + (c % 26))));

    private Task<IPage> LoggedInPageAsync(BrowserNewContextOptions? options = null) => _portal!.LoggedInPageAsync(lab.Lab.Url, lab.Token, options);

    /// <summary>Runs <paramref name="test"/>, with a screenshot of the page when it fails (see <see cref="PortalScreenshots"/>).</summary>
    private static Task WithScreenshotOnFailureAsync(IPage page, Func<Task> test, [CallerMemberName] string name = "") =>
        PortalScreenshots.OnFailureAsync(page, name, test);

    public async Task DisposeAsync()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }
}
