using System.CommandLine;
using Lab.Client;
using Lab.Contracts.Ideas;
using Spectre.Console;

namespace Lab.Cli.Client;

/// <summary><c>lab teams join|leave ID</c>: anyone joins or leaves an idea's team, at any time.</summary>
public static class TeamsCommand
{
    public static Command Create() => new("teams", "Join or leave the team around an idea.")
    {
        Step("join", "Join the team working on an idea.", "joined", (lab, idea, cancellationToken) => lab.JoinTeamAsync(idea, cancellationToken)),
        Step("leave", "Leave the team working on an idea.", "left", (lab, idea, cancellationToken) => lab.LeaveTeamAsync(idea, cancellationToken)),
    };

    private static Command Step(string action, string description, string done, Func<LabClient, Guid, CancellationToken, Task<IdeaView>> step)
    {
        var id = Ids.Argument(Ids.Idea);
        var json = ClientOutput.JsonOption();
        var command = new Command(action, description) { id, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var idea = await step(lab, await Ids.ResolveAsync(lab, parse.GetValue(id)!, Ids.Idea, cancellationToken), cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(idea);
                return 0;
            }
            var people = idea.Members.Count == 1 ? "1 person" : $"{idea.Members.Count} people";
            AnsiConsole.MarkupLine($"You {done} the team of [bold]{Markup.Escape(idea.Title)}[/] ({people} on it now).");
            return 0;
        }));
        return command;
    }
}
