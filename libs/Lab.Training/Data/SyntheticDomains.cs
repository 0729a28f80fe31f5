using System.Text;

namespace Lab.Training.Data;

/// <summary>One writer per synthetic domain; each appends one newline-terminated document.</summary>
internal static class SyntheticDomains
{
    private static readonly string[] Determiners = ["the", "a", "every", "no", "some"];
    private static readonly string[] Adjectives = ["small", "big", "red", "quiet", "old", "happy"];
    private static readonly string[] Nouns = ["cat", "dog", "bird", "child", "robot", "farmer", "river"];
    private static readonly string[] Verbs = ["sees", "chases", "likes", "finds", "follows", "helps"];
    private static readonly string[] Adverbs = ["slowly", "often", "today", "again"];
    private const string Openers = "([{<";
    private const string Closers = ")]}>";

    /// <summary><c>37+485=522</c>: the answer is a deterministic function of the question.</summary>
    public static void Arithmetic(StringBuilder text, DeterministicRandom random)
    {
        var op = random.Next(3);
        var a = random.Next(op == 2 ? 100 : 1000);
        var b = random.Next(op == 2 ? 10 : 1000);
        if (op == 1 && b > a)
        {
            (a, b) = (b, a);
        }
        var (symbol, result) = op switch
        {
            0 => ('+', a + b),
            1 => ('-', a - b),
            _ => ('*', a * b),
        };
        text.Append(a).Append(symbol).Append(b).Append('=').Append(result).Append('\n');
    }

    /// <summary>A balanced string over four bracket pairs: every closer is determined by the stack.</summary>
    public static void Brackets(StringBuilder text, DeterministicRandom random)
    {
        var length = 2 * random.Next(3, 16);
        var stack = new Stack<int>();
        for (var i = 0; i < length; i++)
        {
            var remaining = length - i;
            var mustClose = stack.Count == remaining || stack.Count >= 8;
            if (stack.Count > 0 && (mustClose || random.Next(2) == 0))
            {
                text.Append(Closers[stack.Pop()]);
            }
            else
            {
                var kind = random.Next(4);
                stack.Push(kind);
                text.Append(Openers[kind]);
            }
        }
        text.Append('\n');
    }

    /// <summary><c>c:17 x:4 m:80 ?x=4</c>: the answer must be copied from earlier in the line.</summary>
    public static void Lookup(StringBuilder text, DeterministicRandom random)
    {
        var count = random.Next(3, 7);
        var keys = new List<char>();
        while (keys.Count < count)
        {
            var key = (char)('a' + random.Next(26));
            if (!keys.Contains(key))
            {
                keys.Add(key);
            }
        }
        var values = keys.Select(_ => random.Next(100)).ToArray();
        for (var i = 0; i < count; i++)
        {
            text.Append(keys[i]).Append(':').Append(values[i]).Append(' ');
        }
        var asked = random.Next(count);
        text.Append('?').Append(keys[asked]).Append('=').Append(values[asked]).Append('\n');
    }

    /// <summary>Sentences of a small context-free grammar.</summary>
    public static void Grammar(StringBuilder text, DeterministicRandom random)
    {
        NounPhrase(text, random);
        text.Append(' ').Append(random.Pick(Verbs)).Append(' ');
        NounPhrase(text, random);
        if (random.Next(3) == 0)
        {
            text.Append(' ').Append(random.Pick(Adverbs));
        }
        text.Append(" .\n");
    }

    /// <summary><c>KQXZ|ZXQK</c>: the second half mirrors the first.</summary>
    public static void Reverse(StringBuilder text, DeterministicRandom random)
    {
        var letters = new char[random.Next(3, 9)];
        for (var i = 0; i < letters.Length; i++)
        {
            letters[i] = (char)('A' + random.Next(26));
        }
        text.Append(letters).Append('|');
        for (var i = letters.Length - 1; i >= 0; i--)
        {
            text.Append(letters[i]);
        }
        text.Append('\n');
    }

    private static void NounPhrase(StringBuilder text, DeterministicRandom random)
    {
        text.Append(random.Pick(Determiners));
        if (random.Next(2) == 0)
        {
            text.Append(' ').Append(random.Pick(Adjectives));
        }
        text.Append(' ').Append(random.Pick(Nouns));
    }
}
