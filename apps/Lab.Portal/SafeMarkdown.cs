using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Lab.Portal;

/// <summary>
/// A small, safe subset of markdown for notes: headings, paragraphs, emphasis, inline and fenced code,
/// lists, and links to http(s) addresses. Every piece of text is HTML-encoded before any tag is added,
/// and the only tags added are these, so a note can never carry markup or script of its own.
/// </summary>
public static partial class SafeMarkdown
{
    public static string ToHtml(string markdown)
    {
        var html = new StringBuilder();
        var paragraph = new List<string>();
        string? list = null;
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                Flush();
                var code = new List<string>();
                for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++)
                {
                    code.Add(lines[i]);
                }
                html.Append("<pre><code>").Append(WebUtility.HtmlEncode(string.Join('\n', code))).Append("</code></pre>\n");
                continue;
            }
            if (Heading().Match(line) is { Success: true } heading)
            {
                Flush();
                var level = heading.Groups[1].Length;
                html.Append($"<h{level}>").Append(Inline(heading.Groups[2].Value)).Append($"</h{level}>\n");
                continue;
            }
            if (ListItem().Match(line) is { Success: true } item)
            {
                FlushParagraph();
                var kind = char.IsAsciiDigit(item.Groups[1].Value[0]) ? "ol" : "ul";
                if (list != kind)
                {
                    FlushList();
                    html.Append($"<{kind}>\n");
                    list = kind;
                }
                html.Append("<li>").Append(Inline(item.Groups[2].Value)).Append("</li>\n");
                continue;
            }
            if (string.IsNullOrWhiteSpace(line))
            {
                Flush();
                continue;
            }
            FlushList();
            paragraph.Add(line.Trim());
        }
        Flush();
        return html.ToString();

        void Flush()
        {
            FlushParagraph();
            FlushList();
        }

        void FlushParagraph()
        {
            if (paragraph.Count > 0)
            {
                html.Append("<p>").Append(Inline(string.Join(' ', paragraph))).Append("</p>\n");
                paragraph.Clear();
            }
        }

        void FlushList()
        {
            if (list is not null)
            {
                html.Append($"</{list}>\n");
                list = null;
            }
        }
    }

    /// <summary>Encodes the text, then adds code, links, strong and emphasis.</summary>
    private static string Inline(string text)
    {
        // Finished code spans and links are set aside, so that nothing inside them is read as emphasis.
        var done = new List<string>();
        string SetAside(string html)
        {
            done.Add(html);
            return $"\u0001{done.Count - 1}\u0002";
        }
        var encoded = CodeSpan().Replace(WebUtility.HtmlEncode(text), m => SetAside($"<code>{m.Groups[1].Value}</code>"));
        encoded = Link().Replace(encoded, m => SetAside($"<a href=\"{m.Groups[2].Value}\" rel=\"nofollow noopener noreferrer\">{m.Groups[1].Value}</a>"));
        encoded = Strong().Replace(encoded, "<strong>$2</strong>");
        encoded = Emphasis().Replace(encoded, "<em>$2</em>");
        return Placeholder().Replace(encoded, m => done[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)]);
    }

    [GeneratedRegex(@"^(#{1,6})\s+(.+?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^\s*([-*+]|\d{1,9}[.)])\s+(.*)$")]
    private static partial Regex ListItem();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    // Only absolute http(s) addresses: no javascript:, data: or relative tricks. The text is already encoded,
    // so the address cannot contain a quote that would end the attribute.
    [GeneratedRegex(@"\[([^\]\u0001\u0002]+)\]\((https?://[^\s()<>\u0001\u0002]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")]
    private static partial Regex Strong();

    [GeneratedRegex(@"(?<![\w*])(\*|_)(?=\S)(.+?)(?<=\S)\1(?![\w*])")]
    private static partial Regex Emphasis();

    [GeneratedRegex("\u0001(\\d+)\u0002")]
    private static partial Regex Placeholder();
}
