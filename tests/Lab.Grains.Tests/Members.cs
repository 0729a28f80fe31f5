using Lab.Contracts.Researchers;

namespace Lab.Grains.Tests;

/// <summary>Creates members of the lab with handles no other test uses.</summary>
internal static class Members
{
    public static async Task<Guid> JoinAsync(IClusterClient client, string handle)
    {
        var id = Guid.CreateVersion7();
        await client.GetGrain<IResearcherGrain>(id).Join(new JoinLab(Unique(handle), handle), operatesLab: false);
        return id;
    }

    public static string Unique(string handle) => $"{handle}-{Guid.NewGuid():N}"[..Math.Min(ResearcherRules.HandleMaxLength, handle.Length + 13)];
}
