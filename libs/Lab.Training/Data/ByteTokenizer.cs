using System.Text;

namespace Lab.Training.Data;

/// <summary>UTF-8 bytes as tokens: a fixed vocabulary of 256 that any text fits.</summary>
public sealed class ByteTokenizer : ITokenizer
{
    public string Name => "byte";

    public int VocabSize => 256;

    public EncodedText Encode(string text)
    {
        var ids = new List<int>(text.Length);
        var starts = new List<int>(text.Length);
        Span<byte> buffer = stackalloc byte[4];
        for (var i = 0; i < text.Length;)
        {
            var status = Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used);
            if (status != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
            }
            var count = rune.EncodeToUtf8(buffer);
            for (var b = 0; b < count; b++)
            {
                ids.Add(buffer[b]);
                starts.Add(i);
            }
            i += Math.Max(used, 1);
        }
        return new EncodedText(ids.ToArray(), starts.ToArray());
    }

    public string Decode(IEnumerable<int> ids) => Encoding.UTF8.GetString(ids.Select(id => (byte)id).ToArray());
}
