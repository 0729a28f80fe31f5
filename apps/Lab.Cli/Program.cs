using System.CommandLine;
using Lab.Cli.Bench;
using Lab.Cli.Client;
using Lab.Cli.Up;

if (Console.IsOutputRedirected)
{
    // Tokens and URLs must stay on one line when the output goes to a file or another program.
    Spectre.Console.AnsiConsole.Profile.Width = 1000;
}

var root = new RootCommand("Lab: a research lab in a box.")
{
    UpCommand.Create(),
    Lab.Cli.Demo.DemoCommand.Create(),
    Lab.Training.CommandLine.TrainCommand.Create(),
    LoginCommand.Create(),
    IdeasCommand.Create(),
    TeamsCommand.Create(),
    NotesCommand.Create(),
    DatasetsCommand.Create(),
    SearchCommand.Create(),
    FeedCommand.Create(),
    Lab.Cli.Runs.RunsCommand.Create(),
    Lab.Cli.Runs.PoolCommand.Create(),
    BenchCommand.Create(SchedulerBenchCommand.Create(), MoeBenchCommand.Create(), QualityBenchCommand.Create(), GatewayBenchCommand.Create(), GrainsBenchCommand.Create(), KnowledgeBenchCommand.Create()),
};
var parse = root.Parse(args);
return Lab.Cli.Demo.DemoCommand.RefuseBadOptions(parse) ?? await parse.InvokeAsync();
