using System.CommandLine;
using Spectre.Console;

namespace Lab.Cli.Client;

/// <summary><c>lab search QUERY</c>: full-text search over ideas, notes, insights and finished runs, matches highlighted.</summary>
public static class SearchCommand
{
    public static Command Create()
    {
        var query = new Argument<string>("query") { Description = "What to look for (words; a swapped, missing, extra or wrong letter is forgiven)." };
        var kind = new Option<string?>("--kind") { Description = "Only this kind of knowledge: idea, note, insight or run." };
        kind.AcceptOnlyFromAmong("idea", "note", "insight", "run");
        var limit = new Option<int>("--limit") { Description = "How many matches to show.", DefaultValueFactory = _ => 20 };
        var json = ClientOutput.JsonOption();
        var command = new Command("search", "Search the lab's knowledge: ideas, notes, insights and finished runs.") { query, kind, limit, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var results = await lab.SearchAsync(parse.GetValue(query)!, parse.GetValue(kind), parse.GetValue(limit), cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(results);
                return 0;
            }
            if (results.DidYouMean is { } meant)
            {
                AnsiConsole.MarkupLine($"Did you mean [bold]{Markup.Escape(meant)}[/]?{(results.Items.Count > 0 ? " [grey](its matches are included)[/]" : "")}");
            }
            if (results.Items.Count == 0)
            {
                AnsiConsole.MarkupLine("[grey]Nothing found.[/]");
                return 0;
            }
            Print(results.Items);
            return 0;
        }));
        return command;
    }

    /// <summary>Each match: its kind, title and id, then its snippet with the matched words highlighted.</summary>
    public static void Print(IEnumerable<SearchHit> hits)
    {
        foreach (var hit in hits)
        {
            AnsiConsole.MarkupLine($"[blue]{Markup.Escape(hit.Kind)}[/] [bold]{Markup.Escape(hit.Title)}[/] [grey]{hit.Id}[/]");
            AnsiConsole.MarkupLine("    " + ClientOutput.Highlight(hit.Snippet));
        }
    }
}
