using System.Net.Http.Json;
using System.Text.Json;
using Lab.Testing;
using Microsoft.Playwright;

namespace Lab.EndToEnd.Tests;

/// <summary>The lab's organisation in the portal, in a real headless Chromium through the gateway.</summary>
[Collection(RunningLabCollection.Name)]
public sealed class PortalOrganisationTests(RunningLabFixture lab) : IAsyncLifetime
{
    private PortalBrowser? _portal;

    public async Task InitializeAsync() => _portal = await PortalBrowser.StartAsync();

    [Fact]
    public async Task A_member_proposes_sees_similar_ideas_joins_writes_a_note_finds_it_and_sees_the_lab_celebrate()
    {
        var page = await LoggedInPageAsync();
        var handle = (await lab.Http.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("handle").GetString()!;
        var word = "Qx" + Guid.NewGuid().ToString("N")[..8];
        var first = $"Routing collapse in {word} experts";

        // Propose one idea, then draft a similar one: the similar-ideas panel shows the first before proposing.
        await ProposeAsync(page, first, $"Without the balance bias the {word} experts collapse onto two.");
        await page.FillAsync("#title", $"Preventing routing collapse in {word} experts");
        await page.FillAsync("#hypothesis", $"A bias per expert keeps the {word} experts balanced.");
        await page.ClickAsync("#preview");
        var similar = await page.WaitForSelectorAsync("#similar");
        Assert.Contains(first, await similar!.InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await similar.QuerySelectorAsync("mark") is not null, "the similar ideas' snippets highlight the matching words");
        Assert.Equal($"Preventing routing collapse in {word} experts", await page.InputValueAsync("#title"));

        // Open the first idea and join its team.
        await page.GotoAsync(lab.Lab.Url + "/");
        await page.ClickAsync($"article.idea:has-text('{first}') h3 a");
        await page.WaitForSelectorAsync("#idea-title");
        Assert.Contains(first, await page.InnerTextAsync("#idea-title"), StringComparison.Ordinal);
        Assert.NotNull(await page.QuerySelectorAsync("#no-team"));
        await page.ClickAsync("#join");
        await page.WaitForSelectorAsync("#done");
        Assert.Contains("@" + handle, await page.InnerTextAsync("#roster"), StringComparison.Ordinal);
        Assert.NotNull(await page.QuerySelectorAsync("#leave"));
        var ideaUrl = page.Url.Split('?')[0];

        // An empty note is refused beside its fields and adds nothing; a written one is attached and rendered safely.
        await page.ClickAsync("#write-note");
        var titleError = await page.WaitForSelectorAsync("#note-form [data-field=title]");
        Assert.Contains("required", await titleError!.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Empty(await page.QuerySelectorAllAsync("#notes .note-item"));
        var noteTitle = $"Balance bias notes {word}";
        await page.FillAsync("#note-title", noteTitle);
        await page.FillAsync("#note-body", $"The **{word}** bias works.\n\n- <b>not bold</b>\n- [a link](https://example.org/x) and [no link](javascript:alert(1))");
        await page.ClickAsync("#write-note");
        await page.WaitForSelectorAsync("#done");
        await page.ClickAsync($"#notes a:has-text('{noteTitle}')");
        await page.WaitForSelectorAsync("#note-body");
        Assert.Equal(word, await page.InnerTextAsync("#note-body strong"));
        Assert.Contains("<b>not bold</b>", await page.InnerTextAsync("#note-body"), StringComparison.Ordinal);
        Assert.Empty(await page.QuerySelectorAllAsync("#note-body b"));
        var links = await page.QuerySelectorAllAsync("#note-body a");
        Assert.Equal("https://example.org/x", await Assert.Single(links).GetAttributeAsync("href"));
        Assert.NotNull(await page.QuerySelectorAsync("#edit"));

        // Search finds the note, with the word highlighted.
        await page.GotoAsync($"{lab.Lab.Url}/search?q={word}&kind=note");
        var hit = await page.WaitForSelectorAsync("#results .hit");
        Assert.Contains(noteTitle, await hit!.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains(word, await page.InnerTextAsync("#results mark"), StringComparison.OrdinalIgnoreCase);

        // Explore, try to validate without a summary (refused, nothing changes), then validate: the feed celebrates.
        await page.GotoAsync(ideaUrl);
        await page.ClickAsync("#explore");
        await page.WaitForSelectorAsync("#done");
        Assert.Equal("exploring", await page.InnerTextAsync("#idea-status"));
        await page.ClickAsync("#validate");
        await page.WaitForSelectorAsync("#lifecycle [data-field=summary]");
        Assert.Equal("exploring", await page.InnerTextAsync("#idea-status"));
        await page.FillAsync("#summary", "Balanced load on every seed.");
        await page.ClickAsync("#validate");
        await page.WaitForSelectorAsync("#validated");

        await page.GotoAsync(lab.Lab.Url + "/feed");
        var celebrated = await page.WaitForSelectorAsync($".feed-entry.celebrate:has-text('{first}')");
        Assert.Contains("validated", await celebrated!.InnerTextAsync(), StringComparison.Ordinal);
        Assert.NotNull(await page.QuerySelectorAsync($".feed-entry:has-text('wrote “{noteTitle}”')"));
    }

    [Fact]
    public async Task Time_travel_shows_an_idea_before_its_team_formed_and_the_researcher_page_lists_teams()
    {
        var page = await LoggedInPageAsync();
        var handle = (await lab.Http.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("handle").GetString()!;
        var title = $"Shared expert width {Guid.NewGuid():N}"[..30];
        await ProposeAsync(page, title, "A wider shared expert needs fewer routed ones.");
        await page.ClickAsync("#proposed a");
        await page.WaitForSelectorAsync("#idea-title");
        // The time-travel field has whole seconds: wait past the proposal's second before taking the moment,
        // so the moment (rounded down) is after the proposal and before the join.
        await Task.Delay(1100);
        var beforeJoining = DateTimeOffset.UtcNow;
        await page.ClickAsync("#join");
        await page.WaitForSelectorAsync("#roster");

        await page.FillAsync("#as-of", PortalBrowser.FieldMoment(beforeJoining));
        await page.ClickAsync("#travel");
        await page.WaitForSelectorAsync("#as-of-banner");
        Assert.NotNull(await page.QuerySelectorAsync("#no-team"));
        Assert.Null(await page.QuerySelectorAsync("#join"));

        await page.ClickAsync("#member");
        await page.WaitForSelectorAsync("#researcher-name");
        Assert.Contains("@" + handle, await page.InnerTextAsync("#researcher-name"), StringComparison.Ordinal);
        Assert.Contains(title, await page.InnerTextAsync("#current-teams"), StringComparison.Ordinal);
        Assert.Contains(title, await page.InnerTextAsync("#proposed"), StringComparison.Ordinal);
    }

    private static async Task ProposeAsync(IPage page, string title, string hypothesis)
    {
        await page.FillAsync("#title", title);
        await page.FillAsync("#hypothesis", hypothesis);
        await page.ClickAsync("#propose");
        await page.WaitForSelectorAsync("#proposed");
    }

    /// <summary>A fresh browser context logged in with the first member's token through the login page.</summary>
    private Task<IPage> LoggedInPageAsync() => _portal!.LoggedInPageAsync(lab.Lab.Url, lab.Token);

    public async Task DisposeAsync()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }
}
