using Lab.Contracts;
using Orleans.Dashboard;

namespace Lab.Api.Infrastructure;

/// <summary>
/// The Orleans dashboard (grains, silos, calls, the cluster's health) for the lab's operators, at
/// <see cref="OperatorDashboardAccess.Path"/> behind the gateway: members and anonymous callers are refused like anywhere
/// else in the API (403, 401). Operators reach it with their token as a bearer token, or in a browser with the cookie the
/// portal gives them (<see cref="TokenAuthenticationHandler"/> reads it on this path only).
/// </summary>
public static class OperatorDashboard
{
    public const string Path = OperatorDashboardAccess.Path;

    /// <summary>The dashboard runs its own bundled script and styles (with inline style attributes), and fetches only from the lab.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    public static ISiloBuilder AddOperatorDashboard(this ISiloBuilder silo) => silo.AddDashboard();

    public static WebApplication MapOperatorDashboard(this WebApplication app)
    {
        // Not an operation of the API: left out of its OpenAPI document, which describes /api/v1 only.
        app.MapOrleansDashboard(routePrefix: Path).RequireAuthorization(ApiServiceExtensions.OperatorPolicy).ExcludeFromDescription();
        return app;
    }
}
