using System.Text.Json.Serialization;
using Lab.Training.Configuration;

namespace Lab.Training.Protocol;

/// <summary>
/// What a run reports, one record per JSON line of <c>lab train --json</c> (snake_case, <c>event</c> first, naming the
/// kind of line). Times are seconds of training across all resumed segments; token counts are training tokens so far.
/// The engine writes these records and the worker reads them, both through <see cref="TrainingProtocol"/>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = TrainingProtocol.KindProperty)]
[JsonDerivedType(typeof(StartedEvent), "started")]
[JsonDerivedType(typeof(ProgressEvent), "progress")]
[JsonDerivedType(typeof(EvaluationEvent), "eval")]
[JsonDerivedType(typeof(CheckpointEvent), "checkpoint")]
[JsonDerivedType(typeof(WarningEvent), "warning")]
[JsonDerivedType(typeof(FinishedEvent), "finished")]
[JsonDerivedType(typeof(StoppedEvent), "stopped")]
[JsonDerivedType(typeof(ErrorEvent), "error")]
public abstract record TrainingEvent
{
    /// <summary>The event as one line of the protocol.</summary>
    public string ToJson() => TrainingProtocol.Write(this);
}

/// <summary>The run starts (or resumes at <paramref name="Step"/>); the first line of every run, carrying the protocol's version.</summary>
/// <param name="Device">The torch device of the run's first replica (<c>cpu</c>, <c>cuda:0</c>: the process' own numbering).</param>
/// <param name="Threads">CPU threads of the whole run (shared by its replicas).</param>
/// <param name="Devices">
/// The devices the run trains on, by the machine's ids (<c>cuda:2</c>, <c>cpu:1</c>: what <c>--devices</c> named, as a
/// worker offers them to the pool), one replica of the model on each. An addition to version 1: absent from older engines.
/// </param>
public sealed record StartedEvent(
    int Step,
    int TotalSteps,
    bool Resumed,
    string? ResumedFrom,
    long Parameters,
    long ActiveParameters,
    int VocabSize,
    string Tokenizer,
    long TrainTokens,
    long ValidationTokens,
    string Device,
    int Threads,
    string Dispatch,
    double ModelFlopsPerToken,
    RunConfig Config,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Devices = null) : TrainingEvent
{
    /// <summary>
    /// The version of the protocol the writer speaks (<see cref="TrainingProtocol.Version"/>). A line without one comes
    /// from an engine written before versioning, whose lines are those of version 1.
    /// </summary>
    [JsonPropertyOrder(-1)]
    public int Protocol { get; init; } = TrainingProtocol.Version;
}

/// <param name="ExpertLoad">
/// Per MoE layer of the model (in order, the prediction modules' left out), each routed expert's share of the tokens
/// routed in that layer over the steps since the previous progress line (each row sums to 1; 1/experts is perfectly
/// balanced); absent for a dense model. An addition to version 1.
/// </param>
/// <param name="PerDevice">
/// Per device of the run (in <see cref="StartedEvent.Devices"/>' order), its replica's figures since the previous progress
/// line (<c>per_device</c>). An addition to version 1: absent from older engines.
/// </param>
public sealed record ProgressEvent(
    int Step,
    int TotalSteps,
    double Loss,
    double AuxLoss,
    double Lr,
    double GradNorm,
    long Tokens,
    double TokensPerS,
    double ModelGflopsPerS,
    double ExpertLoadMaxOverMean,
    double ExpertLoadCv,
    double ElapsedS,
    double EtaS,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? MtpLoss = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<double[]>? ExpertLoad = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<DeviceFigures>? PerDevice = null) : TrainingEvent;

/// <summary>One device's part of a run, in a progress line.</summary>
/// <param name="Id">The device, as in <see cref="StartedEvent.Devices"/>.</param>
/// <param name="TokensPerS">Training tokens its replica processed per second of its own computing (forward and backward).</param>
/// <param name="MemoryBytes">
/// Memory in use: a GPU's (every process on it, as NVML reports), or for a CPU slice the training process' resident
/// memory, which its CPU replicas share; null where it cannot be read.
/// </param>
/// <param name="Utilization">A GPU's share of time busy (0 to 1); null for a CPU slice.</param>
public sealed record DeviceFigures(
    string Id,
    double TokensPerS,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? MemoryBytes = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Utilization = null);

/// <param name="ExpertAffinity">On the synthetic corpus, per domain, the share of its tokens each routed expert of the last MoE layer took.</param>
/// <param name="ExpertLoad">Per MoE layer, each routed expert's share of the validation windows' tokens (as in <see cref="ProgressEvent"/>). An addition to version 1.</param>
public sealed record EvaluationEvent(
    int Step,
    double ValLoss,
    long Tokens,
    double ElapsedS,
    double ExpertLoadMaxOverMean,
    IReadOnlyDictionary<string, double[]>? ExpertAffinity,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<double[]>? ExpertLoad = null) : TrainingEvent;

public sealed record CheckpointEvent(int Step, string Path, string Reason) : TrainingEvent;

public sealed record WarningEvent(string Message) : TrainingEvent;

public sealed record FinishedEvent(
    int Step,
    double Loss,
    double ValLoss,
    double TokensPerS,
    double ModelGflopsPerS,
    double ExpertLoadMaxOverMean,
    string Checkpoint,
    long Tokens,
    double Lr,
    double ElapsedS) : TrainingEvent;

/// <summary>The run stopped early on request (signal, <c>stop</c> on stdin, cancellation) after saving a checkpoint.</summary>
public sealed record StoppedEvent(int Step, double Loss, string Checkpoint, long Tokens, double ElapsedS) : TrainingEvent;

/// <summary>The run was refused or failed; the message says why. Written by the command line, never by the trainer.</summary>
public sealed record ErrorEvent(string Message) : TrainingEvent;
