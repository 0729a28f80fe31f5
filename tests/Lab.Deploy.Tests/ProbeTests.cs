using System.Globalization;
using Lab.Deploy.Tests.Model;

namespace Lab.Deploy.Tests;

public sealed class ProbeTests
{
    /// <summary>
    /// Readiness is the service's whole health (<c>/health</c>), except for the gateway: its /health asks the API and
    /// the portal for theirs, so readiness there would take every gateway out of the Ingress whenever the API is unwell.
    /// </summary>
    private static readonly Dictionary<string, string> ReadinessPath = new()
    {
        ["Lab.Api"] = ServiceDefaults.HealthPath,
        ["Lab.Worker"] = ServiceDefaults.HealthPath,
        ["Lab.Portal"] = ServiceDefaults.HealthPath,
        ["Lab.Gateway"] = ServiceDefaults.AlivePath,
    };

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_Lab_container_is_probed_on_the_endpoints_its_service_maps(string render)
    {
        var problems = new List<string>();
        foreach (var (container, project) in Renders.Get(render).LabContainers)
        {
            if (!ServiceDefaults.AreMappedBy(project))
            {
                problems.Add($"{container}: {project.Name} does not map the default endpoints");
            }
            Expect(container, "startupProbe", ServiceDefaults.AlivePath, problems);
            Expect(container, "livenessProbe", ServiceDefaults.AlivePath, problems);
            Expect(container, "readinessProbe", ReadinessPath[project.Name], problems);
        }

        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_Lab_probe_asks_the_port_the_service_listens_on(string render)
    {
        var rendered = Renders.Get(render);
        var problems = new List<string>();
        foreach (var (container, _) in rendered.LabContainers)
        {
            var listening = rendered.ValueOf(container, "ASPNETCORE_HTTP_PORTS");
            foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
            {
                var port = container.Resolve(container.Spec.At($"{probe}.httpGet.port"));
                if (port is null || port.Value.ToString(CultureInfo.InvariantCulture) != listening)
                {
                    problems.Add($"{container}: {probe} asks port {port?.ToString(CultureInfo.InvariantCulture) ?? "(not declared)"}, the service listens on {listening ?? "(ASPNETCORE_HTTP_PORTS unset)"}");
                }
            }
        }

        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void The_API_has_minutes_to_apply_the_schema_and_join_the_cluster_before_liveness_counts(string render)
    {
        var api = Renders.Get(render).Workload("lab-api").ContainerNamed("api");

        var seconds = api.Spec.Int("startupProbe.periodSeconds") * api.Spec.Int("startupProbe.failureThreshold");

        Assert.True(seconds >= 300, $"The API's startup probe gives up after {seconds} s.");
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_container_has_readiness_and_liveness_probes(string render)
    {
        var unprobed = Renders.Get(render).Workloads.SelectMany(w => w.Containers)
            .Where(c => c.Spec["readinessProbe"] is null || c.Spec["livenessProbe"] is null)
            .Select(c => c.ToString());

        Assert.Empty(unprobed);
    }

    private static void Expect(Container container, string probe, string path, List<string> problems)
    {
        var actual = container.Spec.Str($"{probe}.httpGet.path");
        if (actual != path)
        {
            problems.Add($"{container}: {probe} is on {actual ?? "(none)"}, expected {path}");
        }
    }
}
