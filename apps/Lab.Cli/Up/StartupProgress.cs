using System.Diagnostics;
using Spectre.Console;

namespace Lab.Cli.Up;

/// <summary>What a person sees while Lab starts: each step as it begins, and how long it took.</summary>
public sealed class StartupProgress : IProgress<string>
{
    private readonly Stopwatch _total = Stopwatch.StartNew();
    private readonly Stopwatch _step = Stopwatch.StartNew();
    private string? _current;

    public void Report(string value)
    {
        Finish();
        _current = value;
        _step.Restart();
        AnsiConsole.MarkupLine($"[grey]…[/] {Markup.Escape(value)}");
    }

    public void Ready(LocalLab lab)
    {
        Finish();
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine($"[green bold]Lab is running[/] [grey](started in {_total.Elapsed.TotalSeconds:0.0} s)[/]");
        AnsiConsole.MarkupLine($"  Open       [link]{Markup.Escape(lab.Url)}[/]");
        foreach (var line in lab.LoginLines)
        {
            AnsiConsole.MarkupLine("  " + Markup.Escape(line));
        }
        AnsiConsole.MarkupLine($"  Data       {Markup.Escape(lab.DataDescription)}");
        AnsiConsole.MarkupLine("[grey]Press Ctrl+C to stop.[/]");
    }

    public void Fail(string message)
    {
        AnsiConsole.MarkupLine($"[red bold]Lab could not start:[/] {Markup.Escape(message)}");
    }

    /// <summary>Marks the step under way as done (the next report or <see cref="Ready"/> does it otherwise).</summary>
    public void Finish()
    {
        if (_current is not null)
        {
            AnsiConsole.MarkupLine($"[green]✓[/] {Markup.Escape(_current)} [grey]({_step.Elapsed.TotalSeconds:0.0} s)[/]");
            _current = null;
        }
    }
}
