using System.Text.Json;
using System.Text.Json.Serialization;
using Lab.Training.Configuration;

namespace Lab.Training.Engine;

/// <summary>
/// What a run reports, one record per JSON line of <c>lab train --json</c> (snake_case, <c>event</c> first).
/// Times are seconds of training across all resumed segments; token counts are training tokens so far.
/// </summary>
public abstract record TrainingEvent([property: JsonPropertyOrder(-1)] string Event)
{
    public string ToJson() => JsonSerializer.Serialize(this, GetType(), LabJson.Options);
}

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
    RunConfig Config) : TrainingEvent("started");

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
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? MtpLoss = null) : TrainingEvent("progress");

public sealed record EvaluationEvent(
    int Step,
    double ValLoss,
    long Tokens,
    double ElapsedS,
    double ExpertLoadMaxOverMean,
    IReadOnlyDictionary<string, double[]>? ExpertAffinity) : TrainingEvent("eval");

public sealed record CheckpointEvent(int Step, string Path, string Reason) : TrainingEvent("checkpoint");

public sealed record WarningEvent(string Message) : TrainingEvent("warning");

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
    double ElapsedS) : TrainingEvent("finished");

/// <summary>The run stopped early on request (signal, <c>stop</c> on stdin, cancellation) after saving a checkpoint.</summary>
public sealed record StoppedEvent(int Step, double Loss, string Checkpoint, long Tokens, double ElapsedS) : TrainingEvent("stopped");

/// <summary>The run was refused or failed; the message says why. Written by the CLI, never by the trainer.</summary>
public sealed record ErrorEvent(string Message) : TrainingEvent("error");
