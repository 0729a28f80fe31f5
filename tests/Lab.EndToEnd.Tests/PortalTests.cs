using Lab.Testing;
using Microsoft.Playwright;

namespace Lab.EndToEnd.Tests;

/// <summary>The portal through the gateway, in a real headless Chromium.</summary>
[Collection(RunningLabCollection.Name)]
public sealed class PortalTests(RunningLabFixture lab) : IAsyncLifetime
{
    private PortalBrowser? _portal;

    public async Task InitializeAsync() => _portal = await PortalBrowser.StartAsync();

    [Fact]
    public async Task The_portal_asks_for_a_login_and_refuses_a_wrong_token()
    {
        var page = await _portal!.Browser.NewPageAsync();

        await page.GotoAsync(lab.Lab.Url);
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        await page.FillAsync("#token", "lab_wrong");
        await page.ClickAsync("#login");

        await page.WaitForSelectorAsync("#login-failed");
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_person_proposes_an_idea_in_the_portal_and_sees_it_on_the_board()
    {
        var page = await LoggedInPageAsync();
        var title = $"Expert specialisation {Guid.NewGuid():N}"[..32];

        await page.FillAsync("#title", title);
        await page.FillAsync("#hypothesis", "Routed experts specialise by domain on the synthetic corpus.");
        await page.ClickAsync("#propose");

        await page.WaitForSelectorAsync("#proposed");
        var board = await page.InnerTextAsync("main");
        Assert.Contains(title, board, StringComparison.Ordinal);
        Assert.Contains("Routed experts specialise by domain", board, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_proposal_shows_what_is_missing_and_adds_nothing()
    {
        var page = await LoggedInPageAsync();
        var countBefore = await page.InnerTextAsync("#idea-count");

        await page.ClickAsync("#propose");

        var titleError = await page.WaitForSelectorAsync("[data-field=title]");
        Assert.Contains("title is required", await titleError!.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(countBefore, await page.InnerTextAsync("#idea-count"));
    }

    [Fact]
    public async Task Status_filters_take_names_in_any_case_and_say_so_when_a_value_is_not_one()
    {
        var page = await LoggedInPageAsync();

        await page.GotoAsync(lab.Lab.Url + "/runs?status=7");
        Assert.Contains("'7' is not a run status", await page.InnerTextAsync("[data-field=status]"), StringComparison.Ordinal);
        Assert.NotNull(await page.QuerySelectorAsync("#runs-count"));
        await page.GotoAsync(lab.Lab.Url + "/runs?status=cancelled");
        Assert.Null(await page.QuerySelectorAsync("[data-field=status]"));
        Assert.NotNull(await page.QuerySelectorAsync("#runs-count"));

        // The idea board shows every idea for a status it does not know, and filters by one in any case.
        await page.GotoAsync(lab.Lab.Url + "/?status=7");
        Assert.NotNull(await page.QuerySelectorAsync("#idea-count"));
        await page.GotoAsync(lab.Lab.Url + "/?status=proposed");
        Assert.NotNull(await page.QuerySelectorAsync("#idea-count"));
        foreach (var status in await page.QuerySelectorAllAsync("h3 .status"))
        {
            Assert.Equal("proposed", (await status.InnerTextAsync()).Trim());
        }
    }

    /// <summary>A fresh browser context logged in with the first member's token through the login page.</summary>
    private async Task<IPage> LoggedInPageAsync()
    {
        var page = await _portal!.LoggedInPageAsync(lab.Lab.Url, lab.Token);
        Assert.NotEqual("", await page.InnerTextAsync("#member"));
        return page;
    }

    public async Task DisposeAsync()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }
}
