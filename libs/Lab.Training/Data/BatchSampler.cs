namespace Lab.Training.Data;

/// <summary>Token windows of one batch, row-major [batch, context]: targets are inputs shifted by one.</summary>
public sealed record TokenBatch(long[] Inputs, long[] Targets, byte[]? Domains, int BatchSize, int ContextLength);

/// <summary>
/// Deterministic batches: batch <c>i</c> depends only on (seed, i), so the data position a checkpoint must hold is a
/// single counter, and a resumed run draws exactly the batches the uninterrupted run would have.
/// </summary>
public sealed class BatchSampler(TokenSplit split, int batchSize, int contextLength, long seed)
{
    private readonly int _maxStart = split.Tokens.Length - contextLength - 1;

    public TokenBatch Sample(long index)
    {
        var starts = new int[batchSize];
        for (var row = 0; row < batchSize; row++)
        {
            starts[row] = (int)(DeterministicRandom.Mix((ulong)seed, (ulong)index, (ulong)row) % (ulong)(_maxStart + 1));
        }
        return Gather(starts);
    }

    /// <summary>The validation batches: evenly spaced windows across the split, the same at every evaluation.</summary>
    public IEnumerable<TokenBatch> Evenly(int batches)
    {
        var count = batches * batchSize;
        var starts = Enumerable.Range(0, count)
            .Select(i => count == 1 ? 0 : (int)((long)i * _maxStart / (count - 1)))
            .ToArray();
        for (var b = 0; b < batches; b++)
        {
            yield return Gather(starts.AsSpan(b * batchSize, batchSize).ToArray());
        }
    }

    private TokenBatch Gather(int[] starts)
    {
        var inputs = new long[batchSize * contextLength];
        var targets = new long[batchSize * contextLength];
        var domains = split.Domains is null ? null : new byte[batchSize * contextLength];
        for (var row = 0; row < starts.Length; row++)
        {
            for (var t = 0; t < contextLength; t++)
            {
                inputs[row * contextLength + t] = split.Tokens[starts[row] + t];
                targets[row * contextLength + t] = split.Tokens[starts[row] + t + 1];
                if (domains is not null)
                {
                    domains[row * contextLength + t] = split.Domains![starts[row] + t];
                }
            }
        }
        return new TokenBatch(inputs, targets, domains, batchSize, contextLength);
    }
}
