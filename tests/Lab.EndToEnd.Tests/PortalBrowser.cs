using Lab.Testing;
using Microsoft.Playwright;

namespace Lab.EndToEnd.Tests;

/// <summary>A real headless Chromium for the portal tests, which logs members in through the portal's own login page.</summary>
public sealed class PortalBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;

    private PortalBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<PortalBrowser> StartAsync()
    {
        var chromium = await Chromium.FindOrInstallAsync();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = Chromium.Arguments,
        });
        return new PortalBrowser(playwright, browser);
    }

    /// <summary>
    /// <paramref name="at"/> as a datetime-local field with whole seconds keeps it: the browser writes a whole minute
    /// without its ":00", and refuses a fill whose value it would write differently.
    /// </summary>
    public static string FieldMoment(DateTimeOffset at) =>
        at.UtcDateTime.ToString(at.Second == 0 ? "yyyy-MM-ddTHH:mm" : "yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A fresh browser context logged in with <paramref name="token"/> through the login page, on the idea board.</summary>
    public async Task<IPage> LoggedInPageAsync(string labUrl, string token, BrowserNewContextOptions? options = null)
    {
        var context = await Browser.NewContextAsync(options);
        var page = await context.NewPageAsync();
        await page.GotoAsync(labUrl + "/login");
        await page.FillAsync("#token", token);
        await page.ClickAsync("#login");
        await page.WaitForSelectorAsync("#propose-form");
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
