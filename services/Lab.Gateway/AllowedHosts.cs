using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Lab.ServiceDefaults;
using Microsoft.Extensions.Primitives;

namespace Lab.Gateway;

/// <summary>
/// The host names the gateway answers to. Anything else in the Host header gets a 400 problem before it reaches a
/// service, so no answer (a login redirect, a link) can be built from a name an attacker chose. Always allowed: this
/// machine's own names and addresses (<c>localhost</c>, its host name, its IP addresses: what <c>lab up</c>, the tests
/// and Kubernetes' probes on the pod's address use). A public host name is added with <c>Gateway:AllowedHosts</c>
/// (<c>Gateway__AllowedHosts=lab.example.org</c>; several separated by <c>;</c>, <c>*.example.org</c> for subdomains,
/// <c>*</c> for any host, as behind a proxy that checks hosts itself).
/// </summary>
public sealed class AllowedHosts
{
    public const string ConfigurationKey = "Gateway:AllowedHosts";

    private readonly StringSegment[] _patterns;

    public AllowedHosts(IEnumerable<string> configured)
    {
        Configured = [.. configured.SelectMany(h => h.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        _patterns = [.. Configured.Concat(MachineNames()).Distinct(StringComparer.OrdinalIgnoreCase).Select(h => new StringSegment(h))];
    }

    /// <summary>What the configuration adds to the machine's own names.</summary>
    public IReadOnlyList<string> Configured { get; }

    public static AllowedHosts From(IConfiguration configuration)
    {
        var section = configuration.GetSection(ConfigurationKey);
        return new AllowedHosts(section.Value is { } single ? [single] : section.GetChildren().Select(c => c.Value ?? ""));
    }

    /// <summary>Whether a Host header (with or without a port) names this lab. HTTP/1.0 requests may send none.</summary>
    public bool Allows(string host) => host.Length == 0 || HostString.MatchesAny(new StringSegment(host), _patterns);

    /// <summary>Refuses requests for any other host with a 400 problem that does not repeat the host it was sent.</summary>
    public void Use(WebApplication app) => app.Use(async (context, next) =>
    {
        if (Allows(context.Request.Headers.Host.ToString()))
        {
            await next(context);
            return;
        }
        await ProblemAnswers.WriteAsync(context, StatusCodes.Status400BadRequest, "Unknown host",
            $"This lab does not answer to that host name. Its operator can allow it with {ConfigurationKey}.");
    });

    /// <summary>localhost, the loopback addresses, this machine's host name (short and qualified) and every address of its interfaces.</summary>
    public static IEnumerable<string> MachineNames()
    {
        yield return "localhost";
        yield return "127.0.0.1";
        yield return "[::1]";
        var name = Dns.GetHostName();
        yield return name;
        var domain = IPGlobalProperties.GetIPGlobalProperties().DomainName;
        if (!string.IsNullOrEmpty(domain) && !name.Contains('.', StringComparison.Ordinal))
        {
            yield return $"{name}.{domain}";
        }
        foreach (var address in InterfaceAddresses())
        {
            // A Host header carries an IPv6 address in brackets and without its scope (%eth0).
            yield return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{new IPAddress(address.GetAddressBytes())}]" : address.ToString();
        }
    }

    private static IPAddress[] InterfaceAddresses()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces()
                .Where(i => i.OperationalStatus == OperationalStatus.Up)
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(u => u.Address)];
        }
        catch (NetworkInformationException)
        {
            return []; // a sandbox that hides its interfaces: localhost and the host name remain
        }
    }
}
