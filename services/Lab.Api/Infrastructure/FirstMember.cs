using Lab.Contracts.Researchers;
using Lab.Knowledge.Researchers;
using Marten;

namespace Lab.Api.Infrastructure;

/// <summary>
/// The member a fresh lab starts with, so that someone can log in. Their token is kept in a file only
/// its owner can read (<c>first-member.token</c> in Lab's data folder); if that token is missing or was
/// revoked, a new one is issued.
/// </summary>
public static class FirstMember
{
    public sealed record Login(ResearcherView Member, string Token);

    public static async Task<Login> EnsureAsync(IServiceProvider services, string tokenFile, string preferredHandle, CancellationToken cancellationToken = default)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        await using var session = services.GetRequiredService<IDocumentStore>().QuerySession();
        var view = await FindOrCreateAsync(session, grains, preferredHandle, cancellationToken);

        if (File.Exists(tokenFile))
        {
            var secret = (await File.ReadAllTextAsync(tokenFile, cancellationToken)).Trim();
            var hash = AccessToken.HashOf(secret);
            var stored = await session.Query<AccessToken>().FirstOrDefaultAsync(t => t.Hash == hash, cancellationToken);
            if (stored is { RevokedAt: null } && stored.ResearcherId == view.Id)
            {
                return new Login(view, secret);
            }
        }

        var issued = await grains.GetGrain<IResearcherGrain>(view.Id).IssueToken("lab up");
        await WritePrivateAsync(tokenFile, issued.Token, cancellationToken);
        return new Login(view, issued.Token);
    }

    /// <summary>
    /// For deployments where the operator holds the first member's token as a secret
    /// (<c>Lab__Bootstrap__Token</c>): that exact token is made to work, once.
    /// </summary>
    public static async Task EnsureTokenAsync(IServiceProvider services, string secret, string preferredHandle, CancellationToken cancellationToken = default)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        await using var session = services.GetRequiredService<IDocumentStore>().QuerySession();
        var hash = AccessToken.HashOf(secret);
        if (await session.Query<AccessToken>().AnyAsync(t => t.Hash == hash, cancellationToken))
        {
            return; // known already (and possibly revoked since: a revoked secret stays revoked)
        }
        var member = await FindOrCreateAsync(session, grains, preferredHandle, cancellationToken);
        await grains.GetGrain<IResearcherGrain>(member.Id).IssueToken("deployment bootstrap", secret);
    }

    private static async Task<ResearcherView> FindOrCreateAsync(IQuerySession session, IGrainFactory grains, string preferredHandle, CancellationToken cancellationToken)
    {
        var member = await session.Query<ResearcherProfile>()
            .Where(r => r.OperatesLab)
            .OrderBy(r => r.JoinedAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (member is not null)
        {
            return member.ToView();
        }
        var handle = HandleFrom(preferredHandle);
        return await grains.GetGrain<IResearcherGrain>(Guid.CreateVersion7())
            .Join(new JoinLab(handle, handle, [], "The lab's first member."), operatesLab: true);
    }

    /// <summary>Writes a secret readable only by its owner, atomically.</summary>
    public static async Task WritePrivateAsync(string path, string secret, CancellationToken cancellationToken = default)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        await File.WriteAllTextAsync(temporary, secret + Environment.NewLine, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static string HandleFrom(string preferred)
    {
        var handle = new string([.. preferred.ToLowerInvariant().Where(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_')
            .Take(ResearcherRules.HandleMaxLength)]);
        return handle.Length > 0 && char.IsAsciiLetterLower(handle[0]) ? handle : "member";
    }
}
