using Lab.Training.Configuration;
using Lab.Training.Engine;
using Lab.Training.Protocol;

namespace Lab.Training.CommandLine;

/// <summary>The command line of <c>lab train</c>: where the configuration comes from, and what the flags change in it.</summary>
public sealed record TrainRequest(
    string? Preset,
    string? ConfigFile,
    string? Data,
    TokenizerKind? Tokenizer,
    int? Steps,
    string Output,
    bool Resume,
    long? Seed,
    int? Threads,
    bool StopWhenInputEnds = false,
    string? Devices = null)
{
    /// <summary>The machine's devices <c>--devices</c> names (null: one device); throws <see cref="ConfigException"/> when it is no list of indexes.</summary>
    public IReadOnlyList<int>? DeviceIndexes() => Devices is null ? null : ComputeDevices.ParseIndexes(Devices);

    /// <summary>
    /// The validated configuration of the run: a preset, a file, or (resuming without either) the checkpoint's own,
    /// with the flags applied on top. Throws <see cref="ConfigException"/> before any work when it is unusable.
    /// </summary>
    public RunConfig Resolve(Action<TrainingEvent> report)
    {
        if (Preset is not null && ConfigFile is not null)
        {
            throw new ConfigException("give either --preset or --config, not both");
        }
        var baseline = ConfigFile is not null ? RunConfig.Load(ConfigFile)
            : Preset is not null ? Presets.Get(Preset)
            : Resume ? Trainer.SavedConfig(Output, report)
            : Presets.Get(Presets.Small);
        return Apply(baseline).EnsureValid();
    }

    private RunConfig Apply(RunConfig config) => config with
    {
        Data = config.Data with
        {
            Source = Data ?? config.Data.Source,
            Tokenizer = Tokenizer ?? config.Data.Tokenizer,
        },
        Training = config.Training with
        {
            Steps = Steps ?? config.Training.Steps,
            Seed = Seed ?? config.Training.Seed,
            Threads = Threads ?? config.Training.Threads,
        },
    };
}
