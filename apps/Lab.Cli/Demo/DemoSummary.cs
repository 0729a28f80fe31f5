using System.Globalization;
using Lab.Cli.Up;
using Spectre.Console;

namespace Lab.Cli.Demo;

/// <summary>What a person reads at the end of <c>lab demo</c>: the runs, the figures, and (when kept) how to look around.</summary>
public static class DemoSummary
{
    public static void Show(DemoFigures figures, TimeSpan elapsed)
    {
        AnsiConsole.WriteLine();
        var runs = new Table().Border(TableBorder.Simple).AddColumns("Run", "Idea", "Status", "Steps", "Val loss", "Preempted", "Placements", "Device time");
        foreach (var run in figures.Runs)
        {
            runs.AddRow(Markup.Escape(run.Label), Markup.Escape(run.Idea), run.Status, $"{run.Step}/{run.TotalSteps}",
                run.ValLoss?.ToString("0.000", CultureInfo.InvariantCulture) ?? "", run.Preemptions.ToString(CultureInfo.InvariantCulture),
                run.Placements.ToString(CultureInfo.InvariantCulture), $"{run.DeviceSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        }
        AnsiConsole.Write(runs);
        AnsiConsole.MarkupLine($"[green bold]The demo's research group is at work[/] [grey](everything took {elapsed.TotalSeconds:0} s)[/]");
        AnsiConsole.MarkupLine($"  {figures.Researchers} researchers joined by invitation; {figures.Ideas} ideas ({figures.IdeasValidated} validated, {figures.IdeasSetAside} set aside) with {figures.Teams} teams");
        AnsiConsole.MarkupLine($"  {figures.RunsFinished} of {figures.RunsSubmitted} runs finished on {figures.Devices} devices; {figures.RunsPreempted} preempted, {figures.RunsResumed} resumed from a checkpoint; {figures.DeviceSeconds.ToString("0", CultureInfo.InvariantCulture)} device-seconds in all");
        AnsiConsole.MarkupLine($"  {figures.Notes} notes, {figures.Insights} insight, {figures.KnowledgeEntries} knowledge entries; {figures.Searches} searches found {figures.SearchHits} hits; {figures.Celebrations} celebration in the feed");
    }

    public static void Kept(LocalLab lab, IReadOnlyList<(string Handle, string Name, string Token)> logins, bool throwaway)
    {
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine("[green bold]Lab is running[/] with the demo's research group in it");
        AnsiConsole.MarkupLine($"  Open       [link]{Markup.Escape(lab.Url)}[/]");
        foreach (var line in lab.LoginLines)
        {
            AnsiConsole.MarkupLine("  " + Markup.Escape(line));
        }
        foreach (var (handle, name, token) in logins)
        {
            AnsiConsole.MarkupLine($"  or as      @{Markup.Escape(handle)} ({Markup.Escape(name)}) with the token {Markup.Escape(token)}");
        }
        AnsiConsole.MarkupLine(throwaway
            ? $"  Data       {Markup.Escape(lab.DataDescription)} [grey](removed when Lab stops; --data-dir keeps it)[/]"
            : $"  Data       {Markup.Escape(lab.DataDescription)}");
        AnsiConsole.MarkupLine("[grey]Press Ctrl+C to stop.[/]");
    }
}
