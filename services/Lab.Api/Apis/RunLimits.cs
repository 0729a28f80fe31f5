using System.Globalization;
using Lab.Contracts;
using Lab.Contracts.Pool;
using Lab.Contracts.Runs;
using Lab.Training.Configuration;
using Microsoft.Extensions.Options;

namespace Lab.Api.Apis;

/// <summary>
/// What the lab's bounds and its live nodes allow a run, checked at submission before anything is written: steps,
/// threads, tokens per step, and the memory the run is estimated to need, against the bound and the largest live device
/// of its kind. Every refusal names the field and gives the figures, so the member knows what to change; they are
/// problems of the configuration, listed under <c>config</c> like the engine's own (the portal shows each beside its field).
/// </summary>
public sealed record RunLimits(LabBounds Bounds, IReadOnlyList<NodeView> Nodes)
{
    /// <summary>The bounds and the nodes as the pool sees them now.</summary>
    public static async Task<RunLimits> NowAsync(IOptions<LabBounds> bounds, IGrainFactory grains) =>
        new(bounds.Value, (await grains.GetGrain<IPoolGrain>(0).Get()).Nodes);

    /// <summary>Adds a problem for every bound the resolved configuration exceeds.</summary>
    public void Check(RunConfig config, SubmitRun run, Dictionary<string, string[]> errors)
    {
        var training = config.Training;
        if (training.Steps > Bounds.MaxSteps)
        {
            Add(errors, Invariant($"training.steps is {training.Steps:N0}; the lab's bound is {Bounds.MaxSteps:N0} steps a run, the same for everyone."));
        }
        if (training.Threads > Bounds.MaxThreads)
        {
            Add(errors, Invariant($"training.threads is {training.Threads:N0}; the lab's bound is {Bounds.MaxThreads} threads a run (0 means one per core)."));
        }
        var tokens = (double)training.BatchSize * training.GradientAccumulation * config.Model.ContextLength;
        if (tokens > Bounds.MaxTokensPerStep)
        {
            Add(errors, Invariant(
                $"A step of training.batch_size × training.gradient_accumulation × model.context_length = {training.BatchSize:N0} × {training.GradientAccumulation:N0} × {config.Model.ContextLength:N0} = {tokens:N0} tokens; the lab's bound is {Bounds.MaxTokensPerStep:N0} tokens a step."));
        }
        CheckMemory(RunFootprint.Of(config), run.Kind, errors);
    }

    private void CheckMemory(RunFootprint footprint, string? kind, Dictionary<string, string[]> errors)
    {
        var needs = Invariant(
            $"The run needs about {GiB(footprint.TotalBytes)} ({Count(footprint.Parameters)} parameters: {GiB(footprint.StateBytes)} of weights, gradients and AdamW state; {GiB(footprint.ActivationBytes)} of activations");
        if (footprint.TotalBytes > Bounds.MaxRunMemoryBytes)
        {
            Add(errors, $"{needs}); the lab's bound is {GiB(Bounds.MaxRunMemoryBytes)} a run: a smaller model, or fewer tokens a step, would fit.");
            return;
        }
        var largest = Nodes
            .Where(n => n.Alive)
            .SelectMany(n => n.Devices.Select(d => (Node: n.Name, Device: d)))
            .Where(x => x.Device.MemoryBytes is not null && (kind is null || x.Device.Kind == kind))
            .OrderByDescending(x => x.Device.MemoryBytes)
            .FirstOrDefault();
        if (largest.Device is { MemoryBytes: { } offers } && footprint.TotalBytes > offers)
        {
            Add(errors, $"{needs}); the largest live {largest.Device.Kind} device offers {GiB(offers)} ({largest.Device.Id} on {largest.Node}).");
        }
    }

    /// <summary>Adds a problem of the configuration after any already there.</summary>
    private static void Add(Dictionary<string, string[]> errors, string message) =>
        errors["config"] = errors.TryGetValue("config", out var earlier) ? [.. earlier, message] : [message];

    private static string GiB(long bytes) => LabBounds.DescribeBytes(bytes);

    /// <summary>"7.8 M", "6.5 B".</summary>
    private static string Count(long parameters) => parameters switch
    {
        >= 1_000_000_000 => Invariant($"{parameters / 1e9:0.#} B"),
        >= 1_000_000 => Invariant($"{parameters / 1e6:0.#} M"),
        _ => Invariant($"{parameters:N0}"),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
