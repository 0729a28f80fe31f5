namespace Lab.Contracts.Runs;

/// <summary>Where a run is in its life. Finished, failed and cancelled are final.</summary>
public enum RunStatus
{
    /// <summary>Admitted and waiting for devices (first time, after stepping aside, or after its node was lost).</summary>
    Queued,

    /// <summary>Devices are leased to it; its node's worker has not started the training process yet.</summary>
    Placed,

    Running,

    /// <summary>Asked to checkpoint and step aside (preempted or cancelled); it still holds its devices.</summary>
    Stopping,

    Finished,
    Failed,
    Cancelled,
}

/// <summary>What a member asks the pool to run: a training configuration for an idea.</summary>
/// <param name="Config">The training engine's configuration as JSON, resolved (presets merged) and validated.</param>
/// <param name="TotalSteps">The run's total step count (from the configuration).</param>
/// <param name="Kind">The device kind it needs (<c>cpu</c>, <c>cuda</c>), or null for any.</param>
[GenerateSerializer, Immutable, Alias("lab.submit-run")]
public sealed record SubmitRun(
    [property: Id(0)] Guid IdeaId,
    [property: Id(1)] string Config,
    [property: Id(2)] int TotalSteps,
    [property: Id(3)] int Devices = 1,
    [property: Id(4)] string? Kind = null);

/// <summary>The final figures of a finished run, as the training engine reported them.</summary>
[GenerateSerializer, Immutable, Alias("lab.run-outcome")]
public sealed record RunOutcome(
    [property: Id(0)] int Step,
    [property: Id(1)] double? Loss,
    [property: Id(2)] double? ValLoss,
    [property: Id(3)] double TokensPerS,
    [property: Id(4)] double ModelGflopsPerS,
    [property: Id(5)] double ExpertLoadMaxOverMean,
    [property: Id(6)] string Checkpoint);

/// <summary>One line of a run's history: what happened, when, in words, and the member who did it (for what a member does).</summary>
[GenerateSerializer, Immutable, Alias("lab.run-history")]
public sealed record RunHistoryEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Event,
    [property: Id(2)] string Detail,
    [property: Id(3)] Guid? By = null);

/// <summary>One point of a run's learning curve (sampled).</summary>
[GenerateSerializer, Immutable, Alias("lab.run-point")]
public sealed record RunPoint(
    [property: Id(0)] int Step,
    [property: Id(1)] double? Loss,
    [property: Id(2)] double? ValLoss,
    [property: Id(3)] double? TokensPerS,
    [property: Id(4)] double? ExpertLoadMaxOverMean,
    [property: Id(5)] DateTimeOffset At);

/// <summary>
/// One run as members read it. <see cref="Name"/> and <see cref="Tags"/> are what members called it (every change in its
/// history); <see cref="Setup"/> is what it trains, in the figures runs are compared by (null when its configuration could
/// not be read).
/// </summary>
[GenerateSerializer, Immutable, Alias("lab.run")]
public sealed record RunView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid IdeaId,
    [property: Id(2)] Guid SubmittedBy,
    [property: Id(3)] DateTimeOffset SubmittedAt,
    [property: Id(4)] RunStatus Status,
    [property: Id(5)] int Devices,
    [property: Id(6)] string? Kind,
    [property: Id(7)] int TotalSteps,
    [property: Id(8)] int Step,
    [property: Id(9)] double? Loss,
    [property: Id(10)] double? ValLoss,
    [property: Id(11)] double? TokensPerS,
    [property: Id(12)] string? Node,
    [property: Id(13)] IReadOnlyList<int> DeviceIndexes,
    [property: Id(14)] int Attempts,
    [property: Id(15)] int Preemptions,
    [property: Id(16)] int CheckpointStep,
    [property: Id(17)] double DeviceSeconds,
    [property: Id(18)] RunOutcome? Outcome,
    [property: Id(19)] string? FailureReason,
    [property: Id(20)] string Config,
    [property: Id(21)] long Version,
    [property: Id(22)] IReadOnlyList<RunHistoryEntry> History,
    [property: Id(23)] string? Name = null,
    [property: Id(24)] IReadOnlyList<string>? Tags = null,
    [property: Id(25)] RunSetup? Setup = null,
    [property: Id(26)] int Checkpoints = 0,
    [property: Id(27)] string? LastNode = null,
    [property: Id(28)] IReadOnlyList<int>? LastDeviceIndexes = null,
    [property: Id(29)] Guid? CancelledBy = null,
    [property: Id(30)] string? CheckpointFile = null,
    [property: Id(31)] int MetricsLines = 0)
{
    public bool IsOver => RunRules.IsOver(Status);
}

/// <summary>
/// The figures of one line of <c>lab train --json</c> beyond the four every run view shows (loss, validation loss,
/// tokens/s, expert load max/mean): what the worker forwards of each progress and evaluation line, so the run's
/// metrics keep all of it. Unknown or diverged figures (NaN, infinite) are null.
/// </summary>
/// <param name="ExpertLoad">Per MoE layer of the model, each routed expert's share of the tokens routed in that layer
/// (training lines: over the steps since the previous line; evaluation lines: over the validation windows).</param>
/// <param name="ExpertAffinity">Evaluation lines on the synthetic corpus: per domain, each routed expert's share of its
/// tokens in the last MoE layer.</param>
/// <param name="PerDevice">Training lines of an engine that reports them: each of the run's devices, its replica's rate and
/// the memory in use (absent in runs recorded before they were kept).</param>
[GenerateSerializer, Immutable, Alias("lab.training-figures")]
public sealed record TrainingFigures(
    [property: Id(0)] double? AuxLoss = null,
    [property: Id(1)] double? MtpLoss = null,
    [property: Id(2)] double? LearningRate = null,
    [property: Id(3)] double? GradNorm = null,
    [property: Id(4)] double? ModelGflopsPerS = null,
    [property: Id(5)] double? ExpertLoadCv = null,
    [property: Id(6)] long? Tokens = null,
    [property: Id(7)] double? ElapsedS = null,
    [property: Id(8)] IReadOnlyList<IReadOnlyList<double>>? ExpertLoad = null,
    [property: Id(9)] IReadOnlyDictionary<string, IReadOnlyList<double>>? ExpertAffinity = null,
    [property: Id(10)] IReadOnlyList<RunDeviceFigures>? PerDevice = null)
{
    /// <summary>
    /// The figures as a run keeps them: non-finite numbers as unknown, an expert load or affinity matrix larger than
    /// <see cref="RunRules.MaxExpertFigures"/> (or with a longer domain name than <see cref="RunRules.MaxDomainNameLength"/>)
    /// left out, and the devices' figures left out unless they name at most <paramref name="devices"/> distinct devices
    /// (those a run leases), so that one line stays small whatever the model's size and whatever a worker sends.
    /// </summary>
    public TrainingFigures Bounded(int devices = RunRules.MaxDevicesPerRun) => this with
    {
        AuxLoss = Finite(AuxLoss),
        MtpLoss = Finite(MtpLoss),
        LearningRate = Finite(LearningRate),
        GradNorm = Finite(GradNorm),
        ModelGflopsPerS = Finite(ModelGflopsPerS),
        ExpertLoadCv = Finite(ExpertLoadCv),
        ElapsedS = Finite(ElapsedS),
        Tokens = Tokens is < 0 ? null : Tokens,
        ExpertLoad = ExpertLoad is { } load && Fits(load) ? [.. load.Select(Shares)] : null,
        ExpertAffinity = ExpertAffinity is { } affinity && Fits(affinity.Values) && affinity.Keys.All(k => k.Length <= RunRules.MaxDomainNameLength)
            ? affinity.ToDictionary(a => a.Key, a => Shares(a.Value))
            : null,
        PerDevice = PerDevice is { } perDevice && RunDeviceFigures.Fit(perDevice, Math.Min(devices, RunRules.MaxDevicesPerRun))
            ? [.. perDevice.Select(d => d.Bounded())]
            : null,
    };

    private static bool Fits(IEnumerable<IReadOnlyList<double>?> rows)
    {
        var figures = 0L;
        var count = 0;
        foreach (var row in rows)
        {
            if (row is null)
            {
                return false;
            }
            figures += row.Count;
            count++;
        }
        return count > 0 && figures <= RunRules.MaxExpertFigures;
    }

    /// <summary>A row of shares: each between 0 and 1, anything else (NaN, negative) as 0.</summary>
    private static IReadOnlyList<double> Shares(IReadOnlyList<double> row) => [.. row.Select(v => double.IsFinite(v) ? Math.Clamp(v, 0, 1) : 0)];

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}

/// <summary>One device's part of a run at a training line, as the engine reported it (<c>per_device</c> of <c>lab train</c>).</summary>
/// <param name="Id">The device, by its node's id for it (<c>cpu:1</c>, <c>cuda:2</c>).</param>
/// <param name="TokensPerS">Training tokens its replica processed per second of its own computing since the previous line.</param>
/// <param name="MemoryBytes">Memory in use: a GPU's, or for a CPU slice the training process' (shared by its CPU replicas); null when unknown.</param>
/// <param name="Utilization">A GPU's share of time busy, 0 to 1; null for a CPU slice or when unknown.</param>
[GenerateSerializer, Immutable, Alias("lab.run-device-figures")]
public sealed record RunDeviceFigures(
    [property: Id(0)] string Id,
    [property: Id(1)] double? TokensPerS = null,
    [property: Id(2)] long? MemoryBytes = null,
    [property: Id(3)] double? Utilization = null)
{
    /// <summary>The figures as a run keeps them: a rate finite and from 0, memory from 0, utilisation from 0 to 1; anything else unknown.</summary>
    public RunDeviceFigures Bounded() => this with
    {
        TokensPerS = TokensPerS is { } rate && double.IsFinite(rate) && rate >= 0 ? rate : null,
        MemoryBytes = MemoryBytes is < 0 ? null : MemoryBytes,
        Utilization = Utilization is { } busy && busy is >= 0 and <= 1 ? busy : null,
    };

    /// <summary>Whether a line's devices may be kept: 1 to <paramref name="devices"/> of them, each named once by a device id a node may give.</summary>
    public static bool Fit(IReadOnlyList<RunDeviceFigures?> figures, int devices) =>
        figures.Count >= 1 && figures.Count <= devices
        && figures.All(f => f is not null && !string.IsNullOrEmpty(f.Id) && f.Id.Length <= Pool.PoolRules.DeviceIdMaxLength)
        && figures.Select(f => f!.Id).Distinct(StringComparer.Ordinal).Count() == figures.Count;
}

/// <summary>Device time an idea's runs have used: information about cost, never a quota.</summary>
[GenerateSerializer, Immutable, Alias("lab.idea-compute")]
public sealed record IdeaCompute(
    [property: Id(0)] Guid IdeaId,
    [property: Id(1)] int Runs,
    [property: Id(2)] int RunsFinished,
    [property: Id(3)] double DeviceSeconds);
