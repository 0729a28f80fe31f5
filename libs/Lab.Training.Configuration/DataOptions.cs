using System.Text.Json.Serialization;

namespace Lab.Training.Configuration;

public enum TokenizerKind
{
    Byte,
    Char,
    Bpe,
}

/// <summary>Where text comes from and how it becomes tokens. Defaults are the <c>small</c> preset.</summary>
public sealed record DataOptions
{
    public const string Synthetic = "synthetic";

    /// <summary><c>synthetic</c>, or the path of a UTF-8 text file or of a folder of them.</summary>
    public string Source { get; init; } = Synthetic;

    public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Byte;

    /// <summary>Target vocabulary of the byte-level BPE tokenizer (256 bytes plus merges).</summary>
    public int BpeVocabSize { get; init; } = 1024;

    /// <summary>The tail of the text kept for validation; training never samples from it.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Size of the generated synthetic corpus, in characters.</summary>
    public int SyntheticChars { get; init; } = 2_000_000;

    [JsonIgnore]
    public bool IsSynthetic => string.Equals(Source, Synthetic, StringComparison.OrdinalIgnoreCase);
}
