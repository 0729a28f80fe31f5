using System.Globalization;
using Lab.Training.Engine;
using Lab.Training.Protocol;
using Spectre.Console;

namespace Lab.Training.CommandLine;

/// <summary>For people: a progress bar with step, loss, tokens/s and ETA; evaluations and checkpoints as lines above it.</summary>
internal sealed class ConsoleTrainOutput : ITrainOutput
{
    private ProgressTask? _bar;

    public TrainingOutcome Run(Trainer trainer, TrainingControl control)
    {
        var outcome = TrainingOutcome.Stopped;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(context =>
            {
                _bar = context.AddTask("starting", maxValue: trainer.Config.Training.Steps);
                _bar.Value = trainer.Step;
                outcome = trainer.Run(control);
                _bar.StopTask();
            });
        return outcome;
    }

    public void Report(TrainingEvent trainingEvent)
    {
        switch (trainingEvent)
        {
            case StartedEvent s:
                Line($"{(s.Resumed ? $"Resuming at step {s.Step} from {s.ResumedFrom}" : "Training")}: {Millions(s.Parameters)} parameters ({Millions(s.ActiveParameters)} active per token), {s.Tokenizer} vocabulary of {s.VocabSize}, {s.TrainTokens:N0} training tokens, {(s.Devices is { Count: > 1 } devices ? $"{devices.Count} data-parallel replicas on {string.Join(", ", devices)}" : s.Device)} with {s.Threads} thread{(s.Threads == 1 ? "" : "s")}, {s.Dispatch} dispatch.");
                break;
            case ProgressEvent p when _bar is not null:
                _bar.Value = p.Step;
                _bar.Description = Markup.Escape(
                    $"step {p.Step}/{p.TotalSteps}  loss {F(p.Loss, "0.000")}{(p.MtpLoss is { } mtp ? $"  mtp {F(mtp, "0.000")}" : "")}  {F(p.TokensPerS, "N0")} tok/s  {F(p.ModelGflopsPerS, "0.0")} GFLOP/s  load {F(p.ExpertLoadMaxOverMean, "0.00")}  ETA {Duration(p.EtaS)}");
                break;
            case EvaluationEvent e:
                Line($"step {e.Step}: validation loss {F(e.ValLoss, "0.000")}, expert load max/mean {F(e.ExpertLoadMaxOverMean, "0.00")}");
                break;
            case CheckpointEvent c:
                Line($"[grey]checkpoint ({c.Reason}) at step {c.Step}: {Markup.Escape(c.Path)}[/]", markup: true);
                break;
            case WarningEvent w:
                Line($"[yellow]warning:[/] {Markup.Escape(w.Message)}", markup: true);
                break;
            case FinishedEvent f:
                Line($"[green bold]Finished[/] at step {f.Step}: loss {F(f.Loss, "0.000")}, validation loss {F(f.ValLoss, "0.000")}, {F(f.TokensPerS, "N0")} tokens/s ({F(f.ModelGflopsPerS, "0.0")} GFLOP/s), expert load max/mean {F(f.ExpertLoadMaxOverMean, "0.00")}; checkpoint {Markup.Escape(f.Checkpoint)}", markup: true);
                break;
            case StoppedEvent s:
                Line($"[yellow bold]Stopped[/] at step {s.Step}; checkpoint {Markup.Escape(s.Checkpoint)}. Run the same command with --resume to continue.", markup: true);
                break;
        }
    }

    public void Error(string message) => AnsiConsole.MarkupLine($"[red bold]lab train failed:[/] {Markup.Escape(message)}");

    private static void Line(string text, bool markup = false)
    {
        if (markup)
        {
            AnsiConsole.MarkupLine(text);
        }
        else
        {
            AnsiConsole.WriteLine(text);
        }
    }

    private static string Millions(long count) => $"{(count / 1e6).ToString("0.00", CultureInfo.InvariantCulture)} M";

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Duration(double seconds) =>
        TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);
}
