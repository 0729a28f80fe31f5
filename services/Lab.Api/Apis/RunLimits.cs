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
        var replicas = Math.Clamp(run.Devices, 1, RunRules.MaxDevicesPerRun);
        CheckMemory(RunFootprint.Of(config, replicas), run.Kind, errors);
    }

    /// <summary>
    /// The run's memory against the lab's bound and against the live nodes that could take it. A run on several devices
    /// trains a replica of the model on each: GPUs each need a replica's memory of their own (<see cref="RunFootprint.DeviceBytes"/>),
    /// while CPU slices share their node's memory, so the run's one process (<see cref="RunFootprint.TotalBytes"/>) must fit
    /// in what its slices offer together. Nodes with fewer devices of the kind than the run asks for are not counted
    /// (the run waits for a node that has them, and the pool says so), nor devices whose memory their worker cannot tell.
    /// </summary>
    private void CheckMemory(RunFootprint footprint, string? kind, Dictionary<string, string[]> errors)
    {
        // The bound is on what one run holds of a machine: a CPU run's process, a GPU run's share on each GPU.
        var bounded = kind == "cuda" ? footprint.DeviceBytes : footprint.TotalBytes;
        if (bounded > Bounds.MaxRunMemoryBytes)
        {
            Add(errors, $"{Needs(footprint, kind ?? "cpu")}; the lab's bound is {GiB(Bounds.MaxRunMemoryBytes)} a run: a smaller model, or fewer tokens a step, would fit.");
            return;
        }
        var offers = Nodes
            .Where(n => n.Alive)
            .Select(n => Offer.Of(n, kind, footprint.Replicas))
            .OfType<Offer>()
            .ToList();
        if (offers.Count == 0 || offers.Any(o => o.Fits(footprint)))
        {
            return;
        }
        var best = offers.OrderByDescending(o => o.Bytes / (double)o.Needs(footprint)).First();
        Add(errors, $"{Needs(footprint, best.Kind)}; {best.Describe(footprint.Replicas)}.");
    }

    /// <summary>What the run needs, and of what, for a node of <paramref name="kind"/>.</summary>
    private static string Needs(RunFootprint footprint, string kind)
    {
        var parameters = Count(footprint.Parameters);
        if (footprint.Replicas == 1)
        {
            return Invariant(
                $"The run needs about {GiB(footprint.TotalBytes)} ({parameters} parameters: {GiB(footprint.StateBytes)} of weights, gradients and AdamW state; {GiB(footprint.ActivationBytes)} of activations)");
        }
        if (kind == "cuda")
        {
            return Invariant(
                $"The run needs about {GiB(footprint.DeviceBytes)} on each of its {footprint.Replicas} devices, a replica of the model on each ({parameters} parameters: {GiB(footprint.StateBytes)} of weights, gradients and AdamW state; {GiB(footprint.ReplicaActivationBytes)} of activations for a replica's share of each batch)");
        }
        var copies = footprint.TotalBytes - footprint.StateBytes - footprint.ActivationBytes - RunFootprint.RuntimeBytes;
        return Invariant(
            $"The run needs about {GiB(footprint.TotalBytes)} for its {footprint.Replicas} replicas, which share their node's memory ({parameters} parameters: {GiB(footprint.StateBytes)} of weights, gradients and AdamW state and {GiB(copies)} more for the other replicas' weights and gradients; {GiB(footprint.ActivationBytes)} of activations)");
    }

    /// <summary>
    /// What one live node offers a run of <c>replicas</c> devices: the <c>replicas</c> devices of the kind with the most
    /// memory, and <see cref="Bytes"/>, for CPU slices the memory they share together, for GPUs each one's (the least of them).
    /// </summary>
    private sealed record Offer(string Node, string Kind, IReadOnlyList<DeviceView> Devices, long Bytes)
    {
        public static Offer? Of(NodeView node, string? kind, int replicas)
        {
            var chosen = node.Devices
                .Where(d => d.MemoryBytes is not null && (kind is null || d.Kind == kind))
                .OrderByDescending(d => d.MemoryBytes)
                .Take(replicas)
                .ToList();
            if (chosen.Count < replicas)
            {
                return null;
            }
            var deviceKind = chosen[0].Kind;
            var bytes = deviceKind == "cuda" ? chosen.Min(d => d.MemoryBytes!.Value) : chosen.Sum(d => d.MemoryBytes!.Value);
            return new Offer(node.Name, deviceKind, chosen, bytes);
        }

        public long Needs(RunFootprint footprint) => Math.Max(1, Kind == "cuda" ? footprint.DeviceBytes : footprint.TotalBytes);

        public bool Fits(RunFootprint footprint) => Needs(footprint) <= Bytes;

        public string Describe(int replicas)
        {
            var ids = string.Join(", ", Devices.Select(d => d.Id));
            if (replicas == 1)
            {
                return $"the largest live {Kind} device offers {GiB(Bytes)} ({ids} on {Node})";
            }
            return Kind == "cuda"
                ? $"no live node has {replicas} {Kind} devices with that much each: the best offers {GiB(Bytes)} on each ({ids} on {Node})"
                : $"no live node's {replicas} {Kind} devices offer that much together: the best offer {GiB(Bytes)} ({ids} on {Node})";
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
