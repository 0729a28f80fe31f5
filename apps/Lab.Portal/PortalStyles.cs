namespace Lab.Portal;

/// <summary>
/// The portal's stylesheet (wwwroot/app.css), built into the assembly and served from it, so the portal looks
/// the same whether it runs on its own or inside <c>lab up</c>, whose content root is not the portal's.
/// </summary>
public static class PortalStyles
{
    public const string Path = "/app.css";

    private static readonly Lazy<byte[]> Css = new(() =>
    {
        using var stream = typeof(PortalStyles).Assembly.GetManifestResourceStream("Lab.Portal.app.css")
            ?? throw new InvalidOperationException("The portal's stylesheet is not embedded in its assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    private static readonly string Version = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Css.Value))[..16];

    public static IEndpointRouteBuilder MapPortalStyles(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=300";
            http.Response.Headers.ETag = $"\"{Version}\"";
            return Results.Bytes(Css.Value, "text/css; charset=utf-8");
        }).AllowAnonymous();
        return app;
    }
}
