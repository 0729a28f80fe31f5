using System.Security.Cryptography;
using System.Text;
using JasperFx.Events;
using Lab.Contracts;
using Lab.Contracts.Researchers;
using Marten.Events.Projections;

namespace Lab.Knowledge.Researchers;

/// <summary>
/// A personal access token as stored: only a SHA-256 hash of the secret, never the secret itself. Folded from the token's
/// events in its member's stream, inline, so it is written in the same transaction as they are and can be rebuilt.
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

    /// <summary>
    /// How the token's events change it. A token issued before its event carried the secret's hash cannot be rebuilt from
    /// the log (nothing else holds its hash): it has no document then, and its member issues a new one.
    /// </summary>
    public static AccessToken? Fold(AccessToken? token, ILabEvent change) => change switch
    {
        AccessTokenIssued { Hash: null or "" } => token,
        AccessTokenIssued e => new AccessToken { Id = e.TokenId, ResearcherId = e.ResearcherId, Name = e.TokenName, Hash = e.Hash, IssuedAt = e.IssuedAt },
        AccessTokenRevoked e when token is not null => Revoked(token, e.RevokedAt),
        _ => token,
    };

    private static AccessToken Revoked(AccessToken token, DateTimeOffset at)
    {
        token.RevokedAt = at;
        return token;
    }
}

/// <summary>Tokens, each folded from its own events in its member's stream.</summary>
public sealed partial class AccessTokenProjection : MultiStreamProjection<AccessToken, Guid>
{
    public AccessTokenProjection()
    {
        Identity<AccessTokenIssued>(e => e.TokenId);
        Identity<AccessTokenRevoked>(e => e.TokenId);
    }

    public override AccessToken? Evolve(AccessToken? snapshot, Guid id, IEvent e) => AccessToken.Fold(snapshot, (ILabEvent)e.Data);
}
