using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Lab.Portal.Tests;

/// <summary>Notes' markdown: CommonMark and pipe tables as HTML, and nothing a note writes can run in a reader's browser.</summary>
public sealed class SafeMarkdownTests
{
    [Fact]
    public void Headings_emphasis_code_lists_and_links_render_as_commonmark()
    {
        var html = Render("# Routing\n\nThe **bias** is *nudged* after `each step`.\n\n- one\n- two\n\n1. first\n2. second\n\n```\nx < y && z\n```\n\nSee [the paper](https://arxiv.org/abs/2401.06066).");

        Assert.Equal("Routing", html.QuerySelector("h1")!.TextContent);
        Assert.Equal("bias", html.QuerySelector("p strong")!.TextContent);
        Assert.Equal("nudged", html.QuerySelector("p em")!.TextContent);
        Assert.Equal("each step", html.QuerySelector("p code")!.TextContent);
        Assert.Equal(["one", "two"], html.QuerySelectorAll("ul li").Select(li => li.TextContent));
        Assert.Equal(["first", "second"], html.QuerySelectorAll("ol li").Select(li => li.TextContent));
        Assert.Equal("x < y && z\n", html.QuerySelector("pre code")!.TextContent);
        var link = Assert.Single(html.QuerySelectorAll("a"));
        Assert.Equal("https://arxiv.org/abs/2401.06066", link.GetAttribute("href"));
    }

    [Fact]
    public void Pipe_tables_become_tables_with_their_alignment_as_classes()
    {
        var html = Render("""
            | preset | layers | val loss |
            | :----- | :----: | -------: |
            | tiny   | 2      | 1.91     |
            | small  | 4      | 1.48     |
            """);

        var table = Assert.Single(html.QuerySelectorAll("table"));
        Assert.Equal(["preset", "layers", "val loss"], table.QuerySelectorAll("thead th").Select(th => th.TextContent));
        Assert.Equal(["tiny", "2", "1.91", "small", "4", "1.48"], table.QuerySelectorAll("tbody td").Select(td => td.TextContent));
        Assert.Equal(["align-left", "align-center", "align-right"], table.QuerySelectorAll("thead th").Select(th => th.ClassName));
        Assert.Equal("align-right", table.QuerySelectorAll("tbody tr")[1].QuerySelectorAll("td")[2].ClassName);
        // The Content-Security-Policy applies no inline style: nothing relies on one.
        Assert.Empty(html.QuerySelectorAll("[style]"));
    }

    [Fact]
    public void A_table_cell_can_hold_inline_markdown_but_no_markup()
    {
        var html = Render("| a | b |\n|---|---|\n| **bold** | <script>alert(1)</script> |");

        Assert.Equal("bold", html.QuerySelector("td strong")!.TextContent);
        Assert.Empty(html.QuerySelectorAll("script"));
        Assert.Contains("<script>alert(1)</script>", html.QuerySelectorAll("td")[1].TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("<svg onload=alert(1)>")]
    [InlineData("<iframe src=\"https://example.org\"></iframe>")]
    [InlineData("<a href=\"javascript:alert(1)\">click</a>")]
    [InlineData("<style>body{display:none}</style>")]
    [InlineData("<div onclick=\"alert(1)\">hi</div>")]
    [InlineData("text <b onmouseover=alert(1)>bold</b> text")]
    public void Markup_in_a_note_is_shown_as_the_text_it_is(string markup)
    {
        var rendered = SafeMarkdown.ToHtml(markup);
        var html = Parse(rendered);

        AssertHarmless(html);
        Assert.Empty(html.QuerySelectorAll("img, svg, iframe, style, div, b"));
        Assert.Contains(markup.Split('>')[0], html.Body!.TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JaVaScRiPt:alert(1))")]
    [InlineData("[click](javascript&#58;alert(1))")]
    [InlineData("[click](java%0ascript:alert(1))")]
    [InlineData("[click](&#x6A;avascript:alert(1))")]
    [InlineData("[click](vbscript:msgbox(1))")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("[click](file:///etc/passwd)")]
    [InlineData("<javascript:alert(1)>")]
    [InlineData("[click][ref]\n\n[ref]: javascript:alert(1)")]
    [InlineData("![click](javascript:alert(1))")]
    public void Links_to_anything_but_web_pages_stay_text(string markdown)
    {
        var html = Parse(SafeMarkdown.ToHtml(markdown));

        AssertHarmless(html);
        Assert.All(html.QuerySelectorAll("a"), a => Assert.StartsWith("http", a.GetAttribute("href"), StringComparison.Ordinal));
        Assert.Contains("click", html.Body!.TextContent.Replace("javascript:alert(1)", "click", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Links_get_nofollow_and_noopener_and_a_title_cannot_break_out_of_its_attribute()
    {
        var html = Parse(SafeMarkdown.ToHtml("[paper](https://example.org/p \"a\\\" onmouseover=\\\"alert(1)\") and <https://example.org/auto> and [home](/ideas) and [mail](mailto:ada@example.org)"));

        var links = html.QuerySelectorAll("a");
        Assert.Equal(["https://example.org/p", "https://example.org/auto", "/ideas", "mailto:ada@example.org"], links.Select(a => a.GetAttribute("href")));
        Assert.All(links, a =>
        {
            var rel = a.GetAttribute("rel")!.Split(' ');
            Assert.Contains("nofollow", rel);
            Assert.Contains("noopener", rel);
        });
        Assert.Equal("a\" onmouseover=\"alert(1)", links[0].GetAttribute("title"));
        AssertHarmless(html);
    }

    [Fact]
    public void Images_become_links_so_the_page_loads_nothing_from_elsewhere()
    {
        var html = Parse(SafeMarkdown.ToHtml("![a plot](https://tracker.example.org/pixel.png)"));

        Assert.Empty(html.QuerySelectorAll("img"));
        var link = Assert.Single(html.QuerySelectorAll("a"));
        Assert.Equal("https://tracker.example.org/pixel.png", link.GetAttribute("href"));
        Assert.Equal("a plot", link.TextContent);
    }

    /// <summary>Notes of up to the lab's 100,000 characters, shaped to make a markdown parser work hard.</summary>
    public static TheoryData<string, string> HostileInputs => new()
    {
        { "quotes nested 50,000 deep", new string('>', 50_000) + " deep" },
        { "lists nested 300 deep", string.Concat(Enumerable.Range(0, 300).Select(i => new string(' ', i * 2) + "- item\n")) },
        { "100,000 opening brackets", new string('[', 100_000) },
        { "stars and underscores", new string('*', 49_000) + "x" + new string('_', 49_000) },
        { "a link 24,000 times unclosed", string.Concat(Enumerable.Repeat("[a](", 24_000)) },
        { "unclosed links in paragraphs just short of the bound", Paragraphs("[a](", SafeMarkdown.LongestParsedBlock - 10) },
        { "emphasis in paragraphs just short of the bound", Paragraphs("*a**", SafeMarkdown.LongestParsedBlock - 10) },
        { "reference links nested", string.Concat(Enumerable.Repeat("[a][", 24_000)) },
        { "90,000 backticks", new string('`', 90_000) + "x" },
        { "a table of 2,000 columns", string.Join('|', Enumerable.Repeat("h", 2_000)) + "\n" + string.Join('|', Enumerable.Repeat("-", 2_000)) + "\n" + string.Join('|', Enumerable.Repeat("<script>", 2_000)) },
        { "control and zero-width characters", "a\u200b<scr\u200dipt>b\ufeff\u202e[x](javascript:alert(1))" },
        { "100,000 characters of one word", new string('w', 100_000) },
    };

    [Fact]
    public void A_paragraph_too_long_to_read_safely_is_shown_as_its_text()
    {
        var longTable = "| a | b |\n|---|---|\n" + string.Concat(Enumerable.Repeat("| **x** | <script>y</script> |\n", SafeMarkdown.LongestParsedBlock / 20));
        var html = Parse(SafeMarkdown.ToHtml($"# Results\n\n{longTable}\nAfter the *table*."));

        AssertHarmless(html);
        Assert.Empty(html.QuerySelectorAll("table"));
        Assert.Contains("| **x** | <script>y</script> |", html.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal("Results", html.QuerySelector("h1")!.TextContent);
    }

    private static string Paragraphs(string unit, int length)
    {
        var paragraph = string.Concat(Enumerable.Repeat(unit, length / unit.Length));
        return string.Join("\n\n", Enumerable.Repeat(paragraph, 100_000 / (paragraph.Length + 2)));
    }

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public void Hostile_input_renders_in_bounded_time_and_stays_harmless(string what, string markdown)
    {
        Assert.True(markdown.Length <= 100_000, "a note holds at most 100,000 characters");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rendered = SafeMarkdown.ToHtml(markdown);

        // Not a speed goal (seconds at worst here): it ends. Without the bound on blocks, the worst of these ran for minutes.
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"{what} took {clock.Elapsed}");
        AssertHarmless(Parse(rendered));
    }

    private static IDocument Render(string markdown)
    {
        var html = Parse(SafeMarkdown.ToHtml(markdown));
        AssertHarmless(html);
        return html;
    }

    private static IDocument Parse(string html) => new HtmlParser().ParseDocument($"<!doctype html><body>{html}</body>");

    /// <summary>No script, frame, object or style element; no event handler or inline style; no address that runs code.</summary>
    private static void AssertHarmless(IDocument html)
    {
        Assert.Empty(html.QuerySelectorAll("script, iframe, object, embed, style, link, meta, form, input, img, svg, math, base"));
        foreach (var element in html.Body!.QuerySelectorAll("*"))
        {
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"{element.LocalName} has {attribute.Name}");
                Assert.NotEqual("style", attribute.Name);
                Assert.NotEqual("src", attribute.Name);
                if (attribute.Name == "href")
                {
                    var address = attribute.Value.Trim().ToLowerInvariant();
                    Assert.True(address.StartsWith("https://", StringComparison.Ordinal) || address.StartsWith("http://", StringComparison.Ordinal)
                        || address.StartsWith("mailto:", StringComparison.Ordinal) || address.StartsWith('/'), $"href {attribute.Value}");
                }
            }
        }
    }
}
