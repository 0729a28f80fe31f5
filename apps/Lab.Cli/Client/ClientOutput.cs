using System.CommandLine;
using System.Net;
using System.Text.Json;
using Lab.Client;
using Lab.Contracts;
using Lab.Contracts.Ideas;
using Spectre.Console;

namespace Lab.Cli.Client;

/// <summary>How client commands print: tables and panels for people, <c>--json</c> for scripts, problems on stderr.</summary>
public static class ClientOutput
{
    private static readonly JsonSerializerOptions Indented = new(ApiJson.Options) { WriteIndented = true };
    private static readonly IAnsiConsole Stderr = CreateStderr();

    public static Option<bool> JsonOption() => new("--json") { Description = "Print the result as JSON, for scripts." };

    /// <summary>Writes <paramref name="value"/> as the API's JSON, untouched by any console formatting.</summary>
    public static void Json<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Indented));

    public static void Error(string message) => Stderr.MarkupLine($"[red]{Markup.Escape(message)}[/]");

    /// <summary>A refusal from the API: its title, its detail, then each field's errors.</summary>
    public static void Problem(LabClientException e)
    {
        var status = e.Status is { } code ? $" ({(int)code} {StatusName(code)})" : "";
        Stderr.MarkupLine($"[red]{Markup.Escape(e.Title)}[/]{Markup.Escape(status)}");
        if (e.Detail is not null)
        {
            Stderr.MarkupLine(Markup.Escape(e.Detail));
        }
        foreach (var (field, messages) in e.Errors)
        {
            foreach (var message in messages)
            {
                Stderr.MarkupLine($"  [yellow]{Markup.Escape(field)}[/]: {Markup.Escape(message)}");
            }
        }
    }

    /// <summary>What an ambiguous id could mean, one a line: kind, whole id, title.</summary>
    public static void Candidates(IReadOnlyList<IdMatch> candidates)
    {
        foreach (var candidate in candidates)
        {
            Stderr.MarkupLine($"  [blue]{Markup.Escape(candidate.Kind)}[/] {candidate.Id}  {Markup.Escape(candidate.Title)}");
        }
    }

    /// <summary>
    /// Turns a search snippet (HTML-escaped text with &lt;mark&gt; around matches) into console markup with
    /// the matches highlighted; nothing else in it is taken as markup.
    /// </summary>
    public static string Highlight(string snippet)
    {
        var result = new System.Text.StringBuilder();
        var rest = snippet.AsSpan();
        while (!rest.IsEmpty)
        {
            var start = rest.IndexOf("<mark>", StringComparison.Ordinal);
            if (start < 0)
            {
                result.Append(Plain(rest));
                break;
            }
            result.Append(Plain(rest[..start]));
            rest = rest[(start + "<mark>".Length)..];
            var end = rest.IndexOf("</mark>", StringComparison.Ordinal);
            var marked = end < 0 ? rest : rest[..end];
            result.Append("[bold black on yellow]").Append(Plain(marked)).Append("[/]");
            rest = end < 0 ? [] : rest[(end + "</mark>".Length)..];
        }
        return result.ToString();

        // A snippet is a glimpse, not a document: its line breaks become spaces.
        static string Plain(ReadOnlySpan<char> html) =>
            Markup.Escape(WebUtility.HtmlDecode(html.ToString()).ReplaceLineEndings(" "));
    }

    public static string Status(IdeaStatus status) => status switch
    {
        IdeaStatus.Validated => "[green]validated[/]",
        IdeaStatus.Exploring => "[blue]exploring[/]",
        IdeaStatus.SetAside => "[grey]set aside[/]",
        _ => "[yellow]proposed[/]",
    };

    public static string When(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    private static IAnsiConsole CreateStderr()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected)
        {
            // Messages name files and URLs: keep them on one line for whoever reads the log.
            console.Profile.Width = 1000;
        }
        return console;
    }

    private static string StatusName(HttpStatusCode code) => code switch
    {
        HttpStatusCode.BadRequest => "bad request",
        HttpStatusCode.Forbidden => "forbidden",
        HttpStatusCode.NotFound => "not found",
        HttpStatusCode.Conflict => "conflict",
        _ => code.ToString(),
    };
}
