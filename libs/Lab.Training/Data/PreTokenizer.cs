namespace Lab.Training.Data;

/// <summary>
/// Splits text into the "words" BPE merges within (GPT-2 style): a letter run or a punctuation run with an optional
/// leading space, single digits (so numbers stay digit-wise, which arithmetic needs), and whitespace runs.
/// </summary>
internal static class PreTokenizer
{
    public static IEnumerable<(int Start, int Length)> Split(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            if (text[i] == ' ' && i + 1 < text.Length && !char.IsWhiteSpace(text[i + 1]))
            {
                i++;
            }
            var kind = Classify(text[i]);
            if (kind == CharKind.Digit)
            {
                i++;
            }
            else if (kind == CharKind.Space)
            {
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }
                // Leave a final space to lead the next word, as GPT-2 does.
                if (i - start > 1 && text[i - 1] == ' ' && i < text.Length)
                {
                    i--;
                }
            }
            else
            {
                while (i < text.Length && Classify(text[i]) == kind)
                {
                    i++;
                }
            }
            yield return (start, i - start);
        }
    }

    private enum CharKind
    {
        Letter,
        Digit,
        Space,
        Other,
    }

    private static CharKind Classify(char c) =>
        char.IsLetter(c) ? CharKind.Letter
        : char.IsDigit(c) ? CharKind.Digit
        : char.IsWhiteSpace(c) ? CharKind.Space
        : CharKind.Other;
}
