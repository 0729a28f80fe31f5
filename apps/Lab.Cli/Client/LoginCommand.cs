using System.CommandLine;
using Lab.Client;
using Spectre.Console;

namespace Lab.Cli.Client;

/// <summary><c>lab login</c>: checks a personal access token against a Lab and keeps both in the config file.</summary>
public static class LoginCommand
{
    public static Command Create()
    {
        var token = new Option<string?>("--token") { Description = "A personal access token (lab_...); read from standard input when not given." };
        var command = new Command("login", $"Check a token against a running Lab and save the URL and token for the other commands (in {ClientConfig.FilePath}).")
        {
            token,
        };
        var connection = ClientConnection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var given = parse.GetValue(token) ?? ReadToken();
            if (string.IsNullOrWhiteSpace(given))
            {
                ClientOutput.Error("No token given: pass --token or write it to standard input.");
                return ClientConnection.NotLoggedIn;
            }
            try
            {
                var server = connection.ServerOf(parse);
                using var http = LabClient.HttpClientFor(server, given.Trim());
                var me = await new LabClient(http).GetMeAsync(cancellationToken);
                new ClientConfig(server.ToString().TrimEnd('/'), given.Trim()).Save();
                AnsiConsole.MarkupLine($"Logged in to {Markup.Escape(server.ToString())} as [bold]@{Markup.Escape(me.Handle)}[/] ({Markup.Escape(me.Name)}).");
                AnsiConsole.MarkupLine($"[grey]Saved in {Markup.Escape(ClientConfig.FilePath)}.[/]");
                return 0;
            }
            catch (LabClientException e)
            {
                return ClientConnection.Report(e);
            }
        });
        return command;
    }

    private static string? ReadToken() =>
        Console.IsInputRedirected
            ? Console.In.ReadLine()
            : AnsiConsole.Prompt(new TextPrompt<string>("Personal access token:").Secret());
}
