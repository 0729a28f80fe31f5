namespace Lab.Knowledge.Reading;

/// <summary>
/// How far apart two words are in typing mistakes, and every word one mistake away from a typed one. A mistake is a
/// letter swapped with its neighbour ("sigmiod"), missing ("routng"), extra ("expertts") or wrong ("balanse"): the
/// optimal string alignment distance, Damerau's variant of Levenshtein's.
/// </summary>
public static class Typos
{
    /// <summary>Letters that a mistake may put in, besides the word's own (which covers accented words).</summary>
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>
    /// How many mistakes a typed word may hold and still be corrected: one, and two in words of eight letters or more,
    /// where two mistakes still leave the word recognisable (in a four-letter word one mistake is already a quarter of it).
    /// </summary>
    public static int MistakesAllowed(string word) => word.Length >= 8 ? 2 : 1;

    /// <summary>
    /// Every string one mistake away from <paramref name="word"/> (a swap of neighbours, a deletion, a wrong or an
    /// extra letter), without the word itself: about 75 for each letter of the word.
    /// </summary>
    public static HashSet<string> OneMistakeAway(string word)
    {
        var letters = Alphabet.Union(word).ToArray();
        var variants = new HashSet<string>(StringComparer.Ordinal);
        Span<char> buffer = stackalloc char[word.Length + 1];
        for (var i = 0; i < word.Length; i++)
        {
            variants.Add(string.Concat(word.AsSpan(0, i), word.AsSpan(i + 1)));
            if (i + 1 < word.Length && word[i] != word[i + 1])
            {
                word.AsSpan().CopyTo(buffer);
                (buffer[i], buffer[i + 1]) = (buffer[i + 1], buffer[i]);
                variants.Add(new string(buffer[..word.Length]));
            }
            foreach (var letter in letters)
            {
                if (letter != word[i])
                {
                    word.AsSpan().CopyTo(buffer);
                    buffer[i] = letter;
                    variants.Add(new string(buffer[..word.Length]));
                }
            }
        }
        for (var i = 0; i <= word.Length; i++)
        {
            foreach (var letter in letters)
            {
                variants.Add(string.Concat(word.AsSpan(0, i), [letter], word.AsSpan(i)));
            }
        }
        variants.Remove(word);
        return variants;
    }

    /// <summary>
    /// The number of mistakes between <paramref name="a"/> and <paramref name="b"/> (optimal string alignment), or
    /// <c>int.MaxValue</c> once it is certain to exceed <paramref name="atMost"/>.
    /// </summary>
    public static int Mistakes(string a, string b, int atMost = int.MaxValue)
    {
        if (Math.Abs(a.Length - b.Length) > atMost)
        {
            return int.MaxValue;
        }
        // Three rows of the dynamic programme: two back (for swaps), the previous one, the current one.
        var before = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var best = current[0];
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, before[j - 2] + 1);
                }
                current[j] = value;
                best = Math.Min(best, value);
            }
            if (best > atMost)
            {
                return int.MaxValue;
            }
            (before, previous, current) = (previous, current, before);
        }
        return previous[b.Length] <= atMost ? previous[b.Length] : int.MaxValue;
    }
}
