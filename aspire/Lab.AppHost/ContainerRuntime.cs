using System.ComponentModel;
using Lab.Hosting;

namespace Lab.AppHost;

/// <summary>
/// Whether a container runtime answers healthily right now: the one Aspire is told to use (<c>ASPIRE_CONTAINER_RUNTIME</c>),
/// else Docker or Podman. A <c>docker</c> client with no engine behind it fails <c>docker info</c> at once; an engine that
/// hangs is given a few seconds. Without this check, container resources would wait forever as "runtime unhealthy".
/// </summary>
internal static class ContainerRuntime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<bool> IsHealthyAsync(IConfiguration configuration)
    {
        var configured = configuration["ASPIRE_CONTAINER_RUNTIME"] ?? configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"];
        string[] candidates = string.IsNullOrWhiteSpace(configured) ? ["docker", "podman"] : [configured];
        foreach (var runtime in candidates)
        {
            if (await AnswersAsync(runtime))
            {
                return true;
            }
        }
        return false;
    }

    private static async Task<bool> AnswersAsync(string runtime)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            return (await ProcessRunner.RunAsync(runtime, ["info"], timeout.Token)).Succeeded;
        }
        catch (Win32Exception)
        {
            return false; // not installed
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
