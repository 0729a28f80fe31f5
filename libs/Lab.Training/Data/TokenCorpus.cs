using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Lab.Training.Configuration;

namespace Lab.Training.Data;

/// <summary>One side of the split: token ids and, for the synthetic corpus, the domain of each token.</summary>
public sealed record TokenSplit(int[] Tokens, byte[]? Domains);

/// <summary>
/// The tokenized corpus: a training split and a validation split cut from the end of the text, so no window of one
/// overlaps the other. The BPE tokenizer learns only from the training split.
/// </summary>
public sealed record TokenCorpus(ITokenizer Tokenizer, TokenSplit Train, TokenSplit Validation, IReadOnlyList<string> DomainNames)
{
    /// <summary>Identifies the exact token streams, so a resumed run can prove it sees the same data.</summary>
    public string Fingerprint { get; } = ComputeFingerprint(Tokenizer, Train, Validation);

    public static TokenCorpus Load(DataOptions options, int contextLength, long seed)
    {
        var text = TextSource.Read(options, seed);
        var cut = SplitPoint(text.Text, options.ValidationFraction);
        var trainText = text.Text[..cut];
        var validationText = text.Text[cut..];
        ITokenizer tokenizer = options.Tokenizer switch
        {
            TokenizerKind.Byte => new ByteTokenizer(),
            TokenizerKind.Char => new CharTokenizer(text.Text),
            TokenizerKind.Bpe => BpeTokenizer.Train(trainText, options.BpeVocabSize),
            _ => throw new ConfigException($"unknown tokenizer {options.Tokenizer}"),
        };
        var train = Tokenize(tokenizer, trainText, text.CharDomains, 0);
        var validation = Tokenize(tokenizer, validationText, text.CharDomains, cut);
        var needed = contextLength + 1;
        if (train.Tokens.Length < needed || validation.Tokens.Length < needed)
        {
            throw new ConfigException(
                $"data '{options.Source}' is too small: {train.Tokens.Length} training and {validation.Tokens.Length} validation " +
                $"tokens, but each split needs at least context_length + 1 = {needed}");
        }
        return new TokenCorpus(tokenizer, train, validation, text.DomainNames);
    }

    /// <summary>Cuts at the first line break after the nominal point, so no document straddles the split.</summary>
    private static int SplitPoint(string text, double validationFraction)
    {
        var nominal = (int)(text.Length * (1 - validationFraction));
        var lineEnd = text.IndexOf('\n', nominal);
        return lineEnd >= 0 && lineEnd + 1 < text.Length ? lineEnd + 1 : nominal;
    }

    private static TokenSplit Tokenize(ITokenizer tokenizer, string text, byte[]? charDomains, int offset)
    {
        var encoded = tokenizer.Encode(text);
        var domains = charDomains is null ? null : encoded.CharStarts.Select(c => charDomains[offset + c]).ToArray();
        return new TokenSplit(encoded.Ids, domains);
    }

    private static string ComputeFingerprint(ITokenizer tokenizer, TokenSplit train, TokenSplit validation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{tokenizer.Name}:{tokenizer.VocabSize}:{train.Tokens.Length}:"));
        hash.AppendData(MemoryMarshal.AsBytes(train.Tokens.AsSpan()));
        hash.AppendData(MemoryMarshal.AsBytes(validation.Tokens.AsSpan()));
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }
}
