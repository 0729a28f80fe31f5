using System.Globalization;
using System.Text;
using System.Text.Json;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using JasperFx.Events.Daemon;
using Lab.Contracts;
using Lab.Contracts.Runs;
using Lab.Knowledge.Ideas;
using Marten;
using Marten.Events.Aggregation;

namespace Lab.Knowledge.Runs;

/// <summary>
/// A finished run as a knowledge entry linked to its idea: what was trained (the configuration), how it learned (the
/// curve) and what came out (the outcome), with the device time it cost. Projected inline from the run's events, so it is
/// written in the same transaction as the run's finish, and rebuilt from the log like every other read model.
/// </summary>
public sealed class RunEntry
{
    public Guid Id { get; set; }
    public Guid IdeaId { get; set; }
    public Guid SubmittedBy { get; set; }
    public string Title { get; set; } = "";

    /// <summary>The entry in words, for reading and for full-text search.</summary>
    public string Body { get; set; } = "";
    public string Config { get; set; } = "";
    public RunOutcome Outcome { get; set; } = null!;
    public List<RunPoint> Curve { get; set; } = [];
    public double DeviceSeconds { get; set; }
    public int Preemptions { get; set; }
    public DateTimeOffset FinishedAt { get; set; }

    /// <summary>The idea's title when the run finished, which the entry's words name.</summary>
    public string IdeaTitle { get; set; } = "";

    /// <summary>What members call the run, now: naming or tagging a finished run changes its entry, so search finds it by them.</summary>
    public string? Name { get; set; }
    public List<string> Tags { get; set; } = [];
    public int Devices { get; set; }
    public int Attempts { get; set; }

    public static RunEntry From(RunSummary run, string ideaTitle)
    {
        var outcome = run.Outcome ?? throw new ArgumentException("Only a finished run becomes a knowledge entry.", nameof(run));
        var entry = new RunEntry
        {
            Id = run.Id,
            IdeaId = run.IdeaId,
            SubmittedBy = run.SubmittedBy,
            Config = run.Config,
            Outcome = outcome,
            Curve = [.. run.Curve],
            DeviceSeconds = run.DeviceSeconds,
            Preemptions = run.Preemptions,
            FinishedAt = run.LastActivityAt,
            IdeaTitle = ideaTitle,
            Name = run.Name,
            Tags = [.. run.Tags],
            Devices = run.Devices,
            Attempts = run.Attempts,
        };
        entry.Describe();
        return entry;
    }

    /// <summary>Takes a change of the run's name or tags made after it finished.</summary>
    public void Relabel(IRunEvent change)
    {
        if (RunLabels.After(Name, Tags, change) is not { } labels)
        {
            return;
        }
        (Name, Tags) = labels;
        Describe();
    }

    /// <summary>Writes <see cref="Title"/> and <see cref="Body"/> from the entry's figures, name and tags.</summary>
    private void Describe()
    {
        var f = CultureInfo.InvariantCulture;
        var named = Name is null ? "" : $" \"{Name}\"";
        var body = new StringBuilder()
            .Append(f, $"Run{named} {Id} for the idea \"{IdeaTitle}\" finished {Outcome.Step} steps ")
            .Append(f, $"with training loss {Outcome.Loss:0.####} and validation loss {Outcome.ValLoss:0.####}, ")
            .Append(f, $"at {Outcome.TokensPerS:0} tokens/s ({Outcome.ModelGflopsPerS:0.##} GFLOP/s), expert load max/mean {Outcome.ExpertLoadMaxOverMean:0.###}. ")
            .Append(f, $"It used {DeviceSeconds / 3600:0.###} device-hours on {Devices} device(s) over {Attempts} placement(s), ")
            .Append(f, $"preempted {Preemptions} time(s). ")
            .Append(Tags.Count == 0 ? "" : $"Tags: {string.Join(", ", Tags)}. ")
            .Append(f, $"Configuration: {InWords(Config)}")
            .ToString();
        Title = string.Create(f, $"Run{named} for \"{IdeaTitle}\": validation loss {Outcome.ValLoss:0.####} after {Outcome.Step} steps");
        Body = body;
    }

    /// <summary>
    /// A run's configuration (JSON) in words, to read in a snippet and to search: "model: d model 128, layers 4, gating
    /// sigmoid; training: steps 200." Names lose their underscores so that each word is found on its own; a text that is
    /// not a JSON object is kept as it is.
    /// </summary>
    public static string InWords(string config)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(config);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return config;
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            return config;
        }
        var sections = new List<string>();
        var loose = new List<string>();
        foreach (var property in root.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                var settings = new List<string>();
                Flatten("", property.Value, settings);
                sections.Add($"{Name(property.Name)}: {string.Join(", ", settings)}");
            }
            else
            {
                loose.Add($"{Name(property.Name)} {Value(property.Value)}");
            }
        }
        if (loose.Count > 0)
        {
            sections.Insert(0, string.Join(", ", loose));
        }
        return string.Join("; ", sections) + ".";

        static void Flatten(string prefix, JsonElement value, List<string> settings)
        {
            foreach (var property in value.EnumerateObject())
            {
                var name = (prefix + " " + Name(property.Name)).Trim();
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    Flatten(name, property.Value, settings);
                }
                else
                {
                    settings.Add($"{name} {Value(property.Value)}");
                }
            }
        }

        static string Name(string name) => name.Replace('_', ' ').Replace('-', ' ');

        static string Value(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.Array => string.Join(" ", value.EnumerateArray().Select(Value)),
            JsonValueKind.String => value.GetString() ?? "",
            JsonValueKind.Null => "none",
            JsonValueKind.Object => value.GetRawText(),
            _ => value.GetRawText(),
        };
    }
}

/// <summary>
/// Finished runs as knowledge. When a run's events include its finish, the run as it was then (folded by the run's own
/// evolve: the events stored before these, then these) becomes its entry, with its idea's title as it was then. The same
/// holds in a rebuild, where "these" are a page of the log.
/// </summary>
public sealed partial class RunEntryProjection : SingleStreamProjection<RunEntry, Guid>
{
    public RunEntryProjection()
    {
        foreach (var type in LabEvents.OfKind<IRunEvent>())
        {
            IncludeType(type);
        }
    }

    public override async ValueTask<(RunEntry?, ActionType)> DetermineActionAsync(IQuerySession session, RunEntry? snapshot, Guid identity,
        IIdentitySetter<RunEntry, Guid> identitySetter, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var finished = events.Select((e, i) => (e, i)).FirstOrDefault(x => x.e.Data is RunFinished);
        var entry = snapshot;
        var after = 0;
        if (finished.e is not null)
        {
            var before = events[0].Version - 1;
            var run = before > 0 ? await session.Events.AggregateStreamAsync<RunSummary>(identity, version: before, token: cancellation) : null;
            foreach (var e in events.Take(finished.i + 1))
            {
                run = RunSummary.Fold(run, (ILabEvent)e.Data);
            }
            var idea = await session.Events.AggregateStreamAsync<IdeaSummary>(run!.IdeaId, timestamp: finished.e.Timestamp, token: cancellation);
            entry = RunEntry.From(run, idea?.Title ?? run.IdeaId.ToString());
            after = finished.i + 1;
        }
        // Names and tags given after the finish: the entry says what members call the run now.
        var labels = events.Skip(after).Select(e => e.Data).Where(d => d is RunNamed or RunTagged or RunUntagged).Cast<IRunEvent>().ToList();
        if (entry is null || (finished.e is null && labels.Count == 0))
        {
            return (snapshot, ActionType.Nothing);
        }
        if (entry.IdeaTitle.Length == 0 && await session.LoadAsync<RunSummary>(identity, cancellation) is { } stored)
        {
            // An entry stored before it kept these: what its words need, as they were when the run finished.
            var idea = await session.Events.AggregateStreamAsync<IdeaSummary>(entry.IdeaId, timestamp: entry.FinishedAt, token: cancellation);
            (entry.IdeaTitle, entry.Devices, entry.Attempts) = (idea?.Title ?? entry.IdeaId.ToString(), stored.Devices, stored.Attempts);
        }
        labels.ForEach(entry.Relabel);
        return (entry, ActionType.Store);
    }
}
