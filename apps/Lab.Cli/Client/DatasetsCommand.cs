using System.CommandLine;
using Spectre.Console;

namespace Lab.Cli.Client;

/// <summary><c>lab datasets</c>: share text for runs on the pool to train on, and see what is shared.</summary>
public static class DatasetsCommand
{
    public static Command Create() => new("datasets", "Share UTF-8 text for runs on the pool to train on (\"data\": {\"source\": \"dataset:ID\"}).") { Upload(), List() };

    private static Command Upload()
    {
        var file = new Argument<FileInfo>("file") { Description = "A UTF-8 text file." };
        var name = new Option<string>("--name") { Description = "The data set's name.", Required = true };
        var description = new Option<string?>("--description") { Description = "What it holds and where it comes from." };
        var json = ClientOutput.JsonOption();
        var command = new Command("upload", "Share a text file as a data set; runs name it by the id this prints.") { file, name, description, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var source = parse.GetValue(file)!;
            if (!source.Exists)
            {
                throw new InvalidOperationException($"There is no file {source.FullName} to share.");
            }
            await using var stream = source.OpenRead();
            var dataset = await lab.UploadDatasetAsync(parse.GetValue(name)!, parse.GetValue(description), stream, cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(dataset);
                return 0;
            }
            AnsiConsole.MarkupLine($"[green]Shared[/] [bold]{Markup.Escape(dataset.Name)}[/] ({dataset.Bytes:N0} bytes)");
            AnsiConsole.WriteLine($"id {dataset.Id}   runs name it as  \"data\": {{\"source\": \"dataset:{dataset.Id}\"}}");
            return 0;
        }));
        return command;
    }

    private static Command List()
    {
        var json = ClientOutput.JsonOption();
        var command = new Command("list", "The lab's data sets, newest first.") { json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var page = await lab.ListDatasetsAsync(limit: 100, cancellationToken: cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(page);
                return 0;
            }
            var table = new Table().AddColumns("id", "name", "bytes", "shared");
            foreach (var d in page.Items)
            {
                table.AddRow(d.Id.ToString(), Markup.Escape(d.Name), d.Bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), d.UploadedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }
}
