using Lab.Training.Configuration;

namespace Lab.Training.Checkpoints;

/// <summary>
/// The readable part of a checkpoint: where the run stood and how to check the binary payload (model, optimizer,
/// RNG) that precedes it in the file.
/// </summary>
public sealed record CheckpointHeader
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required int Step { get; init; }

    /// <summary>Micro-batches drawn so far: the data position (batches are a function of seed and index).</summary>
    public required long BatchesConsumed { get; init; }

    public required long Tokens { get; init; }
    public required double ElapsedSeconds { get; init; }
    public required double Loss { get; init; }
    public required RunConfig Config { get; init; }
    public required string DataFingerprint { get; init; }
    public required int VocabSize { get; init; }
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;
    public long PayloadBytes { get; init; }
    public string PayloadSha256 { get; init; } = "";
}
