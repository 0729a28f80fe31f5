using System.Text;

namespace Lab.Training.Data;

/// <summary>
/// Learns BPE merges on the unique pre-tokenized words of a text, weighting each by its count, and updates pair
/// counts only in the words a merge touches, so training on megabytes takes seconds.
/// </summary>
internal static class BpeTrainer
{
    public static List<(int Left, int Right)> LearnMerges(string text, int mergeCount)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (start, length) in PreTokenizer.Split(text))
        {
            var word = text.Substring(start, length);
            counts[word] = counts.GetValueOrDefault(word) + 1;
        }
        var words = counts.Select(p => (Symbols: Encoding.UTF8.GetBytes(p.Key).Select(b => (int)b).ToList(), Count: p.Value)).ToList();

        var pairCounts = new Dictionary<(int, int), long>();
        var pairWords = new Dictionary<(int, int), HashSet<int>>();
        for (var w = 0; w < words.Count; w++)
        {
            AddPairs(words[w].Symbols, words[w].Count, w, pairCounts, pairWords);
        }

        var merges = new List<(int, int)>(mergeCount);
        while (merges.Count < mergeCount)
        {
            var best = BestPair(pairCounts);
            if (best is not { } pair)
            {
                break;
            }
            var id = 256 + merges.Count;
            merges.Add(pair);
            foreach (var w in pairWords[pair].Order().ToArray())
            {
                var (symbols, count) = words[w];
                RemovePairs(symbols, count, pairCounts);
                MergeInPlace(symbols, pair, id);
                AddPairs(symbols, count, w, pairCounts, pairWords);
            }
            pairCounts.Remove(pair);
            pairWords.Remove(pair);
        }
        return merges;
    }

    /// <summary>The most frequent pair seen at least twice; ties go to the smallest pair so training is deterministic.</summary>
    private static (int, int)? BestPair(Dictionary<(int, int), long> pairCounts)
    {
        (int, int)? best = null;
        long bestCount = 1;
        foreach (var (pair, count) in pairCounts)
        {
            if (count > bestCount || (count == bestCount && best is { } b && pair.CompareTo(b) < 0))
            {
                best = pair;
                bestCount = count;
            }
        }
        return best;
    }

    private static void MergeInPlace(List<int> symbols, (int Left, int Right) pair, int id)
    {
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            if (symbols[i] == pair.Left && symbols[i + 1] == pair.Right)
            {
                symbols[i] = id;
                symbols.RemoveAt(i + 1);
            }
        }
    }

    private static void AddPairs(List<int> symbols, long count, int word,
        Dictionary<(int, int), long> pairCounts, Dictionary<(int, int), HashSet<int>> pairWords)
    {
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            var pair = (symbols[i], symbols[i + 1]);
            pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + count;
            if (!pairWords.TryGetValue(pair, out var set))
            {
                pairWords[pair] = set = [];
            }
            set.Add(word);
        }
    }

    private static void RemovePairs(List<int> symbols, long count, Dictionary<(int, int), long> pairCounts)
    {
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            var pair = (symbols[i], symbols[i + 1]);
            var left = pairCounts[pair] - count;
            if (left == 0)
            {
                pairCounts.Remove(pair);
            }
            else
            {
                pairCounts[pair] = left;
            }
        }
    }
}
