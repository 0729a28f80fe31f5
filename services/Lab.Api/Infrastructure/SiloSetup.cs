using Lab.Clustering;
using Lab.Contracts;

namespace Lab.Api.Infrastructure;

/// <summary>
/// The Orleans silo inside the API process. Every API process is a silo of one cluster whose membership lives in the
/// lab's database, whether it runs alone under <c>lab up</c> or as one of many replicas (see <see cref="LabCluster"/>).
/// </summary>
public static class SiloSetup
{
    public static WebApplicationBuilder AddLabSilo(this WebApplicationBuilder builder, string connectionString)
    {
        builder.UseOrleans(silo => silo.UseLabCluster(builder.Configuration, connectionString).AddOperatorDashboard());
        return builder;
    }
}
