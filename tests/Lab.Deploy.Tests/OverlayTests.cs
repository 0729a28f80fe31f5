using System.Data.Common;
using System.Security.Cryptography.X509Certificates;
using Lab.Deploy.Tests.Model;

namespace Lab.Deploy.Tests;

public sealed class OverlayTests
{
    [Fact]
    public void Dev_runs_PostgreSQL_on_a_volume_and_the_connection_string_reaches_it()
    {
        var dev = Renders.Get(Renders.Dev);
        var postgres = dev.Workloads.Single(w => w.Containers.Any(c => Images.Repository(c.Image) == "postgres"));
        var container = postgres.Containers.Single(c => Images.Repository(c.Image) == "postgres");

        Assert.Equal("StatefulSet", postgres.Kind);
        var data = Assert.Single(postgres.Spec.Array("volumeClaimTemplates")).Str("metadata.name");
        var mount = container.Mounts.Single(m => m.Str("name") == data).Str("mountPath")!;
        Assert.StartsWith(mount + "/", dev.ValueOf(container, "PGDATA"), StringComparison.Ordinal);

        var service = dev.OfKind("Service").Single(s => Labels.Match(Labels.Of(s.At("spec.selector")), postgres.PodLabels));
        var secret = container.Spec.Array("envFrom").Single().Str("secretRef.name")!;
        var connection = new DbConnectionStringBuilder { ConnectionString = dev.SecretValue(SecretOf(dev, "lab-api", "ConnectionStrings__lab"), "ConnectionStrings__lab") };
        Assert.Equal(service.Str("metadata.name"), connection["Host"]);
        Assert.Equal(dev.SecretValue(secret, "POSTGRES_DB"), connection["Database"]);
        Assert.Equal(dev.SecretValue(secret, "POSTGRES_USER"), connection["Username"]);
        Assert.Equal(dev.SecretValue(secret, "POSTGRES_PASSWORD"), connection["Password"]);
        Assert.Equal(SecretOf(dev, "lab-api", "ConnectionStrings__lab"), SecretOf(dev, "lab-portal", "ConnectionStrings__lab"));
    }

    [Fact]
    public void The_dev_cluster_certificate_is_a_matching_dev_only_pair_valid_for_a_while()
    {
        var folder = Path.Combine(Renders.DirectoryOf(Renders.Dev), "cluster-tls");

        using var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(folder, "tls.crt"), Path.Combine(folder, "tls.key"));

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal("CN=lab-cluster-dev", certificate.Subject);
        Assert.True(certificate.NotAfter > DateTime.Now.AddDays(90), $"The dev cluster certificate expires on {certificate.NotAfter:O}: make a new one (cluster-tls/README.md).");
    }

    [Fact]
    public void Prod_keeps_no_secrets_and_runs_no_database_of_its_own()
    {
        var prod = Renders.Get(Renders.Prod);

        Assert.Empty(prod.OfKind("Secret"));
        Assert.Empty(prod.OfKind("StatefulSet"));
        Assert.DoesNotContain(prod.Workloads.SelectMany(w => w.Containers), c => Images.Repository(c.Image) == "postgres");
    }

    [Fact]
    public void Prod_serves_its_host_over_TLS_through_its_ingress_class()
    {
        var ingress = Assert.Single(Renders.Get(Renders.Prod).OfKind("Ingress"));

        Assert.False(string.IsNullOrEmpty(ingress.Str("spec.ingressClassName")));
        var hosts = ingress.Array("spec.rules").Select(r => r.Str("host")).ToList();
        Assert.NotEmpty(hosts);
        Assert.DoesNotContain(null, hosts);
        var tls = ingress.Array("spec.tls").ToList();
        Assert.All(hosts, host => Assert.Contains(tls, t => t.Strings("hosts").Contains(host) && t.Str("secretName") is not null));
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Streams_pass_the_Ingress_unbuffered_and_stay_open_as_long_as_the_gateway_keeps_them(string render)
    {
        var annotations = Assert.Single(Renders.Get(render).OfKind("Ingress")).Obj("metadata.annotations");
        var gatewayTimeout = GatewayStreamTimeout();

        Assert.Equal("off", annotations?["nginx.ingress.kubernetes.io/proxy-buffering"]?.ToString());
        foreach (var timeout in new[] { "proxy-read-timeout", "proxy-send-timeout" })
        {
            var seconds = annotations?[$"nginx.ingress.kubernetes.io/{timeout}"]?.ToString();
            Assert.True(seconds is not null && TimeSpan.FromSeconds(int.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)) >= gatewayTimeout,
                $"{timeout} {seconds ?? "unset"} s, the gateway keeps an API stream open for {gatewayTimeout}");
        }
    }

    /// <summary>How long the gateway keeps a quiet API response open (its api cluster's ActivityTimeout in gateway.json).</summary>
    private static TimeSpan GatewayStreamTimeout()
    {
        var routes = System.Text.Json.Nodes.JsonNode.Parse(Repository.ReadText("services", "Lab.Gateway", "gateway.json"))!;
        return TimeSpan.Parse(routes.Str("ReverseProxy.Clusters.api.HttpRequest.ActivityTimeout")!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string SecretOf(Render render, string workload, string variable) =>
        render.Workload(workload).Containers.SelectMany(c => c.Spec.Array("env"))
            .Single(v => v.Str("name") == variable).Str("valueFrom.secretKeyRef.name")!;
}
