namespace Lab.Portal;

/// <summary>
/// The portal's stylesheets and scripts (wwwroot), built into the assembly and served from it, so the portal looks and
/// behaves the same whether it runs on its own or inside <c>lab up</c>, whose content root is not the portal's. Nothing
/// comes from elsewhere: uPlot (MIT, see <c>/lib/uplot/LICENSE</c>) is vendored from npm as it is published.
/// </summary>
public static class PortalAssets
{
    public static readonly PortalAsset Styles = new("/app.css", "Lab.Portal.app.css", "text/css; charset=utf-8");

    /// <summary>The charts' own styles (metric charts, heatmaps, the affinity matrix, the comparison table).</summary>
    public static readonly PortalAsset ChartStyles = new("/charts.css", "Lab.Portal.charts.css", "text/css; charset=utf-8");

    /// <summary>uPlot 1.6.32, the charting library (hover values, zoom, log scales), as npm publishes it.</summary>
    public static readonly PortalAsset UPlotScript = new("/lib/uplot/uPlot.iife.min.js", "Lab.Portal.uPlot.iife.min.js", "text/javascript; charset=utf-8");

    public static readonly PortalAsset UPlotStyles = new("/lib/uplot/uPlot.min.css", "Lab.Portal.uPlot.min.css", "text/css; charset=utf-8");

    public static readonly PortalAsset UPlotLicense = new("/lib/uplot/LICENSE", "Lab.Portal.uPlot.LICENSE", "text/plain; charset=utf-8");

    /// <summary>
    /// Reads runs' metrics streams and draws them with uPlot: the charts of <c>MetricChart</c>, the expert-load heatmaps
    /// and affinity matrix, and the run page's figures kept up to date while it trains (the page shows its figures as
    /// they were when it was rendered without it).
    /// </summary>
    public static readonly PortalAsset ChartScript = new("/lab-charts.js", "Lab.Portal.lab-charts.js", "text/javascript; charset=utf-8");

    /// <summary>Keeps the parts of a list page marked <c>data-live</c> up to date (runs, an idea's runs and team, the pool).</summary>
    public static readonly PortalAsset LiveScript = new("/live.js", "Lab.Portal.live.js", "text/javascript; charset=utf-8");

    /// <summary>The runs table's picking: the runs picked to compare become the Compare link's full ids.</summary>
    public static readonly PortalAsset RunsScript = new("/runs-table.js", "Lab.Portal.runs-table.js", "text/javascript; charset=utf-8");

    public static IReadOnlyList<PortalAsset> All { get; } = [Styles, ChartStyles, UPlotScript, UPlotStyles, UPlotLicense, ChartScript, LiveScript, RunsScript];

    public static IEndpointRouteBuilder MapPortalAssets(this IEndpointRouteBuilder app)
    {
        foreach (var asset in All)
        {
            app.MapGet(asset.Path, (HttpContext http) =>
            {
                http.Response.Headers.CacheControl = "public, max-age=300";
                http.Response.Headers.ETag = $"\"{asset.Version}\"";
                return Results.Bytes(asset.Content, asset.ContentType);
            }).AllowAnonymous();
        }
        return app;
    }
}

/// <summary>A file embedded in the portal's assembly under a resource name and served at <see cref="Path"/>.</summary>
public sealed class PortalAsset
{
    private readonly Lazy<byte[]> _content;
    private readonly Lazy<string> _version;

    public PortalAsset(string path, string resourceName, string contentType)
    {
        Path = path;
        ContentType = contentType;
        _content = new(() =>
        {
            using var stream = typeof(PortalAsset).Assembly.GetManifestResourceStream(resourceName)
                ?? throw new InvalidOperationException($"The portal's {path} is not embedded in its assembly.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });
        _version = new(() => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(_content.Value))[..16]);
    }

    public string Path { get; }
    public string ContentType { get; }
    public byte[] Content => _content.Value;

    /// <summary>Changes with the content: pages link to <see cref="VersionedPath"/>, so a new portal is never served an old file.</summary>
    public string Version => _version.Value;

    public string VersionedPath => $"{Path}?v={Version}";
}
