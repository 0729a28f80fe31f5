using System.CommandLine;

namespace Lab.Cli.Bench;

/// <summary><c>lab bench ...</c>: benchmarks that report ratios against a baseline measured in the same run.</summary>
public static class BenchCommand
{
    public static Command Create(params Command[] benchmarks)
    {
        var command = new Command("bench", "Measure Lab's speed against baselines taken in the same run.");
        foreach (var benchmark in benchmarks)
        {
            command.Subcommands.Add(benchmark);
        }
        return command;
    }
}
