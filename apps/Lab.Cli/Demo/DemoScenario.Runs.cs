using System.Globalization;
using System.Text.Json;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Spectre.Console;
using static Lab.Cli.Demo.DemoSteps;

namespace Lab.Cli.Demo;

/// <summary>A run the demo submitted: who, for which idea, what it tries, and its id.</summary>
public sealed record DemoRun(string Label, DemoMember By, DemoIdea Idea, string Variant, Guid Id);

// The pool part of the story. The policy (Lab.Scheduling) shares devices by weighted max-min fairness between the ideas
// that want them, and preempts only when the idea giving a device up stays at least as well served as the idea getting
// it: on one device that never holds (1 - 1 < 0 + 1), so the demo's lab has two worker nodes. Ada's idea takes every
// device; when Grace's and Alan's ideas arrive each idea is owed a third of the pool, so at least one of Ada's runs must
// step aside (on D devices, D - 1 >= 0 + 1), and never a newcomer's. A run that stepped aside resumes from its
// checkpoint when a device frees up.
public sealed partial class DemoScenario
{
    /// <summary>Ada's runs: long enough that the preemption, which takes a few seconds, always comes before their end.</summary>
    public const int LongSteps = 500;

    /// <summary>The newcomers' runs.</summary>
    public const int ShortSteps = 100;

    private const string Coarse = "8 experts of width 32, top-2";
    private const string Fine = "16 experts of width 16, top-4";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RunsTimeout = TimeSpan.FromMinutes(6);

    private readonly List<DemoRun> _runs = [];
    private readonly Dictionary<Guid, int> _historyShown = [];
    private IReadOnlyList<IdeaShareView>? _contendedShares;
    private int _devices;
    private DemoRun _preempted = null!;

    private async Task FirstRunsAsync()
    {
        var pool = await WaitAsync(() => Founder.GetPoolAsync(cancellationToken), p => p.Nodes.Count(n => n.Alive) >= DemoCommand.WorkerNodes && p.LiveDevices >= 2,
            "both worker nodes offered their devices to the pool", TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(250), cancellationToken);
        _devices = pool.LiveDevices;
        Say($"The pool: {Plural(_devices, "device")} on {Plural(pool.Nodes.Count(n => n.Alive), "node")} ({Markup.Escape(string.Join(", ", pool.Nodes.Where(n => n.Alive).Select(n => n.Name)))})");
        // As many runs as there are devices, the two widths in turn: Ada's idea holds the whole pool, as a lone idea may.
        for (var i = 0; i < _devices; i++)
        {
            await (i % 2 == 0
                ? SubmitAsync(_ada, _finer, Coarse, LongSteps, seed: 1 + (i / 2), new { routed_experts = 8, top_k = 2, expert_hidden = 32 })
                : SubmitAsync(_ada, _finer, Fine, LongSteps, seed: 1 + (i / 2), new { routed_experts = 16, top_k = 4, expert_hidden = 16 }));
        }
        // They all train and have made their first checkpoint before anyone else asks for a device.
        var runs = await WatchAsync(runs => runs.All(r => r.Status == RunStatus.Running && r.CheckpointStep > 0), "all of Ada's runs were training and had checkpointed",
            TimeSpan.FromMinutes(3));
        Say($"Ada's idea holds the whole pool: {string.Join(", ", runs.Select(r => $"step {r.Step} on {r.Node}"))}");
    }

    private async Task ContendAsync()
    {
        // Grace and Alan submit at the same moment.
        await Task.WhenAll(
            SubmitAsync(_grace, _shared, "1 shared + 8 routed experts", ShortSteps, seed: 2, new { shared_experts = 1, routed_experts = 8 }),
            SubmitAsync(_alan, _bias, "bias only, no auxiliary loss", ShortSteps, seed: 3, new { balance_loss_weight = 0.0 }));
        var runs = await WatchAsync(runs => runs.Any(r => r.Preemptions > 0), "a run was asked to step aside", TimeSpan.FromMinutes(3));
        var preempted = runs.Where(r => r.Preemptions > 0).ToList();
        Check(preempted.All(r => Of(r).Idea == _finer), $"the pool preempted {string.Join(", ", preempted.Select(r => Of(r).Label))}, not only runs of the idea over its share");
        _preempted = Of(preempted.OrderBy(r => r.History.Last(h => h.Event == "preempted").At).First());
        if (_contendedShares is { } shares)
        {
            Say($"Fair shares while three ideas wanted the {_devices} devices: " + string.Join(", ", shares
                .Where(s => _runs.Any(r => r.Idea.Id == s.IdeaId))
                .Select(s => $"{Markup.Escape(_runs.First(r => r.Idea.Id == s.IdeaId).Idea.Short)} {s.FairShare.ToString("0.00", CultureInfo.InvariantCulture)} (holds {s.Allocated})")));
        }
    }

    private async Task FinishRunsAsync()
    {
        var runs = await WatchAsync(runs => runs.All(r => r.IsOver), "every run was over", RunsTimeout);
        foreach (var run in runs)
        {
            Check(run.Status == RunStatus.Finished && run.Outcome?.Step == run.TotalSteps,
                $"{Of(run).Label} ended {run.Status} at step {run.Step} of {run.TotalSteps}{(run.FailureReason is null ? "" : $": {run.FailureReason}")}");
            Check(run.Preemptions == 0 || Of(run).Idea == _finer, $"{Of(run).Label}, a newcomer's run, was preempted");
        }
        foreach (var preempted in runs.Where(r => r.Preemptions > 0))
        {
            var events = preempted.History.Select(h => h.Event).Where(e => e is not "checkpointed").ToList();
            var resumed = preempted.History.LastOrDefault(h => h.Event == "resumed");
            Check(events.IndexOf("preempted") is >= 0 and var at && events.IndexOf("requeued") > at && resumed is not null && events.LastIndexOf("resumed") > at,
                $"{Of(preempted).Label} was preempted but its history does not show it resuming: {string.Join(", ", events)}");
            var from = int.TryParse(resumed!.Detail.Split(' ')[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : 0;
            Check(from > 0 && from < preempted.TotalSteps, $"{Of(preempted).Label} resumed {resumed.Detail}, not from a checkpoint it had made on the way");
            Say($"{Markup.Escape(Of(preempted).Label)} was preempted and resumed {Markup.Escape(resumed.Detail)}");
        }
        Say($"All {runs.Count} runs finished every step");
    }

    private async Task SubmitAsync(DemoMember by, DemoIdea idea, string variant, int steps, int seed, object model)
    {
        var config = JsonSerializer.SerializeToElement(new
        {
            preset = "tiny",
            model,
            training = new { steps, seed, checkpoint_every = 25, eval_every = 100, threads = 1 },
            data = new { synthetic_chars = 60_000 },
        });
        var run = await by.Lab.SubmitRunAsync(new RunSubmission(idea.Id, config, 1, null), cancellationToken);
        Check(run.IdeaId == idea.Id && run.TotalSteps == steps && run.SubmittedBy == by.Id, $"{by.Name}'s run was admitted as something else: {run.TotalSteps} steps for {run.IdeaId}");
        var which = $"run {_runs.Count(r => r.By == by) + 1} ({variant})";
        _runs.Add(new DemoRun($"{by.Name}'s {which}", by, idea, variant, run.Id));
        Say($"{Markup.Escape(by.Name)} submitted {Markup.Escape(which)} for \"{Markup.Escape(idea.View.Title)}\": {steps} steps");
    }

    /// <summary>
    /// Reads the demo's runs (and the pool) until <paramref name="done"/> holds for them, printing each new line of their
    /// histories as it appears: placed, started, preempted, requeued, resumed, finished.
    /// </summary>
    private Task<IReadOnlyList<RunView>> WatchAsync(Func<IReadOnlyList<RunView>, bool> done, string what, TimeSpan timeout) =>
        WaitAsync(async () =>
        {
            var runs = await Task.WhenAll(_runs.Select(r => Founder.GetRunAsync(r.Id, cancellationToken)));
            foreach (var run in runs)
            {
                ShowHistory(run);
            }
            var pool = await Founder.GetPoolAsync(cancellationToken);
            if (pool.Shares is { } shares && shares.Count(s => _runs.Any(r => r.Idea.Id == s.IdeaId)) >= 3)
            {
                _contendedShares ??= shares;
            }
            return (IReadOnlyList<RunView>)runs;
        }, done, what, timeout, Poll, cancellationToken);

    private void ShowHistory(RunView run)
    {
        var shown = _historyShown.GetValueOrDefault(run.Id);
        foreach (var line in run.History.Skip(shown).Where(h => h.Event is not "checkpointed"))
        {
            var colour = line.Event switch
            {
                "preempted" or "requeued" => "yellow",
                "resumed" or "finished" => "green",
                "failed" or "crashed" or "cancelled" => "red",
                _ => "grey",
            };
            AnsiConsole.MarkupLine($"    [grey]{line.At.ToLocalTime():HH:mm:ss}[/] {Markup.Escape(Of(run).Label)}: [{colour}]{Markup.Escape(line.Event)}[/] {Markup.Escape(line.Detail)}");
        }
        _historyShown[run.Id] = run.History.Count;
    }

    private DemoRun Of(RunView run) => _runs.Single(r => r.Id == run.Id);

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
