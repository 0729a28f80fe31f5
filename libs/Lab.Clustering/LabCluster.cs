using System.Net;
using Lab.Clustering.Membership;
using Lab.Contracts;
using Lab.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace Lab.Clustering;

/// <summary>
/// How a Lab silo joins its cluster, the same with one silo under <c>lab up</c> as with many in Kubernetes: membership
/// in the lab's PostgreSQL database, silo-to-silo connections over TLS with the cluster certificate on both sides, and
/// no client gateway (nothing outside the cluster calls a grain: people and workers come in through the API).
/// </summary>
public static class LabCluster
{
    public const string DefaultClusterId = "lab";
    public const string DefaultServiceId = "lab";

    /// <summary>Configuration keys a silo reads (Orleans section), e.g. <c>Orleans__SiloPort</c> in the environment.</summary>
    public static class Keys
    {
        public const string ClusterId = "Orleans:ClusterId";
        public const string SiloPort = "Orleans:SiloPort";
        public const string AdvertisedIPAddress = "Orleans:AdvertisedIPAddress";
        public const string CertificatePath = "Orleans:Tls:CertificatePath";
        public const string KeyPath = "Orleans:Tls:KeyPath";
        public const string CertificatePassword = "Orleans:Tls:CertificatePassword";
    }

    public static ISiloBuilder UseLabCluster(this ISiloBuilder silo, IConfiguration configuration, string connectionString)
    {
        var clusterId = configuration[Keys.ClusterId] is { Length: > 0 } id ? id : DefaultClusterId;
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = clusterId;
            options.ServiceId = DefaultServiceId;
        });
        silo.Configure<SiloOptions>(options => options.SiloName = SiloName(Environment.ProcessId));

        // Gateway port 0: the silo opens no port for Orleans clients.
        silo.ConfigureEndpoints(AdvertisedAddress(configuration), SiloPort(configuration), gatewayPort: 0);
        silo.Services.AddSingleton<IMembershipTable>(services =>
            new PostgresMembershipTable(connectionString, services.GetRequiredService<IOptions<ClusterOptions>>()));
        silo.Configure<ClusterMembershipOptions>(FailureDetection.Apply);

        var certificate = Certificate(configuration);
        silo.UseTls(certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.CheckCertificateRevocation = false;
            // The certificate is self-signed and shared: the chain proves nothing, the exact certificate does.
            tls.RemoteCertificateValidation = (presented, _, _) => ClusterCertificate.IsClusterCertificate(certificate, presented);
        });
        return silo;
    }

    /// <summary>A silo's name in the membership table: its host (the pod's name in Kubernetes) and process.</summary>
    public static string SiloName(int processId) => $"{Dns.GetHostName()}:{processId}";

    /// <summary>The configured certificate, or the one in the lab's data folder (created there on first use).</summary>
    public static System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate(IConfiguration configuration) =>
        configuration[Keys.CertificatePath] is { Length: > 0 } path
            ? ClusterCertificate.Load(path, NullIfEmpty(configuration[Keys.KeyPath]), NullIfEmpty(configuration[Keys.CertificatePassword]))
            : ClusterCertificate.Load(ClusterCertificate.EnsureFile(LabDataFolder.Default()));

    /// <summary>
    /// The address other silos reach this one at: configured (the pod's IP in Kubernetes), else loopback, which keeps
    /// the silo port off the network for replicas on one machine.
    /// </summary>
    private static IPAddress AdvertisedAddress(IConfiguration configuration)
    {
        var configured = configuration[Keys.AdvertisedIPAddress];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return IPAddress.Loopback;
        }
        return IPAddress.TryParse(configured.Trim(), out var address)
            ? address
            : throw new InvalidOperationException($"{Keys.AdvertisedIPAddress} must be an IP address; '{configured}' is not one.");
    }

    private static int SiloPort(IConfiguration configuration)
    {
        var configured = configuration[Keys.SiloPort];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return FreePort.Next();
        }
        return int.TryParse(configured, out var port) && port is > 0 and < 65536
            ? port
            : throw new InvalidOperationException($"{Keys.SiloPort} must be a port number; '{configured}' is not one.");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
