using System.Security.Cryptography;
using Aspire.Hosting.Publishing;

namespace Lab.AppHost;

internal static class BootstrapToken
{
    public const string ParameterName = "bootstrap-token";

    /// <summary>The file in the data folder that keeps a generated token, as <c>lab up</c> keeps its first member's.</summary>
    public const string FileName = "first-member.token";

    /// <summary>
    /// The first member's token, also the workers' node token: the secret parameter <c>bootstrap-token</c>
    /// (<c>Parameters__bootstrap-token=lab_...</c>), else the one kept in the data folder, made on the first run.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddBootstrapToken(this IDistributedApplicationBuilder builder, string dataDir) =>
        builder.AddParameter(ParameterName, new KeptInFile(Path.Combine(dataDir, FileName)), secret: true);

    /// <summary>Reads the token from the file, or makes one and writes it there (readable by its owner only).</summary>
    private sealed class KeptInFile(string path) : ParameterDefault
    {
        public override string GetDefaultValue()
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } kept)
            {
                return kept;
            }
            var token = "lab_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, token + Environment.NewLine);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            File.Move(temporary, path, overwrite: true);
            return token;
        }

        // A deployment supplies its own token: the manifest names the parameter without a default.
        public override void WriteToManifest(ManifestPublishingContext context)
        {
        }
    }
}
