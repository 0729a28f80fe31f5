using Lab.Deploy.Tests.Model;

namespace Lab.Deploy.Tests;

public sealed class SchemaTests
{
    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_rendered_object_is_valid_against_the_Kubernetes_API_schemas(string render)
    {
        var rendered = Renders.Get(render);

        Assert.NotEmpty(rendered.Objects);
        Assert.Empty(rendered.SchemaErrors);
    }

    [Fact]
    public void Every_overlay_in_the_repository_is_rendered_by_these_tests()
    {
        var overlays = Directory.GetDirectories(Repository.PathOf("infra", "k8s", "overlays")).Select(Path.GetFileName);

        Assert.Equal(Renders.Names.Where(n => n != Renders.Base).Order(), overlays.Order());
    }

    [Fact]
    public void The_validator_reports_objects_the_API_server_would_refuse()
    {
        var file = Path.Combine(Path.GetTempPath(), $"lab-deploy-invalid-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, """
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: port-by-name }
            spec:
              selector: { matchLabels: { app: x } }
              template:
                metadata: { labels: { app: x } }
                spec:
                  containers: [{ name: x, image: x, ports: [{ containerPort: http }] }]
            ---
            apiVersion: v1
            kind: Secret
            metadata: { name: not-base64 }
            data: { key: "not base64!" }
            ---
            apiVersion: v1
            kind: Pod
            metadata: { name: bad-quantity }
            spec:
              containers: [{ name: x, image: x, resources: { limits: { cpu: lots } } }]
            ---
            apiVersion: lab.example.org/v1
            kind: Unknown
            metadata: { name: no-schema }
            """);
        try
        {
            var result = SchemaValidator.Validate([file]).Single();

            Assert.Equal(4, result.Objects.Count);
            Assert.Collection(result.Errors,
                e => Assert.Contains("Deployment/port-by-name", e, StringComparison.Ordinal),
                e => Assert.Contains("Secret/not-base64", e, StringComparison.Ordinal),
                e => Assert.Contains("Pod/bad-quantity", e, StringComparison.Ordinal),
                e => Assert.Contains("Unknown/no-schema: no schema", e, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
