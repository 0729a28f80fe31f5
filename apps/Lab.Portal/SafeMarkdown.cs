using System.Net;
using AngleSharp.Dom;
using Ganss.Xss;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Parsers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Microsoft.Extensions.Caching.Memory;

namespace Lab.Portal;

/// <summary>
/// Notes' markdown as HTML that is safe to put in a page: CommonMark and pipe tables, rendered by Markdig, then kept to a
/// short list of tags and attributes by HtmlSanitizer. Two layers, so that neither alone has to be right:
/// <list type="bullet">
/// <item>Markdig is told to pass no HTML through: a note's own tags are shown as the text they are.</item>
/// <item>The sanitizer keeps only text tags, tables and links to http(s), mailto or the lab's own pages, with no event
/// handlers, styles or scripts; links get <c>rel="nofollow noopener noreferrer"</c>, and a link whose address was
/// refused (<c>javascript:</c>, <c>data:</c>) is left as its text.</item>
/// </list>
/// Images become links to the image: the portal loads nothing from elsewhere (its Content-Security-Policy would refuse it).
/// <para>
/// Bounded work: Markdig's inline parsing grows faster than the text for some hostile inputs (thousands of unclosed
/// <c>[a](</c> or <c>*a**</c>: seconds for one 30,000-character paragraph here), so a paragraph, heading or table
/// longer than <see cref="LongestParsedBlock"/> characters is shown as its text; a 100,000-character note made of
/// such paragraphs then renders in about 2 s at worst on this 2-core machine, and in milliseconds when it is prose. Each text is rendered once and
/// kept (<see cref="CachedCharacters"/> in all), so reading a note again costs nothing.
/// </para>
/// </summary>
public static class SafeMarkdown
{
    /// <summary>What links carry: no ranking credit, no handle on the portal's window, no address of the page they came from.</summary>
    public const string LinkRel = "nofollow noopener noreferrer";

    /// <summary>The longest paragraph (or table, or heading) whose markdown is read: a table of sixty rows or so.</summary>
    public const int LongestParsedBlock = 5_000;

    /// <summary>How much markdown and HTML the render cache keeps, in characters.</summary>
    public const long CachedCharacters = 16 * 1024 * 1024;

    /// <summary>Marks a block whose inline markdown was not read (too long).</summary>
    private static readonly object Unparsed = new();

    private static readonly MarkdownPipeline Pipeline = CreatePipeline();

    // Configured once, then only used: HtmlSanitizer is safe to share between threads after that.
    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    private static readonly MemoryCache Rendered = new(new MemoryCacheOptions { SizeLimit = CachedCharacters });

    /// <summary>The note's markdown as safe HTML.</summary>
    public static string ToHtml(string markdown)
    {
        if (Rendered.TryGetValue(markdown, out string? html) && html is not null)
        {
            return html;
        }
        html = Render(markdown);
        Rendered.Set(markdown, html, new MemoryCacheEntryOptions { Size = markdown.Length + html.Length, SlidingExpiration = TimeSpan.FromHours(1) });
        return html;
    }

    private static string Render(string markdown)
    {
        MarkdownDocument document;
        try
        {
            document = Markdown.Parse(markdown, Pipeline);
        }
        catch (ArgumentException)
        {
            // Markdig refuses input nested deeper than any real text is ("depth limit exceeded"): show it as it was typed.
            return $"<pre><code>{WebUtility.HtmlEncode(markdown)}</code></pre>";
        }
        foreach (var leaf in document.Descendants<LeafBlock>().Where(l => l.GetData(Unparsed) is true))
        {
            leaf.Inline = new ContainerInline().AppendChild(new LiteralInline(leaf.Lines.ToString()));
        }
        foreach (var link in document.Descendants<LinkInline>())
        {
            link.IsImage = false;
        }
        foreach (var table in document.Descendants<Table>())
        {
            AlignByClass(table);
        }
        return Sanitizer.Sanitize(document.ToHtml(Pipeline));
    }

    /// <summary>CommonMark and pipe tables, with no HTML passed through and overlong blocks left unparsed.</summary>
    private static MarkdownPipeline CreatePipeline()
    {
        var builder = new MarkdownPipelineBuilder().UsePipeTables().DisableHtml();
        builder.BlockParsers.Find<ParagraphBlockParser>()!.Closed += LeaveOverlongUnparsed;
        builder.BlockParsers.Find<HeadingBlockParser>()!.Closed += LeaveOverlongUnparsed;
        return builder.Build();
    }

    /// <summary>Before inlines are read (tables are read from paragraphs then), a block too long to read safely is marked.</summary>
    private static void LeaveOverlongUnparsed(BlockProcessor processor, Block block)
    {
        if (block is LeafBlock { ProcessInlines: true } leaf && LengthOf(leaf) > LongestParsedBlock)
        {
            leaf.ProcessInlines = false;
            leaf.SetData(Unparsed, true);
        }
    }

    private static int LengthOf(LeafBlock leaf)
    {
        var length = 0;
        for (var i = 0; i < leaf.Lines.Count; i++)
        {
            length += leaf.Lines.Lines[i].Slice.Length + 1;
        }
        return length;
    }

    /// <summary>
    /// Markdig aligns table columns with <c>style</c> attributes, which the portal's Content-Security-Policy does not
    /// apply (and the sanitizer removes): classes of the portal's stylesheet say the same.
    /// </summary>
    private static void AlignByClass(Table table)
    {
        var alignments = table.ColumnDefinitions.Select(c => c.Alignment).ToList();
        foreach (var definition in table.ColumnDefinitions)
        {
            definition.Alignment = null;
        }
        foreach (var row in table.OfType<TableRow>())
        {
            var column = 0;
            foreach (var cell in row.OfType<TableCell>())
            {
                var index = cell.ColumnIndex >= 0 ? cell.ColumnIndex : column;
                if (index < alignments.Count && alignments[index] is { } alignment)
                {
                    cell.GetAttributes().AddClass(AlignmentClass(alignment));
                }
                column += Math.Max(1, cell.ColumnSpan);
            }
        }
    }

    private static string AlignmentClass(TableColumnAlign alignment) => alignment switch
    {
        TableColumnAlign.Center => "align-center",
        TableColumnAlign.Right => "align-right",
        _ => "align-left",
    };

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer(new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            {
                "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "code", "pre", "blockquote",
                "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
            },
            AllowedAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href", "title", "start", "class" },
            AllowedClasses = new HashSet<string>(StringComparer.Ordinal) { "align-left", "align-center", "align-right" },
            AllowedCssProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
            AllowedAtRules = new HashSet<AngleSharp.Css.Dom.CssRuleType>(),
            AllowedSchemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "http", "https", "mailto" },
            UriAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href" },
        })
        {
            // A tag that is not allowed leaves its text behind, never its markup.
            KeepChildNodes = true,
        };
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is not IElement { LocalName: "a" } link)
            {
                return;
            }
            if (string.IsNullOrWhiteSpace(link.GetAttribute("href")))
            {
                // Its address was refused: what is left is text, not a link to nowhere.
                foreach (var child in link.ChildNodes.ToList())
                {
                    e.ReplacementNodes.Add(child);
                }
                if (e.ReplacementNodes.Count == 0)
                {
                    e.ReplacementNodes.Add(e.Document.CreateTextNode(""));
                }
                return;
            }
            link.SetAttribute("rel", LinkRel);
        };
        return sanitizer;
    }
}
