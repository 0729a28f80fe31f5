using System.Net.Sockets;
using Lab.Clustering;
using Lab.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Lab.Cluster.Tests;

/// <summary>
/// Nobody reaches a grain without the cluster's certificate: silos open no client gateway, and their silo port speaks
/// only TLS with the cluster certificate on both sides. Knowing the cluster's id, or even its database, is not enough.
/// </summary>
public sealed class ClusterSecurityTests(ClusterSecurityTests.OneReplica lab) : IClassFixture<ClusterSecurityTests.OneReplica>
{
    [Fact]
    public async Task A_client_that_knows_the_cluster_id_and_the_silo_port_cannot_connect()
    {
        var silo = await SiloEndpointAsync(lab);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddFilter(_ => false);
        builder.UseOrleansClient(client => client
            .UseStaticClustering(silo)
            .Configure<ClusterOptions>(options => (options.ClusterId, options.ServiceId) = (LabCluster.DefaultClusterId, LabCluster.DefaultServiceId)));
        using var host = builder.Build();

        Assert.False(await StartsAsync(host, TimeSpan.FromSeconds(20)), "an Orleans client connected to a silo");
    }

    [Fact]
    public async Task A_plain_connection_to_the_silo_port_is_closed_without_an_answer()
    {
        var silo = await SiloEndpointAsync(lab);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(silo);
        var stream = tcp.GetStream();
        // What an Orleans peer sends first (its protocol version and id), in the clear.
        await stream.WriteAsync(new byte[] { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 });
        var buffer = new byte[256];
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var read = await ReadUntilClosedAsync(stream, buffer, wait.Token);

        Assert.Equal(0, read);
    }

    [Fact]
    public async Task A_silo_with_another_certificate_cannot_join_even_with_the_database()
    {
        var intruderCertificate = ClusterCertificate.EnsureFile(TestFolders.Create("intruder"));

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var intruder = await ClusterMember.JoinAsync(lab.Database, intruderCertificate, maxJoinTime: TimeSpan.FromSeconds(15));
        });

        // The lab itself is untouched: a member with its certificate joins and sees one other silo.
        await using var member = await ClusterMember.JoinAsync(lab.Database, lab.Certificate);
        Assert.Equal(2, await member.ActiveSilosAsync());
    }

    [Fact]
    public async Task Silos_advertise_no_gateway()
    {
        await using var member = await ClusterMember.JoinAsync(lab.Database, lab.Certificate);

        var silos = await member.Management.GetDetailedHosts(onlyActive: true);

        Assert.Equal(2, silos.Length);
        Assert.All(silos, s => Assert.Equal(0, s.ProxyPort));
    }

    [Fact]
    public void Only_the_cluster_certificate_itself_is_accepted()
    {
        using var cluster = ClusterCertificate.Create();
        using var same = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(cluster.RawData);
        using var other = ClusterCertificate.Create();

        Assert.True(ClusterCertificate.IsClusterCertificate(cluster, same));
        Assert.False(ClusterCertificate.IsClusterCertificate(cluster, other));
        Assert.False(ClusterCertificate.IsClusterCertificate(cluster, null));
    }

    [Fact]
    public async Task Silos_starting_together_in_one_data_folder_share_one_certificate()
    {
        var folder = TestFolders.Create("certificate");

        var paths = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => ClusterCertificate.EnsureFile(folder))));

        Assert.Single(paths.Distinct());
        Assert.Single(Directory.GetFiles(folder));
        var thumbprints = paths.Select(p => { using var c = ClusterCertificate.Load(p); return c.Thumbprint; }).Distinct();
        Assert.Single(thumbprints);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(paths[0]));
        }
    }

    /// <summary>The only Orleans port the replica opens, as the membership table tells it.</summary>
    private static async Task<System.Net.IPEndPoint> SiloEndpointAsync(OneReplica lab)
    {
        await using var member = await ClusterMember.JoinAsync(lab.Database, lab.Certificate);
        var silos = await member.Management.GetDetailedHosts(onlyActive: true);
        return silos.Single(s => s.SiloName == LabCluster.SiloName(lab.Api.ProcessId)).SiloAddress.Endpoint;
    }

    /// <summary>Whether the client got through: it may be refused outright, or keep trying in vain until the time is up.</summary>
    private static async Task<bool> StartsAsync(IHost client, TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await client.StartAsync(timeout.Token);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or System.Net.Sockets.SocketException or IOException)
        {
            return false;
        }
    }

    private static async Task<int> ReadUntilClosedAsync(NetworkStream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
            }
        }
        catch (IOException)
        {
            // Reset by the silo: closed all the same.
        }
        return total;
    }

    /// <summary>One API replica, its silo alone in its cluster, shared by the tests of this class.</summary>
    public sealed class OneReplica : IAsyncLifetime
    {
        public ServiceProcess Api { get; private set; } = null!;
        public string Database { get; private set; } = "";
        public string Certificate { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Database = await TestPostgres.CreateDatabaseAsync("security");
            Certificate = ClusterCertificate.EnsureFile(TestFolders.Create("security"));
            Api = await ServiceProcess.StartAsync("services", "Lab.Api", new Dictionary<string, string>
            {
                ["ConnectionStrings__lab"] = Database,
                ["Orleans__Tls__CertificatePath"] = Certificate,
            });
        }

        public async Task DisposeAsync() => await Api.DisposeAsync();
    }
}
