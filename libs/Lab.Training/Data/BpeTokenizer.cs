using System.Text;

namespace Lab.Training.Data;

/// <summary>
/// Byte-level BPE: 256 byte tokens plus merges learnt from the training text, applied inside pre-tokenized words.
/// Training is deterministic (ties go to the smallest pair), so the same text always gives the same vocabulary.
/// </summary>
public sealed class BpeTokenizer : ITokenizer
{
    private readonly Dictionary<(int Left, int Right), (int Rank, int Id)> _merges;
    private readonly byte[][] _bytes;
    private readonly Dictionary<string, int[]> _wordCache = new(StringComparer.Ordinal);

    private BpeTokenizer(IReadOnlyList<(int Left, int Right)> merges)
    {
        _merges = new Dictionary<(int, int), (int, int)>(merges.Count);
        var bytes = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToList();
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            _merges[(left, right)] = (rank, 256 + rank);
            bytes.Add([.. bytes[left], .. bytes[right]]);
        }
        _bytes = bytes.ToArray();
        Merges = merges;
    }

    public string Name => "bpe";

    public int VocabSize => _bytes.Length;

    /// <summary>The learnt merges in order: the whole state of the tokenizer.</summary>
    public IReadOnlyList<(int Left, int Right)> Merges { get; }

    public static BpeTokenizer Train(string text, int vocabSize) =>
        new(BpeTrainer.LearnMerges(text, vocabSize - 256));

    public EncodedText Encode(string text)
    {
        var ids = new List<int>(text.Length / 2);
        var starts = new List<int>(text.Length / 2);
        foreach (var (start, length) in PreTokenizer.Split(text))
        {
            var word = text.Substring(start, length);
            var wordIds = EncodeWord(word);
            // Map each token back to the character holding its first byte.
            var byteToChar = ByteToCharMap(word);
            var offset = 0;
            foreach (var id in wordIds)
            {
                ids.Add(id);
                starts.Add(start + byteToChar[offset]);
                offset += _bytes[id].Length;
            }
        }
        return new EncodedText(ids.ToArray(), starts.ToArray());
    }

    public string Decode(IEnumerable<int> ids) => Encoding.UTF8.GetString(ids.SelectMany(id => _bytes[id]).ToArray());

    private int[] EncodeWord(string word)
    {
        if (_wordCache.TryGetValue(word, out var cached))
        {
            return cached;
        }
        var symbols = Encoding.UTF8.GetBytes(word).Select(b => (int)b).ToList();
        while (symbols.Count > 1)
        {
            var best = (Rank: int.MaxValue, Id: -1, At: -1);
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                if (_merges.TryGetValue((symbols[i], symbols[i + 1]), out var merge) && merge.Rank < best.Rank)
                {
                    best = (merge.Rank, merge.Id, i);
                }
            }
            if (best.Id < 0)
            {
                break;
            }
            var (left, right) = (symbols[best.At], symbols[best.At + 1]);
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                if (symbols[i] == left && symbols[i + 1] == right)
                {
                    symbols[i] = best.Id;
                    symbols.RemoveAt(i + 1);
                }
            }
        }
        var ids = symbols.ToArray();
        _wordCache[word] = ids;
        return ids;
    }

    private static int[] ByteToCharMap(string word)
    {
        var map = new List<int>(word.Length * 2);
        for (var i = 0; i < word.Length;)
        {
            var status = Rune.DecodeFromUtf16(word.AsSpan(i), out var rune, out var used);
            var count = status == System.Buffers.OperationStatus.Done ? rune.Utf8SequenceLength : 3;
            for (var b = 0; b < count; b++)
            {
                map.Add(i);
            }
            i += Math.Max(used, 1);
        }
        map.Add(word.Length);
        return map.ToArray();
    }
}
