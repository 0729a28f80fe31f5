using Lab.Testing;
using Microsoft.Playwright;

namespace Lab.EndToEnd.Tests;

/// <summary>The portal through the gateway, in a real headless Chromium.</summary>
[Collection(RunningLabCollection.Name)]
public sealed class PortalTests(RunningLabFixture lab) : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        var chromium = await Chromium.FindOrInstallAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = Chromium.Arguments,
        });
    }

    [Fact]
    public async Task A_person_proposes_an_idea_in_the_portal_and_sees_it_on_the_board()
    {
        var page = await _browser!.NewPageAsync();
        await page.GotoAsync(lab.Lab.Url);
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
        var page = await _browser!.NewPageAsync();
        await page.GotoAsync(lab.Lab.Url);
        var countBefore = await page.InnerTextAsync("#idea-count");

        await page.ClickAsync("#propose");

        var titleError = await page.WaitForSelectorAsync("[data-field=title]");
        Assert.Contains("title is required", await titleError!.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(countBefore, await page.InnerTextAsync("#idea-count"));
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
