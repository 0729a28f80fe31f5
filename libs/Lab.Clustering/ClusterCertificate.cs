using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lab.Clustering;

/// <summary>
/// The certificate every silo of a lab presents and expects: silo-to-silo connections are TLS with a certificate on
/// both sides, and a peer is accepted only if it presents this very certificate. Whoever holds its private key is a
/// silo of the lab; nobody else can open a connection to one.
/// </summary>
public static class ClusterCertificate
{
    /// <summary>The file a lab keeps its certificate in, in its data folder, when no certificate is configured.</summary>
    public const string FileName = "cluster.pfx";

    private const string Subject = "CN=lab-cluster";

    /// <summary>
    /// Loads a configured certificate: a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>), or PEM files, the certificate at
    /// <paramref name="path"/> and its private key at <paramref name="keyPath"/> (or in the same file), as a
    /// Kubernetes TLS secret mounts them.
    /// </summary>
    public static X509Certificate2 Load(string path, string? keyPath = null, string? password = null)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The cluster certificate {path} does not exist.");
        }
        var extension = Path.GetExtension(path).ToLowerInvariant();
        var certificate = extension is ".pfx" or ".p12"
            ? X509CertificateLoader.LoadPkcs12FromFile(path, password)
            : FromPem(path, keyPath);
        return certificate.HasPrivateKey
            ? certificate
            : throw new InvalidOperationException($"The cluster certificate {path} comes without its private key, which a silo needs to prove it is one.");
    }

    /// <summary>
    /// The file of the certificate kept in <paramref name="folder"/>, created there on first use (readable only by its
    /// owner). Safe when several silos start at once: the first file written wins and the others load it.
    /// </summary>
    public static string EnsureFile(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(folder);
            var draft = Path.Combine(folder, $".{FileName}.{Guid.NewGuid():N}");
            using (var created = Create())
            {
                WritePrivate(draft, created.Export(X509ContentType.Pkcs12));
            }
            try
            {
                File.Move(draft, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another silo got there first: its certificate is the lab's.
                File.Delete(draft);
            }
        }
        return path;
    }

    /// <summary>A new self-signed certificate fit for both ends of a TLS connection, valid for ten years.</summary>
    public static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [Oid.FromOidValue("1.3.6.1.5.5.7.3.1", OidGroup.EnhancedKeyUsage), Oid.FromOidValue("1.3.6.1.5.5.7.3.2", OidGroup.EnhancedKeyUsage)],
            critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
    }

    /// <summary>True when <paramref name="presented"/> is the cluster's own certificate.</summary>
    public static bool IsClusterCertificate(X509Certificate2 cluster, X509Certificate? presented) =>
        presented is not null
        && CryptographicOperations.FixedTimeEquals(
            presented.GetCertHash(HashAlgorithmName.SHA256),
            cluster.GetCertHash(HashAlgorithmName.SHA256));

    private static X509Certificate2 FromPem(string path, string? keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(path, keyPath);
        // A PKCS#12 round trip gives the key a form every TLS backend accepts.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static void WritePrivate(string path, byte[] content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var file = new FileStream(path, options);
        file.Write(content);
    }
}
