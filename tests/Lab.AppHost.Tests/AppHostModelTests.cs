using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Lab.Contracts;

namespace Lab.AppHost.Tests;

/// <summary>
/// What the AppHost declares, read from its model without starting anything (an external database keeps it from
/// preparing a local PostgreSQL): the contract that scripts and people rely on.
/// </summary>
public sealed class AppHostModelTests
{
    private const string External = "ConnectionStrings:lab=Host=127.0.0.1;Port=1;Database=lab;Username=lab;Password=x";

    [Fact]
    public async Task The_gateway_is_the_one_external_endpoint_on_port_8080_or_Lab_GatewayPort()
    {
        var byDefault = await ModelAsync(External);
        var configured = await ModelAsync(External, "Lab:GatewayPort=9123");

        Assert.Equal(8080, GatewayHttp(byDefault).Port);
        Assert.True(GatewayHttp(byDefault).IsExternal);
        Assert.Equal(9123, GatewayHttp(configured).Port);
        Assert.DoesNotContain(byDefault.Where(r => r.Name != LabServices.Gateway).OfType<IResourceWithEndpoints>(),
            r => r.Annotations.OfType<EndpointAnnotation>().Any(e => e.IsExternal));
    }

    [Fact]
    public async Task A_given_connection_string_is_the_lab_database_and_no_postgres_is_started()
    {
        var model = await ModelAsync(External);

        Assert.Contains(model, r => r.Name == LabServices.Database && r is IResourceWithConnectionString);
        Assert.DoesNotContain(model, r => r.Name == "postgres");
    }

    [Fact]
    public async Task External_postgres_without_a_connection_string_is_refused_with_what_to_set()
    {
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ModelAsync("Lab:Postgres=external"));

        Assert.Contains("ConnectionStrings__lab", Innermost(refused).Message);
    }

    private static async Task<IReadOnlyList<IResource>> ModelAsync(params string[] args)
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Lab_AppHost>(args);
        return [.. builder.Resources];
    }

    private static EndpointAnnotation GatewayHttp(IReadOnlyList<IResource> model) =>
        model.Single(r => r.Name == LabServices.Gateway).Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http");

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}
