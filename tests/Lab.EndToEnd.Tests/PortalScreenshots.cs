using Microsoft.Playwright;

namespace Lab.EndToEnd.Tests;

/// <summary>What a failed portal check looked like: a screenshot of the page, named in the failure.</summary>
public static class PortalScreenshots
{
    /// <summary>Where screenshots go: <c>LAB_TEST_SCREENSHOTS</c>, else <c>portal-screenshots</c> beside the test assembly.</summary>
    public static string Folder { get; } = Environment.GetEnvironmentVariable("LAB_TEST_SCREENSHOTS") is { Length: > 0 } configured
        ? configured
        : Path.Combine(AppContext.BaseDirectory, "portal-screenshots");

    /// <summary>Runs <paramref name="check"/>; when it fails, saves the whole of <paramref name="page"/> and fails saying where.</summary>
    public static async Task OnFailureAsync(IPage page, string name, Func<Task> check)
    {
        try
        {
            await check();
        }
        catch (Exception failure)
        {
            var path = Path.Combine(Folder, $"{name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.png");
            try
            {
                Directory.CreateDirectory(Folder);
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            }
            catch (PlaywrightException e)
            {
                path = $"(no screenshot: {e.Message})";
            }
            throw new InvalidOperationException($"{failure.Message}{Environment.NewLine}Screenshot of {page.Url}: {path}", failure);
        }
    }
}
