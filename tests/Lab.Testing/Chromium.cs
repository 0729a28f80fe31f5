using Lab.Hosting;

namespace Lab.Testing;

/// <summary>
/// Debian's Chromium for browser tests (Playwright cannot download its own browsers here). When it is
/// missing and the tests run as root, it is installed with apt-get, once per machine.
/// </summary>
public static class Chromium
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    /// <summary>Flags that keep a headless Chromium from calling out on a closed network, and let it run as root.</summary>
    public static readonly string[] Arguments =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

    public static async Task<string> FindOrInstallAsync()
    {
        if (Find() is { } found)
        {
            return found;
        }
        await InstallLock.WaitAsync();
        try
        {
            if (Find() is { } installedMeanwhile)
            {
                return installedMeanwhile;
            }
            if (Environment.UserName != "root")
            {
                throw new InvalidOperationException("Browser tests need Chromium: install it (Debian: sudo apt-get install -y chromium) and run the tests again.");
            }
            await ProcessRunner.RunCheckedAsync("apt-get", ["update", "-qq"], "apt-get update (to install Chromium for the browser tests)");
            await ProcessRunner.RunCheckedAsync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], "apt-get install chromium (for the browser tests)");
            return Find() ?? throw new InvalidOperationException("Chromium was installed but is not at " + string.Join(", ", Candidates));
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static string? Find() => Candidates.FirstOrDefault(File.Exists);
}
