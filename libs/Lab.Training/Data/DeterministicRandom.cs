namespace Lab.Training.Data;

/// <summary>
/// SplitMix64: a tiny generator whose sequence is fixed by this code alone (System.Random's algorithm may change
/// between .NET versions), so corpora and batches are the same everywhere for a seed.
/// </summary>
public sealed class DeterministicRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A value that depends only on the inputs: the start of a stream for (seed, a, b).</summary>
    public static ulong Mix(ulong seed, ulong a, ulong b = 0)
    {
        var r = new DeterministicRandom(seed ^ (a * 0x9E3779B97F4A7C15UL) ^ (b * 0xC2B2AE3D27D4EB4FUL));
        r.NextULong();
        return r.NextULong();
    }

    public ulong NextULong()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, max); the tiny modulo bias is irrelevant here.</summary>
    public int Next(int max) => (int)(NextULong() % (ulong)max);

    public int Next(int min, int max) => min + Next(max - min);

    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}
