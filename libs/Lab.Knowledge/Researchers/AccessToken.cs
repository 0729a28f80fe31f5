using System.Security.Cryptography;
using System.Text;
using Lab.Contracts.Researchers;

namespace Lab.Knowledge.Researchers;

/// <summary>
/// A personal access token as stored: only a SHA-256 hash of the secret, never the secret itself.
/// Written in the same transaction as the <see cref="AccessTokenIssued"/> event.
/// </summary>
public sealed class AccessToken
{
    public const string Prefix = "lab_";
    public const int MinimumSecretLength = 36;
    public const int MaximumSecretLength = 200;

    public Guid Id { get; set; }
    public Guid ResearcherId { get; set; }
    public string Name { get; set; } = "";
    public string Hash { get; set; } = "";
    public DateTimeOffset IssuedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    public TokenView ToView() => new(Id, Name, IssuedAt, RevokedAt);

    /// <summary>A new secret: 256 random bits, URL-safe, recognisable by its prefix.</summary>
    public static string NewSecret() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool IsWellFormed(string secret) =>
        secret.StartsWith(Prefix, StringComparison.Ordinal) && secret.Length is >= MinimumSecretLength and <= MaximumSecretLength &&
        secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static string HashOf(string secret) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret))).ToLowerInvariant();
}
