using System.CommandLine;
using Lab.Cli.Bench;
using Lab.Cli.Up;

var root = new RootCommand("Lab: a research lab in a box.")
{
    UpCommand.Create(),
    BenchCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
