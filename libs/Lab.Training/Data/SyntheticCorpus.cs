using System.Text;

namespace Lab.Training.Data;

/// <summary>Text with the domain of every character, so expert use can be measured per domain.</summary>
public sealed record LabelledText(string Text, byte[]? CharDomains, IReadOnlyList<string> DomainNames);

/// <summary>
/// A deterministic corpus of short documents from clearly different domains (arithmetic, bracket language,
/// key-value lookup, a toy grammar, string reversal), interleaved at random, so that <c>lab train</c> works with no
/// data at all and each domain's structure is learnable in a few hundred steps.
/// </summary>
public static class SyntheticCorpus
{
    private static readonly (string Name, Action<StringBuilder, DeterministicRandom> Write)[] Domains =
    [
        ("arithmetic", SyntheticDomains.Arithmetic),
        ("brackets", SyntheticDomains.Brackets),
        ("lookup", SyntheticDomains.Lookup),
        ("grammar", SyntheticDomains.Grammar),
        ("reverse", SyntheticDomains.Reverse),
    ];

    public static IReadOnlyList<string> DomainNames { get; } = Domains.Select(d => d.Name).ToArray();

    public static LabelledText Generate(int chars, long seed)
    {
        var text = new StringBuilder(chars + 128);
        var labels = new List<byte>(chars + 128);
        var random = new DeterministicRandom((ulong)seed ^ 0x5EED_C0DE_0000_0001UL);
        for (var document = 0UL; text.Length < chars; document++)
        {
            var domain = random.Next(Domains.Length);
            var before = text.Length;
            // Each document has its own stream, so adding a domain later does not reshuffle the others' content.
            Domains[domain].Write(text, new DeterministicRandom(DeterministicRandom.Mix((ulong)seed, document, (ulong)domain)));
            for (var i = before; i < text.Length; i++)
            {
                labels.Add((byte)domain);
            }
        }
        return new LabelledText(text.ToString(), labels.ToArray(), DomainNames);
    }
}
