using System.Text;

namespace Lab.Training.Data;

/// <summary>One token per Unicode scalar value seen in the corpus, numbered in code-point order.</summary>
public sealed class CharTokenizer : ITokenizer
{
    private readonly int[] _alphabet;
    private readonly Dictionary<int, int> _ids;

    public CharTokenizer(string corpus)
    {
        _alphabet = corpus.EnumerateRunes().Select(r => r.Value).Distinct().Order().ToArray();
        _ids = _alphabet.Select((value, id) => (value, id)).ToDictionary(p => p.value, p => p.id);
    }

    public string Name => "char";

    public int VocabSize => _alphabet.Length;

    public EncodedText Encode(string text)
    {
        var ids = new List<int>(text.Length);
        var starts = new List<int>(text.Length);
        var index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            ids.Add(_ids.TryGetValue(rune.Value, out var id)
                ? id
                : throw new ArgumentException($"character U+{rune.Value:X4} is not in the tokenizer's alphabet", nameof(text)));
            starts.Add(index);
            index += rune.Utf16SequenceLength;
        }
        return new EncodedText(ids.ToArray(), starts.ToArray());
    }

    public string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        foreach (var id in ids)
        {
            text.Append(new Rune(_alphabet[id]).ToString());
        }
        return text.ToString();
    }
}
