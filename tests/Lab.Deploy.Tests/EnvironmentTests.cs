using Lab.Deploy.Tests.Model;

namespace Lab.Deploy.Tests;

public sealed class EnvironmentTests
{
    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_variable_a_Lab_container_gets_is_read_by_its_service(string render)
    {
        var rendered = Renders.Get(render);
        var unread = rendered.LabContainers
            .SelectMany(c => rendered.EnvironmentOf(c.Container)
                .Where(v => !ConfigurationKeys.Of(c.Project).Reads(v.Name))
                .Select(v => $"{c.Container}: {v.Name} (from {v.Source}) is read by nothing in {c.Project.Name}"));

        Assert.Empty(unread);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_service_is_given_the_endpoints_and_database_its_code_asks_for_and_they_exist(string render)
    {
        var rendered = Renders.Get(render);
        var problems = new List<string>();
        foreach (var (container, project) in rendered.LabContainers)
        {
            foreach (var service in LabServiceNames.CalledBy(project))
            {
                var variable = $"services__{service}__http__0";
                var url = rendered.ValueOf(container, variable);
                if (!Uri.TryCreate(url, UriKind.Absolute, out var address))
                {
                    problems.Add($"{container}: {project.Name} calls {service}, {variable} is {url ?? "unset"}");
                }
                else if (rendered.Find("Service", address.Host) is not { } target || !target.Array("spec.ports").Any(p => p.Int("port") == address.Port))
                {
                    problems.Add($"{container}: {variable}={url} is no Service port");
                }
            }
            var database = $"ConnectionStrings__{LabServiceNames.Database}";
            if (ConfigurationKeys.Of(project).Reads(database) && rendered.EnvironmentOf(container).All(v => v.Name != database))
            {
                problems.Add($"{container}: {project.Name} reads {database}, which it is not given");
            }
        }

        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("Lab.Worker", "Worker__CheckpointRoot", true)]
    [InlineData("Lab.Worker", "Worker__CheckpointRot", false)]
    [InlineData("Lab.Worker", "worker__stoptimeout", true)]
    [InlineData("Lab.Worker", "Worker__Token", true)]
    [InlineData("Lab.Api", "Worker__Token", false)]
    [InlineData("Lab.Api", "Lab__Bootstrap__Token", true)]
    [InlineData("Lab.Api", "Lab__Bootstrap__Tokn", false)]
    [InlineData("Lab.Api", "Pool__MinRunTime", true)]
    [InlineData("Lab.Api", "Orleans__SiloPort", true)]
    [InlineData("Lab.Api", "ConnectionStrings__lab", true)]
    [InlineData("Lab.Api", "ConnectionStrings__labs", false)]
    [InlineData("Lab.Gateway", "ConnectionStrings__lab", false)]
    [InlineData("Lab.Gateway", "Gateway__HealthOf__0", true)]
    [InlineData("Lab.Portal", "services__api__http__0", true)]
    [InlineData("Lab.Portal", "services__apii__http__0", false)]
    [InlineData("Lab.Portal", "OTEL_EXPORTER_OTLP_ENDPOINT", true)]
    [InlineData("Lab.Portal", "OTEL_EXPORTER_OTLP_ENDPIONT", false)]
    [InlineData("Lab.Portal", "ASPNETCORE_HTTP_PORTS", true)]
    [InlineData("Lab.Portal", "ASPNETCORE_HTTP_PORT", false)]
    [InlineData("Lab.Portal", "Logging__LogLevel__Default", true)]
    public void A_variable_counts_as_read_only_when_the_services_code_reads_its_key(string project, string variable, bool read)
    {
        Assert.Equal(read, ConfigurationKeys.Of(Projects.Named(project)).Reads(variable));
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_ConfigMap_and_Secret_a_container_imports_whole_is_in_the_render(string render)
    {
        var rendered = Renders.Get(render);
        var missing = rendered.Workloads.SelectMany(w => w.Containers).SelectMany(c => c.Spec.Array("envFrom")
            .Where(source => (source.Str("configMapRef.name") is { } map && rendered.Find("ConfigMap", map) is null)
                || (source.Str("secretRef.name") is { } secret && rendered.Find("Secret", secret) is null))
            .Select(source => $"{c}: {source.ToJsonString()} (its keys could not be checked)"));

        Assert.Empty(missing);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Telemetry_goes_where_the_ConfigMap_says_under_one_name_per_service(string render)
    {
        var rendered = Renders.Get(render);
        var containers = rendered.LabContainers.Select(c => c.Container).ToList();

        Assert.All(containers, c => Assert.Contains(rendered.EnvironmentOf(c),
            v => v.Name == "OTEL_EXPORTER_OTLP_ENDPOINT" && v.Source == "ConfigMap lab-services"));
        var names = containers.Select(c => rendered.ValueOf(c, "OTEL_SERVICE_NAME")).ToList();
        Assert.DoesNotContain(null, names);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Telemetry_is_not_exported_unless_an_overlay_names_a_collector()
    {
        Assert.Equal("", Renders.Get(Renders.Base).Find("ConfigMap", "lab-services")?.Str("data.OTEL_EXPORTER_OTLP_ENDPOINT"));
    }
}
