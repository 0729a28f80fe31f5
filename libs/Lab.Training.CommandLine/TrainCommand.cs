using System.CommandLine;
using Lab.Training.Configuration;

namespace Lab.Training.CommandLine;

/// <summary>
/// <c>lab train</c>: trains a mixture-of-experts language model on this machine, with live progress (a bar, or JSON
/// lines with <c>--json</c>), checkpoints, and exact resume. The worker's program has the same command
/// (<c>Lab.Worker train</c>), so a worker needs no other program to run the runs placed on its node.
/// </summary>
public static class TrainCommand
{
    public const string Name = "train";

    /// <summary>Whether a program's arguments ask for this command (<c>train ...</c>).</summary>
    public static bool IsInvocation(IReadOnlyList<string> args) => args.Count > 0 && args[0] == Name;

    /// <summary>Runs the command for a program that has no other command line of its own (the worker's).</summary>
    public static Task<int> InvokeAsync(string[] args) =>
        new RootCommand("Runs Lab's training engine.") { Create() }.Parse(args).InvokeAsync();

    public static Command Create()
    {
        var preset = new Option<string?>("--preset") { Description = $"Start from a named configuration: {string.Join(" or ", Presets.Names)} (default {Presets.Small})." };
        var config = new Option<string?>("--config") { Description = "Start from a JSON configuration file (it may name a \"preset\" and change only some fields)." };
        var data = new Option<string?>("--data") { Description = "Training text: 'synthetic' (the built-in multi-domain corpus) or a UTF-8 file or folder." };
        var tokenizer = new Option<TokenizerKind?>("--tokenizer") { Description = "Tokenisation: byte, char or bpe." };
        var steps = new Option<int?>("--steps") { Description = "Total optimizer steps of the run; with --resume, the run continues up to this total." };
        var output = new Option<string>("--out") { Description = "Folder for checkpoints.", DefaultValueFactory = _ => Path.Combine("runs", "train") };
        var resume = new Option<bool>("--resume") { Description = "Continue from the newest valid checkpoint in --out (with its saved configuration unless --preset or --config is given)." };
        var seed = new Option<long?>("--seed") { Description = "Seed of the weights, the synthetic corpus and the batch order." };
        var threads = new Option<int?>("--threads") { Description = "Compute threads (0: one per core), shared by the devices' replicas." };
        var devices = new Option<string?>("--devices")
        {
            Description = "The machine's devices to train on, by index, e.g. 0,1: CUDA devices as nvidia-smi numbers them (CUDA_VISIBLE_DEVICES is respected), " +
                "or on a machine without CUDA, CPU slices that share the threads. Several devices train data parallel. Default: one device.",
        };
        var json = new Option<bool>("--json") { Description = "Write one JSON object per line on standard output instead of a progress bar." };
        var stopWhenInputEnds = new Option<bool>("--stop-when-input-ends")
        {
            Description = "Save a checkpoint and stop when standard input closes: for a supervisor that holds the pipe open, so the run does not outlive it.",
        };

        var command = new Command(Name, "Train a DeepSeek-style mixture-of-experts language model. SIGINT/SIGTERM or a line 'stop' on standard input save a checkpoint and stop at the next step; SIGUSR1 or a line 'checkpoint' save one and carry on.")
        {
            preset, config, data, tokenizer, steps, output, resume, seed, threads, devices, json, stopWhenInputEnds,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var request = new TrainRequest(
                parse.GetValue(preset),
                parse.GetValue(config),
                parse.GetValue(data),
                parse.GetValue(tokenizer),
                parse.GetValue(steps),
                parse.GetValue(output)!,
                parse.GetValue(resume),
                parse.GetValue(seed),
                parse.GetValue(threads),
                parse.GetValue(stopWhenInputEnds),
                parse.GetValue(devices));
            ITrainOutput sink = parse.GetValue(json) ? new JsonTrainOutput() : new ConsoleTrainOutput();
            return TrainRunner.RunAsync(request, sink, cancellationToken);
        });
        return command;
    }
}
