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

    /// <summary>A data set the lab holds, by id: <c>dataset:ID</c> (what runs on the pool read; a worker fetches it).</summary>
    public const string DatasetPrefix = "dataset:";

    /// <summary><c>synthetic</c>, <c>dataset:ID</c>, or (for <c>lab train</c> on one's own machine) the path of a UTF-8 text file or of a folder of them.</summary>
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

    /// <summary>The data set named by <c>dataset:ID</c>, if the source is one.</summary>
    [JsonIgnore]
    public Guid? DatasetId =>
        Source.StartsWith(DatasetPrefix, StringComparison.OrdinalIgnoreCase) && Guid.TryParse(Source[DatasetPrefix.Length..], out var id) ? id : null;

    /// <summary>
    /// What is wrong with this source for a run on the shared pool, which reads only what the lab offers: the built-in
    /// corpus or a data set by id, never a path on a machine (the answer says nothing about any machine's files).
    /// </summary>
    public IReadOnlyList<string> ProblemsOnThePool() => IsSynthetic || DatasetId is not null
        ? []
        : [$"data.source of a run on the pool is '{Synthetic}' or '{DatasetPrefix}ID' (a data set shared through /api/v1/datasets); it never names a path"];
}
