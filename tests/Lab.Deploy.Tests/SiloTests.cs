using System.Globalization;
using Lab.Deploy.Tests.Model;

namespace Lab.Deploy.Tests;

/// <summary>The API/silo Deployment: several silos clustered through PostgreSQL, never split by a rollout.</summary>
public sealed class SiloTests
{
    private const string ClusterSecret = "lab-cluster-tls";

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void The_API_runs_several_silos(string render)
    {
        var replicas = Renders.Get(render).Workload("lab-api").Spec.Int("replicas") ?? 1;

        Assert.True(replicas >= 2, $"{replicas} API replica(s)");
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void A_rollout_starts_a_new_silo_before_it_stops_an_old_one(string render)
    {
        var strategy = Renders.Get(render).Workload("lab-api").Spec.Obj("strategy");

        Assert.Equal("RollingUpdate", strategy?.Str("type"));
        Assert.Equal("0", strategy?.Str("rollingUpdate.maxUnavailable"));
        Assert.Equal("1", strategy?.Str("rollingUpdate.maxSurge"));
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Each_silo_advertises_its_pod_IP_and_declares_its_silo_port_and_no_client_gateway(string render)
    {
        var rendered = Renders.Get(render);
        var api = rendered.Workload("lab-api").ContainerNamed("api");

        var advertised = api.Spec.Array("env").Single(v => v.Str("name") == "Orleans__AdvertisedIPAddress");
        Assert.Equal("status.podIP", advertised.Str("valueFrom.fieldRef.fieldPath"));
        var siloPort = api.Ports.Single(p => p.Name == "silo").Number;
        Assert.Equal(siloPort.ToString(CultureInfo.InvariantCulture), rendered.ValueOf(api, "Orleans__SiloPort"));
        Assert.Equal(["http", "silo"], api.Ports.Select(p => p.Name).Order());
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Silos_read_the_cluster_certificate_and_key_from_the_cluster_secret_mounted_read_only(string render)
    {
        var rendered = Renders.Get(render);
        var api = rendered.Workload("lab-api").ContainerNamed("api");

        foreach (var variable in new[] { "Orleans__Tls__CertificatePath", "Orleans__Tls__KeyPath" })
        {
            var path = rendered.ValueOf(api, variable);
            Assert.NotNull(path);
            var mount = api.Mounts.SingleOrDefault(m => Path.GetDirectoryName(path) == m.Str("mountPath"));
            Assert.True(mount is not null, $"{variable}={path} is on no volume");
            Assert.True(mount!.Bool("readOnly"), $"{mount.Str("mountPath")} is writable");
            var secret = rendered.Workload("lab-api").Volume(mount.Str("name")!)?.Str("secret.secretName");
            Assert.NotNull(secret);
            Assert.StartsWith(ClusterSecret, secret, StringComparison.Ordinal);
            if (rendered.Find("Secret", secret) is { } generated)
            {
                Assert.Equal("kubernetes.io/tls", generated.Str("type"));
                Assert.NotNull(generated.Obj("data")?[Path.GetFileName(path)]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void A_drain_takes_at_most_one_silo_at_a_time_and_can_take_one(string render)
    {
        var rendered = Renders.Get(render);
        var api = rendered.Workload("lab-api");
        var replicas = api.Spec.Int("replicas") ?? 1;
        var budget = rendered.OfKind("PodDisruptionBudget").Single(b => Labels.Match(b.At("spec.selector"), api.PodLabels));

        var disruptable = budget.Int("spec.maxUnavailable") ?? replicas - budget.Int("spec.minAvailable")!.Value;

        Assert.Equal(1, disruptable);
    }
}
