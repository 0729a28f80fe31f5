namespace Lab.Contracts;

/// <summary>
/// Names of Lab's resources, shared by the Aspire AppHost, <c>lab up</c>, Kubernetes and the
/// services, so that <c>ConnectionStrings__lab</c> and <c>services__api__http__0</c> mean the same everywhere.
/// </summary>
public static class LabServices
{
    public const string Database = "lab";
    public const string Api = "api";
    public const string Portal = "portal";
    public const string Worker = "worker";
    public const string Gateway = "gateway";

    /// <summary>
    /// The largest request body Lab reads (1 MiB; every field Lab accepts is far smaller): the API refuses more, and the
    /// gateway refuses more before passing anything on.
    /// </summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>The configuration key holding the first HTTP endpoint of a service (Aspire's convention).</summary>
    public static string EndpointKey(string service) => $"services:{service}:http:0";

    /// <summary>The base address HttpClients use; service discovery resolves it.</summary>
    public static Uri DiscoveryUri(string service) => new($"http://{service}");
}
