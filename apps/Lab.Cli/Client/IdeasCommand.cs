using System.CommandLine;
using Lab.Client;
using Lab.Contracts;
using Lab.Contracts.Ideas;
using Spectre.Console;

namespace Lab.Cli.Client;

/// <summary><c>lab ideas ...</c>: propose ideas, read the board and one idea, and move ideas through their life.</summary>
public static class IdeasCommand
{
    public static Command Create() => new("ideas", "Propose ideas, read the idea board, and explore, validate, set aside or revive an idea.")
    {
        Propose(),
        List(),
        Show(),
        Lifecycle("explore", "Start exploring an idea.", null,
            (lab, idea, _, cancellationToken) => lab.StartExploringAsync(idea, cancellationToken)),
        Lifecycle("validate", "Mark an idea as validated, with a summary of what showed it; everyone sees it in the feed.", ("--summary", "What showed the idea holds."),
            (lab, idea, summary, cancellationToken) => lab.ValidateIdeaAsync(idea, new ValidateIdea(summary!), cancellationToken)),
        Lifecycle("set-aside", "Set an idea aside with what was learned; its team dissolves.", ("--learned", "What was learned from it."),
            (lab, idea, learned, cancellationToken) => lab.SetIdeaAsideAsync(idea, new SetIdeaAside(learned!), cancellationToken)),
        Lifecycle("revive", "Revive an idea that was set aside, saying why.", ("--reason", "Why it deserves another look."),
            (lab, idea, reason, cancellationToken) => lab.ReviveIdeaAsync(idea, new ReviveIdea(reason!), cancellationToken)),
    };

    private static Command Propose()
    {
        var title = new Option<string>("--title") { Description = "A short title.", Required = true };
        var hypothesis = new Option<string>("--hypothesis") { Description = "What you expect to be true, and how it could be shown.", Required = true };
        var motivation = new Option<string?>("--motivation") { Description = "Why it matters." };
        var buildsOn = new Option<string[]>("--builds-on") { Description = "An earlier idea this one builds on: its id, or the first 4 or more characters of it (repeatable)." };
        var json = ClientOutput.JsonOption();
        var command = new Command("propose", "Propose an idea; ideas and knowledge like it are shown first, so the lab does not repeat itself.")
        {
            title, hypothesis, motivation, buildsOn, json,
        };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var earlier = await Ids.ResolveAllAsync(lab, parse.GetValue(buildsOn) ?? [], Ids.Idea, cancellationToken);
            var proposal = new ProposeIdea(parse.GetValue(title)!, parse.GetValue(hypothesis)!, parse.GetValue(motivation), earlier.Length > 0 ? earlier : null);
            // A draft without a title or hypothesis is refused below; there is nothing to compare yet.
            if (!parse.GetValue(json) && !string.IsNullOrWhiteSpace(proposal.Title) && !string.IsNullOrWhiteSpace(proposal.Hypothesis))
            {
                await ShowSimilarAsync(lab, $"{proposal.Title} {proposal.Hypothesis}", cancellationToken);
            }
            var idea = await lab.ProposeIdeaAsync(proposal, cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(idea);
                return 0;
            }
            AnsiConsole.MarkupLine($"[green]Proposed[/] [bold]{Markup.Escape(idea.Title)}[/]");
            AnsiConsole.WriteLine($"id {idea.Id}");
            return 0;
        }));
        return command;
    }

    /// <summary>Prints what the lab already has that looks like the draft. Advice only: a refusal here does not stop the proposal.</summary>
    private static async Task ShowSimilarAsync(LabClient lab, string draft, CancellationToken cancellationToken)
    {
        IReadOnlyList<SearchHit> similar;
        try
        {
            similar = await lab.FindSimilarIdeasAsync(draft, cancellationToken);
        }
        catch (LabClientException e) when (!e.IsUnreachable && !e.IsUnauthorized)
        {
            AnsiConsole.MarkupLine($"[grey]Could not look for similar ideas: {Markup.Escape(e.Message)}[/]");
            return;
        }
        if (similar.Count == 0)
        {
            AnsiConsole.MarkupLine("[grey]Nothing similar in the lab yet.[/]");
            return;
        }
        AnsiConsole.MarkupLine("[bold]Similar ideas and knowledge already in the lab:[/]");
        SearchCommand.Print(similar);
        AnsiConsole.WriteLine();
    }

    private static Command List()
    {
        var status = new Option<IdeaStatus?>("--status") { Description = "Only ideas with this status: Proposed, Exploring, Validated or SetAside." };
        var sort = new Option<string>("--sort") { Description = "recent (newest first), activity (most recently active first) or people (largest team first).", DefaultValueFactory = _ => "recent" };
        sort.AcceptOnlyFromAmong("recent", "activity", "people");
        var limit = new Option<int>("--limit") { Description = "How many ideas to show (1 to 100).", DefaultValueFactory = _ => 50 };
        var json = ClientOutput.JsonOption();
        var command = new Command("list", "The idea board.") { status, sort, limit, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            Choices.TryParse<IdeaOrder>(parse.GetValue(sort), out var order);
            var page = await lab.ListIdeasAsync(parse.GetValue(status), order, limit: parse.GetValue(limit), cancellationToken: cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(page);
                return 0;
            }
            var table = new Table().Border(TableBorder.Simple).AddColumns("Id", "Status", "Title", "People", "Last activity");
            foreach (var idea in page.Items)
            {
                table.AddRow(idea.Id.ToString(), ClientOutput.Status(idea.Status), Markup.Escape(idea.Title), idea.Members.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), ClientOutput.When(idea.LastActivityAt));
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[grey]{page.Items.Count} of {page.Total} ideas[/]");
            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var id = Ids.Argument(Ids.Idea);
        var asOf = new Option<DateTimeOffset?>("--as-of") { Description = "Show the idea as it was at this moment (ISO 8601, e.g. 2026-11-23T10:00:00Z)." };
        var json = ClientOutput.JsonOption();
        var command = new Command("show", "One idea with its team and timeline.") { id, asOf, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var ideaId = await Ids.ResolveAsync(lab, parse.GetValue(id)!, Ids.Idea, cancellationToken);
            var moment = parse.GetValue(asOf);
            var idea = await lab.GetIdeaAsync(ideaId, moment, cancellationToken);
            var team = await lab.GetTeamAsync(ideaId, cancellationToken);
            var timeline = (await lab.GetTimelineAsync(ideaId, cancellationToken))
                .Where(e => moment is null || e.At <= moment)
                .ToList();
            if (parse.GetValue(json))
            {
                ClientOutput.Json(new { idea, team, timeline });
                return 0;
            }
            PrintIdea(idea, team, timeline, moment);
            return 0;
        }));
        return command;
    }

    private static void PrintIdea(IdeaView idea, TeamRoster team, IReadOnlyList<HistoryEntry> timeline, DateTimeOffset? asOf)
    {
        // The team answer names everyone who was ever on it, so the roster of an earlier moment can be named too.
        var people = team.Members.Concat(team.FormerMembers).DistinctBy(p => p.Id).ToDictionary(p => p.Id);
        string Name(Guid member) => people.TryGetValue(member, out var person) ? $"@{person.Handle} ({person.Name})" : member.ToString();

        if (asOf is { } moment)
        {
            AnsiConsole.MarkupLine($"[grey]As of {Markup.Escape(ClientOutput.When(moment))}[/]");
        }
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(idea.Title)}[/]  {ClientOutput.Status(idea.Status)}");
        AnsiConsole.MarkupLine($"[grey]id {idea.Id} · proposed {ClientOutput.When(idea.ProposedAt)}[/]");
        AnsiConsole.WriteLine();
        Section("Hypothesis", idea.Hypothesis);
        Section("Motivation", idea.Motivation);
        Section(idea.Status switch
        {
            IdeaStatus.Validated => "Validated because",
            IdeaStatus.SetAside => "What was learned",
            _ => "Status note",
        }, idea.StatusNote);
        Section("Builds on", string.Join(Environment.NewLine, idea.BuildsOn));
        Section("Team", idea.Members.Count == 0 ? "nobody yet" : string.Join(Environment.NewLine, idea.Members.Select(Name)));
        Section("Formerly on the team", string.Join(Environment.NewLine, idea.FormerMembers.Select(Name)));
        Section("Collaborates with", string.Join(Environment.NewLine, idea.Collaborators));
        if (timeline.Count > 0)
        {
            AnsiConsole.MarkupLine("[bold]Timeline[/]");
            foreach (var entry in timeline)
            {
                AnsiConsole.MarkupLine($"  [grey]{ClientOutput.When(entry.At)}[/]  {Markup.Escape(entry.Summary)}");
            }
        }
    }

    private static void Section(string heading, string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(heading)}[/]");
        foreach (var line in text.Split('\n'))
        {
            AnsiConsole.WriteLine("  " + line.TrimEnd('\r'));
        }
        AnsiConsole.WriteLine();
    }

    /// <summary>A lifecycle step of an idea, with the one text it needs (if any) given as an option.</summary>
    private static Command Lifecycle(string name, string description, (string Option, string Description)? text,
        Func<LabClient, Guid, string?, CancellationToken, Task<IdeaView>> step)
    {
        var id = Ids.Argument(Ids.Idea);
        var json = ClientOutput.JsonOption();
        var command = new Command(name, description) { id, json };
        Option<string>? textOption = null;
        if (text is { } needed)
        {
            textOption = new Option<string>(needed.Option) { Description = needed.Description, Required = true };
            command.Options.Add(textOption);
        }
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var said = textOption is null ? null : parse.GetValue(textOption);
            var idea = await step(lab, await Ids.ResolveAsync(lab, parse.GetValue(id)!, Ids.Idea, cancellationToken), said, cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(idea);
                return 0;
            }
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(idea.Title)}[/] is now {ClientOutput.Status(idea.Status)}.");
            return 0;
        }));
        return command;
    }
}
