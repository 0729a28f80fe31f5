using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lab.Cli.Client;
using Lab.Client;
using Lab.Contracts;
using Lab.Contracts.Reading;
using Lab.Contracts.Runs;
using Spectre.Console;

namespace Lab.Cli.Runs;

/// <summary><c>lab runs ...</c>: put experiments on the shared pool and follow them. No approval: a run is admitted at once.</summary>
public static class RunsCommand
{
    private static readonly JsonSerializerOptions JsonLines = new(ApiJson.Options)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static Command Create() => new("runs", "Put training runs for an idea on the shared pool, list them, follow them, download their checkpoints and logs, name and tag them, cancel and resume them.")
    {
        Submit(),
        List(),
        Show(),
        Act("cancel", "Cancel a run (its submitter or a member of its idea's team); a running one checkpoints and stops.",
            (lab, run, cancellationToken) => lab.CancelRunAsync(run, cancellationToken),
            run => $"[yellow]Cancelled[/] run {run.Id}{(run.Node is null ? "" : $" (its worker on {Markup.Escape(run.Node)} checkpoints and stops it)")}"),
        Act("resume", "Resume a cancelled run (its submitter): it waits for devices again and continues from its last checkpoint.",
            (lab, run, cancellationToken) => lab.ResumeRunAsync(run, cancellationToken),
            run => $"[green]Resumed[/] run {run.Id}: {Markup.Escape(run.History[^1].Detail)}"),
        Logs(),
        Download(),
        Name(),
        Tag("tag", "Put tags on a run (its submitter or a member of its idea's team), e.g. lab runs tag ID baseline sweep-lr.",
            (lab, run, tags, cancellationToken) => lab.TagRunAsync(run, tags, cancellationToken)),
        Tag("untag", "Take tags off a run (its submitter or a member of its idea's team).",
            (lab, run, tags, cancellationToken) => lab.UntagRunAsync(run, tags, cancellationToken)),
    };

    private static Command Submit()
    {
        var idea = Ids.Option("--idea", "The idea the run is for", required: true);
        var preset = new Option<string?>("--preset") { Description = "Start from a named configuration of the training engine: tiny or small." };
        var config = new Option<FileInfo?>("--config") { Description = "A JSON configuration file of the training engine (it may name a \"preset\" and change some fields)." };
        var steps = new Option<int?>("--steps") { Description = "Total training steps." };
        var seed = new Option<long?>("--seed") { Description = "Seed of the weights, the synthetic corpus and the batch order." };
        var devices = new Option<int>("--devices") { Description = "Devices on one node.", DefaultValueFactory = _ => 1 };
        var kind = new Option<string?>("--kind") { Description = "Device kind: cpu or cuda (any when left out)." };
        var json = ClientOutput.JsonOption();
        var command = new Command("submit", "Submit a run; it starts at once if devices are free, else it waits its fair turn.")
        {
            idea, preset, config, steps, seed, devices, kind, json,
        };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            JsonElement body;
            try
            {
                body = Configuration(parse.GetValue(config), parse.GetValue(preset), parse.GetValue(steps), parse.GetValue(seed));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                ClientOutput.Error($"The configuration file cannot be used: {e.Message}");
                return ClientConnection.Refused;
            }
            var ideaId = await Ids.ResolveAsync(lab, parse.GetValue(idea)!, Ids.Idea, cancellationToken);
            var run = await lab.SubmitRunAsync(new RunSubmission(ideaId, body, parse.GetValue(devices), parse.GetValue(kind)), cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(run);
                return 0;
            }
            AnsiConsole.MarkupLine($"[green]Submitted[/] run {run.Id}: {run.TotalSteps} steps, {Describe(run)}");
            return 0;
        }));
        return command;
    }

    /// <summary>The engine's configuration: the file if given, with the preset, steps and seed from the options on top.</summary>
    public static JsonElement Configuration(FileInfo? file, string? preset, int? steps, long? seed)
    {
        var config = file is null ? null : JsonNode.Parse(File.ReadAllText(file.FullName)) as JsonObject
            ?? throw new JsonException("the top level must be a JSON object");
        return RunSubmission.Configuration(config, preset, steps, seed);
    }

    private static Command List()
    {
        var idea = Ids.Option("--idea", "Only runs for this idea");
        var status = new Option<RunStatus?>("--status") { Description = "Only runs with this status: Queued, Placed, Running, Stopping, Finished, Failed or Cancelled." };
        var tag = new Option<string?>("--tag") { Description = "Only runs carrying this tag." };
        var text = new Option<string?>("--search", "-q") { Description = "Only runs whose name or idea's title holds this text, or that carry it as a tag." };
        var sort = new Option<RunSort?>("--sort") { Description = "Sort by a column: Submitted (default), Name, Status, Step, Loss, ValLoss, DeviceTime, ModelDim, Layers, Experts, Steps, Data." };
        var order = new Option<SortDirection?>("--order") { Description = "Asc or Desc (default: newest, largest first; names, data and losses from the lowest)." };
        var limit = new Option<int>("--limit") { Description = "How many runs to show (1 to 100).", DefaultValueFactory = _ => 50 };
        var json = ClientOutput.JsonOption();
        var command = new Command("list", "Runs, newest first (or sorted by a column), with their names, tags and what they train.") { idea, status, tag, text, sort, order, limit, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            Guid? ideaId = parse.GetValue(idea) is { } ideaText ? await Ids.ResolveAsync(lab, ideaText, Ids.Idea, cancellationToken) : null;
            var filter = new RunQuery(ideaId, parse.GetValue(status), parse.GetValue(tag), parse.GetValue(text), parse.GetValue(sort), parse.GetValue(order));
            var page = await lab.ListRunsAsync(filter, limit: parse.GetValue(limit), cancellationToken: cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(page);
                return 0;
            }
            var table = new Table().Border(TableBorder.Simple).AddColumns("Id", "Name", "Tags", "Idea", "Status", "Model", "Step", "Loss", "Val loss", "Where", "Device time");
            foreach (var run in page.Items)
            {
                table.AddRow(run.Id.ToString(), Markup.Escape(run.Name ?? ""), Markup.Escape(string.Join(" ", run.Tags ?? [])), run.IdeaId.ToString(), run.Status.ToString(),
                    Markup.Escape(Model(run.Setup)), $"{run.Step}/{run.TotalSteps}", Number(run.Loss), Number(run.ValLoss), Markup.Escape(run.Node ?? ""), Duration(run.DeviceSeconds));
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[grey]{page.Items.Count} of {page.Total} runs[/]");
            return 0;
        }));
        return command;
    }

    private static Command Name()
    {
        var id = Ids.Argument(Ids.Run);
        var name = new Argument<string?>("name") { Description = "The run's new name (one line).", Arity = ArgumentArity.ZeroOrOne };
        var clear = new Option<bool>("--clear") { Description = "Clear the run's name instead." };
        var json = ClientOutput.JsonOption();
        var command = new Command("name", "Name a run (its submitter or a member of its idea's team); the change is in its history.") { id, name, clear, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var given = parse.GetValue(name);
            if (parse.GetValue(clear) == !string.IsNullOrWhiteSpace(given))
            {
                ClientOutput.Error("Give the run a name, or --clear to clear its name (not both).");
                return ClientConnection.Refused;
            }
            var run = await lab.NameRunAsync(await Ids.ResolveAsync(lab, parse.GetValue(id)!, Ids.Run, cancellationToken), parse.GetValue(clear) ? null : given, cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(run);
                return 0;
            }
            AnsiConsole.MarkupLine(run.Name is null ? $"Run {run.Id} has no name now." : $"[green]Named[/] run {run.Id} \"{Markup.Escape(run.Name)}\"");
            return 0;
        }));
        return command;
    }

    /// <summary>A command that puts tags on a run or takes them off, and says which it carries then.</summary>
    private static Command Tag(string verb, string description, Func<LabClient, Guid, IReadOnlyList<string>, CancellationToken, Task<RunView>> act)
    {
        var id = Ids.Argument(Ids.Run);
        var tags = new Argument<string[]>("tags") { Description = "One or more tags: letters, digits and - _ . : / + (kept in lower case).", Arity = ArgumentArity.OneOrMore };
        var json = ClientOutput.JsonOption();
        var command = new Command(verb, description) { id, tags, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var asked = RunLabels.Tags(parse.GetValue(tags) ?? []);
            var run = await act(lab, await Ids.ResolveAsync(lab, parse.GetValue(id)!, Ids.Run, cancellationToken), asked, cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(run);
                return 0;
            }
            var carried = run.Tags ?? [];
            // Tagging what it carries already, or untagging what it does not, changes nothing: say so, it may be a typo.
            List<string> unchanged = verb == "tag" ? [] : asked.Where(t => !carried.Contains(t)).ToList();
            foreach (var tag in unchanged)
            {
                AnsiConsole.MarkupLine($"[yellow]The run carried no tag {Markup.Escape(tag)}.[/]");
            }
            AnsiConsole.MarkupLine(carried.Count == 0
                ? $"Run {run.Id} carries no tags."
                : $"Run {run.Id} carries: {Markup.Escape(string.Join(" ", carried))}");
            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var id = Ids.Argument(Ids.Run);
        var json = ClientOutput.JsonOption();
        var command = new Command("show", "One run: where it stands, its outcome and its history (placements, preemptions, resumptions).") { id, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var run = await lab.GetRunAsync(await Ids.ResolveAsync(lab, parse.GetValue(id)!, Ids.Run, cancellationToken), cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(run);
                return 0;
            }
            AnsiConsole.MarkupLine($"[bold]Run {run.Id}[/]{(run.Name is null ? "" : $" \"{Markup.Escape(run.Name)}\"")} for idea {run.IdeaId}");
            if (run.Tags is { Count: > 0 } carried)
            {
                AnsiConsole.WriteLine($"tags: {string.Join(" ", carried)}");
            }
            if (run.Setup is { } setup)
            {
                AnsiConsole.WriteLine($"trains: {Model(setup)}, {setup.Steps} steps of batch {setup.BatchSize}, learning rate {Number(setup.LearningRate)}, data {setup.Data}, seed {setup.Seed}");
            }
            AnsiConsole.WriteLine($"{run.Status}: step {run.Step} of {run.TotalSteps}; {Describe(run)}");
            AnsiConsole.WriteLine($"loss {Number(run.Loss)}, validation loss {Number(run.ValLoss)}, {Number(run.TokensPerS)} tokens/s; checkpoint at step {run.CheckpointStep}");
            AnsiConsole.WriteLine($"device time {Duration(run.DeviceSeconds)} over {run.Attempts} placement(s), preempted {run.Preemptions} time(s)");
            if (run.FailureReason is not null)
            {
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(run.FailureReason)}[/]");
            }
            PrintNewHistory(run, 0, PrintText);
            return 0;
        }));
        return command;
    }

    /// <summary>A command that asks the API to do <paramref name="name"/> to one run and says what became of it.</summary>
    private static Command Act(string name, string description, Func<LabClient, Guid, CancellationToken, Task<RunView>> act, Func<RunView, string> said)
    {
        var id = Ids.Argument(Ids.Run);
        var json = ClientOutput.JsonOption();
        var command = new Command(name, description) { id, json };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var run = await act(lab, await Ids.ResolveAsync(lab, parse.GetValue(id)!, Ids.Run, cancellationToken), cancellationToken);
            if (parse.GetValue(json))
            {
                ClientOutput.Json(run);
                return 0;
            }
            AnsiConsole.MarkupLine(said(run));
            return 0;
        }));
        return command;
    }

    private static Command Logs()
    {
        var id = Ids.Argument(Ids.Run);
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing as the run goes, until it is over." };
        var json = new Option<bool>("--json") { Description = "One JSON object per line (history entries, and every progress and evaluation line with all its figures), for scripts." };
        var command = new Command("logs", "A run's history and every line of its progress (loss, learning rate, gradient norm, tokens/s, expert load per layer, validation loss, expert affinity); with --follow, live until it is over.")
        {
            id, follow, json,
        };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var print = parse.GetValue(json) ? (Action<RunLogLine>)PrintJson : PrintText;
            var run = await lab.GetRunAsync(await Ids.ResolveAsync(lab, parse.GetValue(id)!, Ids.Run, cancellationToken), cancellationToken);
            // What is stored up to the run as read: its history and its progress lines, in the order they happened.
            var stored = await lab.ReadRunMetricsAsync(run.Id, follow: false, cancellationToken: cancellationToken)
                .Where(l => l.Event == "progress" && l.Seq <= run.Version).ToListAsync(cancellationToken);
            var history = run.History.Select(h => (h.At, Line: new RunLogLine(h.At, h.Event, h.Detail)));
            var progress = stored.Select(l => (l.At, Line: Progress(l, run.TotalSteps)));
            foreach (var (_, line) in history.Concat(progress).OrderBy(l => l.At))
            {
                print(line);
            }
            var shown = run.History.Count;
            if (parse.GetValue(follow) && !run.IsOver)
            {
                // The run's metrics stream from just after what was printed (it ends with the line that ends the run):
                // each progress and evaluation line as it comes; any other line means the history has a new entry, which the run tells in words.
                await foreach (var line in lab.FollowRunMetricsAsync(run.Id, after: run.Version, cancellationToken))
                {
                    if (line.Event == "progress")
                    {
                        print(Progress(line, run.TotalSteps));
                        continue;
                    }
                    run = await lab.GetRunAsync(run.Id, cancellationToken);
                    shown = PrintNewHistory(run, shown, print);
                }
            }
            return run.Status == RunStatus.Failed ? ClientConnection.Refused : 0;
        }));
        return command;
    }

    private static Command Download()
    {
        var id = Ids.Argument(Ids.Run);
        var log = new Option<bool>("--log") { Description = "Its training log instead of its newest checkpoint." };
        var output = new Option<string?>("--output", "-o") { Description = "The file to write, or a folder to write it into under the name the lab gives it (run-ID-step-N.ckpt, run-ID.log); the current folder when left out." };
        var force = new Option<bool>("--force") { Description = "Replace a file of that name." };
        var json = ClientOutput.JsonOption();
        var command = new Command("download", "Download a run's newest checkpoint, as the training engine wrote it, or with --log its training log; nothing is left behind when it fails.")
        {
            id, log, output, force, json,
        };
        var connection = ClientConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async lab =>
        {
            var run = await Ids.ResolveAsync(lab, parse.GetValue(id)!, Ids.Run, cancellationToken);
            var file = parse.GetValue(log) ? LabClient.RunFile.Log : LabClient.RunFile.Checkpoint;
            var target = Path.GetFullPath(parse.GetValue(output) ?? ".");
            var folder = Directory.Exists(target) ? target : Path.GetDirectoryName(target)!;
            if (!Directory.Exists(folder))
            {
                throw new ClientInputException($"There is no folder {folder} to write into.");
            }
            void RefuseToReplace(string path)
            {
                if (File.Exists(path) && !parse.GetValue(force))
                {
                    throw new ClientInputException($"{path} is there already; give --force to replace it, or --output another name.");
                }
            }
            if (!Directory.Exists(target))
            {
                RefuseToReplace(target); // before downloading, where the name is known already
            }
            // Into a file of its own beside the target, moved into place once whole: a failed download leaves nothing.
            var partial = Path.Combine(folder, $".lab-download-{Guid.NewGuid():N}.part");
            try
            {
                string offered;
                long bytes;
                await using (var written = new CountingStream(File.Create(partial)))
                {
                    var what = file == LabClient.RunFile.Log ? "training log" : "newest checkpoint";
                    offered = parse.GetValue(json)
                        ? await lab.DownloadRunFileAsync(run, file, written, cancellationToken)
                        : await AnsiConsole.Status().StartAsync($"Downloading run {run}'s {what}", async status =>
                        {
                            using var ticker = new Timer(_ => status.Status($"Downloading run {run}'s {what}: {Bytes(written.Count)}"), null, 500, 500);
                            return await lab.DownloadRunFileAsync(run, file, written, cancellationToken);
                        });
                    bytes = written.Count;
                }
                // The name as the lab offers it, never a path of its own.
                var name = Path.GetFileName(offered) is { Length: > 0 } plain and not ("." or "..") && plain.IndexOfAny(Path.GetInvalidFileNameChars()) < 0
                    ? plain
                    : $"run-{run}.bin";
                var path = Directory.Exists(target) ? Path.Combine(target, name) : target;
                RefuseToReplace(path);
                File.Move(partial, path, overwrite: true);
                if (parse.GetValue(json))
                {
                    ClientOutput.Json(new { run, file = file == LabClient.RunFile.Log ? "log" : "checkpoint", path, bytes });
                    return 0;
                }
                AnsiConsole.MarkupLine($"[green]Downloaded[/] {Markup.Escape(path)} ({Bytes(bytes)})");
                return 0;
            }
            finally
            {
                File.Delete(partial);
            }
        }));
        return command;
    }

    private static string Bytes(long bytes) => bytes switch
    {
        < 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KB"),
        < 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1073741824.0:0.00} GB"),
    };

    /// <summary>A stream that counts what is written through it (for a download's progress).</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Interlocked.Add(ref _count, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            Interlocked.Add(ref _count, buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    /// <summary>Prints the run's history entries after the first <paramref name="shown"/>; how many are shown now.</summary>
    private static int PrintNewHistory(RunView run, int shown, Action<RunLogLine> print)
    {
        foreach (var entry in run.History.Skip(shown))
        {
            print(new RunLogLine(entry.At, entry.Event, entry.Detail));
        }
        return Math.Max(shown, run.History.Count);
    }

    private static RunLogLine Progress(RunMetricsLine line, int totalSteps) => new(line.At, "progress", null, line.Step, totalSteps, line.Loss, line.ValLoss,
        line.TokensPerS, line.ValLoss is null ? "train" : "eval", line.LearningRate, line.GradNorm, line.AuxLoss, line.MtpLoss, line.ModelGflopsPerS,
        line.ExpertLoadMaxOverMean, line.ExpertLoadCv, line.Tokens, line.ExpertLoad, line.ExpertAffinity, line.PerDevice);

    /// <summary>
    /// One line of <c>lab runs logs</c>: an entry of the run's history, or a line of its progress (<paramref name="Kind"/>
    /// <c>train</c>: its training figures at a logged step; <c>eval</c>: its validation loss and expert affinity).
    /// </summary>
    private sealed record RunLogLine(DateTimeOffset At, string Event, string? Detail, int? Step = null, int? TotalSteps = null,
        double? Loss = null, double? ValLoss = null, double? TokensPerS = null, string? Kind = null, double? LearningRate = null, double? GradNorm = null,
        double? AuxLoss = null, double? MtpLoss = null, double? ModelGflopsPerS = null, double? ExpertLoadMaxOverMean = null, double? ExpertLoadCv = null,
        long? Tokens = null, IReadOnlyList<IReadOnlyList<double>>? ExpertLoad = null, IReadOnlyDictionary<string, IReadOnlyList<double>>? ExpertAffinity = null,
        IReadOnlyList<RunDeviceFigures>? PerDevice = null);

    private static void PrintText(RunLogLine line)
    {
        if (line.Step is not { } step)
        {
            AnsiConsole.MarkupLine($"[grey]{ClientOutput.When(line.At)}[/] [bold]{Markup.Escape(line.Event)}[/] {Markup.Escape(line.Detail ?? "")}");
            return;
        }
        var text = new System.Text.StringBuilder($"step {step}/{line.TotalSteps}");
        if (line.Kind == "eval")
        {
            text.Append($"  validation loss {Number(line.ValLoss)}");
            if (line.ExpertAffinity is { Count: > 0 } affinity)
            {
                // Each domain's favourite expert in the last MoE layer and its share of the domain's tokens: specialisation at a glance.
                text.Append("  affinity ").AppendJoin(", ", affinity.Select(a => a.Value.Count == 0 ? a.Key
                    : FormattableString.Invariant($"{a.Key} e{IndexOfMax(a.Value)} {a.Value.Max():P0}")));
            }
        }
        else
        {
            text.Append($"  loss {Number(line.Loss)}");
            Figure(text, "lr", line.LearningRate, "0.######");
            Figure(text, "grad norm", line.GradNorm, "0.###");
            Figure(text, "aux", line.AuxLoss, "0.####");
            Figure(text, "mtp", line.MtpLoss, "0.###");
            text.Append($"  {Number(line.TokensPerS)} tokens/s");
            Figure(text, "expert load max/mean", line.ExpertLoadMaxOverMean, "0.00");
            if (line.ExpertLoad is { Count: > 0 } layers)
            {
                text.Append(" (per layer ").AppendJoin(" ", layers.Select(l => l.Count == 0 ? "-" : (l.Max() * l.Count).ToString("0.00", CultureInfo.InvariantCulture))).Append(')');
            }
            if (line.PerDevice is { Count: > 1 } devices)
            {
                // Several devices (data parallel): each one's share of the rate and the memory it holds.
                text.Append("  devices ").AppendJoin(", ", devices.Select(d => $"{d.Id} {Number(d.TokensPerS)} tokens/s"
                    + (d.MemoryBytes is { } memory ? FormattableString.Invariant($" {memory / 1048576.0:0} MB") : "")));
            }
        }
        AnsiConsole.WriteLine(text.ToString());
    }

    private static void Figure(System.Text.StringBuilder text, string name, double? value, string format)
    {
        if (value is { } v)
        {
            text.Append("  ").Append(name).Append(' ').Append(v.ToString(format, CultureInfo.InvariantCulture));
        }
    }

    private static int IndexOfMax(IReadOnlyList<double> values)
    {
        var best = 0;
        for (var i = 1; i < values.Count; i++)
        {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }

    private static void PrintJson(RunLogLine line) => Console.Out.WriteLine(JsonSerializer.Serialize(line, JsonLines));

    private static string Describe(RunView run) => run.Status switch
    {
        RunStatus.Queued => "waiting for devices (lab pool says why)",
        RunStatus.Placed or RunStatus.Running or RunStatus.Stopping => $"on {run.Node}, devices {string.Join(",", run.DeviceIndexes)}",
        _ => run.Status.ToString().ToLowerInvariant(),
    };

    /// <summary>What a run trains, in a few words: "tiny moe d64x2, 8 experts top-2 + 1 shared".</summary>
    internal static string Model(RunSetup? setup) => setup is null ? "" : string.Create(CultureInfo.InvariantCulture,
        $"{(setup.Preset is null ? "" : setup.Preset + " ")}{setup.FeedForward} d{setup.ModelDim}x{setup.Layers}") +
        (setup.FeedForward == "moe" ? $", {setup.RoutedExperts} experts top-{setup.TopK} + {setup.SharedExperts} shared" : "");

    internal static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-";

    internal static string Duration(double seconds) => TimeSpan.FromSeconds(seconds).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture);
}
