using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using static Lab.Cli.Bench.BenchOutput;

namespace Lab.Cli.Bench;

/// <summary>
/// <c>lab bench scheduler</c>: the GPU pool's scheduling policy replayed on a fixed, seeded, contended workload,
/// against a FIFO baseline in the same run (see <see cref="SchedulerBenchResult"/> for what each figure means).
/// </summary>
public static class SchedulerBenchCommand
{
    public static Command Create()
    {
        var json = JsonOption();
        var seed = new Option<int>("--seed") { Description = "Seed of the generated workload.", DefaultValueFactory = _ => 1 };
        var runs = new Option<int>("--runs") { Description = "Runs in the workload.", DefaultValueFactory = _ => 4000 };

        var command = new Command("scheduler", "Replay a seeded, contended workload (128 devices on 16 nodes, 24 ideas) against the GPU pool's scheduling policy and a FIFO baseline: utilisation, fairness, waits, preemptions and decision latency.")
        {
            json, seed, runs,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(runs) < 1)
            {
                Console.Error.WriteLine("--runs must be at least 1.");
                return 2;
            }
            var result = SchedulerBench.Run(parse.GetValue(seed), parse.GetValue(runs));
            if (parse.GetValue(json))
            {
                Figures(result);
            }
            else
            {
                Print(result);
            }
            return 0;
        });
        return command;
    }

    private static void Print(SchedulerBenchResult r)
    {
        AnsiConsole.MarkupLine($"[bold]Scheduler bench[/]: {r.Runs} runs of {r.Ideas} ideas on {r.Devices} devices ({r.Nodes} nodes), seed {r.Seed}; contended for {r.ContendedHours} simulated hours.");
        var table = new Table().AddColumns("", "fair share", "FIFO baseline", "fair ÷ FIFO");
        table.AddRow("utilisation while demand ≥ supply", F(r.Utilization, "0.0000"), F(r.FifoUtilization, "0.0000"), F(r.UtilizationVsFifo, "0.000"));
        table.AddRow("Jain's index (device-time ÷ fair share)", F(r.JainIndex, "0.0000"), F(r.FifoJainIndex, "0.0000"), F(r.JainIndexVsFifo, "0.000"));
        table.AddRow("mean wait to first start", Hours(r.MeanWaitS), Hours(r.FifoMeanWaitS), F(r.MeanWaitVsFifo, "0.000"));
        table.AddRow("95th percentile wait", Hours(r.P95WaitS), Hours(r.FifoP95WaitS), "");
        table.AddRow("longest wait", Hours(r.MaxWaitS), Hours(r.FifoMaxWaitS), F(r.MaxWaitVsFifo, "0.000"));
        table.AddRow("preemptions", r.Preemptions.ToString(CultureInfo.InvariantCulture), "0", "");
        table.AddRow("passes per second", F(r.DecisionsPerS, "0"), F(r.FifoDecisionsPerS, "0"), "");
        table.AddRow("pass p99", $"{F(r.DecisionP99Ms, "0.000")} ms", $"{F(r.FifoDecisionP99Ms, "0.000")} ms", "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Fair share: {r.Passes} passes (p50 {F(r.DecisionP50Ms, "0.000")} ms, max {F(r.DecisionMaxMs, "0.0")} ms), {r.Decisions} decisions; {r.Requeues} runs requeued from lost nodes ({F(r.LostDeviceHours, "0.0")} device-hours of work lost); {F(r.CheckpointDeviceHours, "0.0")} device-hours spent checkpointing to step aside.");

        var ideas = new Table().AddColumns("idea", "weight", "runs", "device-hours", "held ÷ fair share", "mean wait", "longest wait", "preempted");
        foreach (var idea in r.PerIdea)
        {
            ideas.AddRow(
                idea.Name,
                F(idea.Weight, "0.#"),
                idea.Runs.ToString(CultureInfo.InvariantCulture),
                F(idea.DeviceTime.TotalHours, "0"),
                F(idea.ShareRatio, "0.000"),
                Hours(idea.MeanWait.TotalSeconds),
                Hours(idea.MaxWait.TotalSeconds),
                idea.Preemptions.ToString(CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(ideas);
        AnsiConsole.MarkupLine("[grey]Utilisation and Jain's index are measured over the intervals where demand is at least supply; see SchedulerBenchResult.[/]");
    }

    private static string Hours(double seconds) => $"{(seconds / 3600).ToString("0.00", CultureInfo.InvariantCulture)} h";
}
