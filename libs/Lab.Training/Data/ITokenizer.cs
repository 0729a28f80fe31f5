namespace Lab.Training.Data;

/// <summary>Token ids of a text, with the index of the character each token starts at (to carry domain labels over).</summary>
public sealed record EncodedText(int[] Ids, int[] CharStarts);

/// <summary>Turns text into token ids and back.</summary>
public interface ITokenizer
{
    /// <summary><c>byte</c>, <c>char</c> or <c>bpe</c>.</summary>
    string Name { get; }

    int VocabSize { get; }

    EncodedText Encode(string text);

    string Decode(IEnumerable<int> ids);
}
