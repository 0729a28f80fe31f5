using System.Net;
using Lab.Hosting;

namespace Lab.Api.Infrastructure;

/// <summary>
/// The Orleans silo inside the API process. Alone on a machine it clusters with itself on loopback,
/// on ports from <c>Orleans:SiloPort</c> and <c>Orleans:GatewayPort</c> (free ones when unset).
/// </summary>
public static class SiloSetup
{
    public const string ClusterId = "lab";
    public const string ServiceId = "lab";

    public static WebApplicationBuilder AddLabSilo(this WebApplicationBuilder builder)
    {
        var siloPort = PortOrFree(builder.Configuration, "Orleans:SiloPort");
        var gatewayPort = PortOrFree(builder.Configuration, "Orleans:GatewayPort");
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, primarySiloEndpoint: new IPEndPoint(IPAddress.Loopback, siloPort), serviceId: ServiceId, clusterId: ClusterId);
        });
        return builder;
    }

    private static int PortOrFree(IConfiguration configuration, string key) =>
        configuration.GetValue<int?>(key) is > 0 and var port ? port : FreePort.Next();
}
