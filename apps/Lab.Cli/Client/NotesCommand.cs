using System.CommandLine;
using Lab.Contracts.Knowledge;
using Spectre.Console;

namespace Lab.Cli.Client;

/// <summary><c>lab notes write</c>: a markdown note about an idea or the whole lab.</summary>
public static class NotesCommand
{
    public static Command Create() => new("notes", "Write notes (markdown) into the lab's knowledge base.") { Write() };

    private static Command Write()
    {
        var title = new Option<string>("--title") { Description = "The note's title.", Required = true };
        var body = new Option<string?>("--body") { Description = "The note's markdown text." };
        var file = new Option<string?>("--file") { Description = "Read the markdown text from this file ('-' for standard input)." };
        var idea = Ids.Option("--idea", "The idea the note is about (default: the whole lab)");
        var json = ClientOutput.JsonOption();
        var command = new Command("write", "Write a note about an idea or the lab; give its text with --body or --file.")
        {
            title, body, file, idea, json,
        };
        command.Validators.Add(result =>
        {
            var hasBody = result.GetResult(body) is not null;
            var hasFile = result.GetResult(file) is not null;
            if (hasBody == hasFile)
            {
                result.AddError("Give the note's text with either --body or --file (not both).");
            }
        });
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var text = parse.GetValue(body) ?? await ReadAsync(parse.GetValue(file)!, cancellationToken);
            Guid? about = parse.GetValue(idea) is { } ideaText ? await Ids.ResolveAsync(lab, ideaText, Ids.Idea, cancellationToken) : null;
            var note = new WriteNote(parse.GetValue(title)!, text, about is null ? AttachmentKind.Lab : AttachmentKind.Idea, about);
            var written = await lab.WriteNoteAsync(note, cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(written);
                return 0;
            }
            AnsiConsole.MarkupLine($"[green]Note written[/] [bold]{Markup.Escape(written.Title)}[/]");
            AnsiConsole.WriteLine($"id {written.Id}");
            return 0;
        }));
        return command;
    }

    private static async Task<string> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (path == "-")
        {
            return await Console.In.ReadToEndAsync(cancellationToken);
        }
        return File.Exists(path)
            ? await File.ReadAllTextAsync(path, cancellationToken)
            : throw new InvalidOperationException($"There is no file {path} to read the note from.");
    }
}
