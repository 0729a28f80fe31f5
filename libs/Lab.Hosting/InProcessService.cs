using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lab.Hosting;

/// <summary>
/// Starts one Lab service inside the current process with its own configuration and Kestrel endpoint,
/// exactly as its own Program.cs would build it. <c>lab up</c> and the tests host services this way.
/// </summary>
public static class InProcessService
{
    public static async Task<WebApplication> StartAsync(
        string applicationName,
        string url,
        IReadOnlyDictionary<string, string?> settings,
        Func<WebApplicationBuilder, WebApplication> build,
        CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = applicationName,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls(url);
        var app = build(builder);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return app;
    }

    /// <summary>The address a started service actually listens on (useful when it was asked for port 0).</summary>
    public static string AddressOf(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.First()
            ?? throw new InvalidOperationException($"{app.Environment.ApplicationName} has no listening address.");

    /// <summary>Stops and disposes services in reverse order of starting, each within a bounded time.</summary>
    public static async Task StopAllAsync(IList<WebApplication> started)
    {
        for (var i = started.Count - 1; i >= 0; i--)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await started[i].StopAsync(timeout.Token);
            await started[i].DisposeAsync();
        }
        started.Clear();
    }
}
