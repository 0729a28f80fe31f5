using System.CommandLine;
using Spectre.Console;

namespace Lab.Cli.Client;

/// <summary><c>lab feed</c>: what happened in the lab, newest first; validated ideas stand out.</summary>
public static class FeedCommand
{
    public static Command Create()
    {
        var limit = new Option<int>("--limit") { Description = "How many entries to show (1 to 100).", DefaultValueFactory = _ => 20 };
        var offset = new Option<int>("--offset") { Description = "Skip this many of the newest entries.", DefaultValueFactory = _ => 0 };
        var json = ClientOutput.JsonOption();
        var command = new Command("feed", "What happened in the lab, newest first.") { limit, offset, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var page = await lab.GetFeedAsync(parse.GetValue(offset), parse.GetValue(limit), cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(page);
                return 0;
            }
            foreach (var entry in page.Items)
            {
                var summary = Markup.Escape(entry.Summary);
                AnsiConsole.MarkupLine(entry.Celebrate
                    ? $"[grey]{ClientOutput.When(entry.At)}[/]  [bold green]* {summary} *[/]"
                    : $"[grey]{ClientOutput.When(entry.At)}[/]  {summary}");
            }
            AnsiConsole.MarkupLine($"[grey]{page.Items.Count} of {page.Total} entries[/]");
            return 0;
        }));
        return command;
    }
}
