using System.Diagnostics;
using Lab.Training.Checkpoints;
using Lab.Training.Configuration;
using Lab.Training.Data;
using Lab.Training.Model;
using Lab.Training.Protocol;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lab.Training.Engine;

public enum TrainingOutcome
{
    Finished,
    Stopped,
}

/// <summary>
/// One training run: data, model, AdamW, the step loop, evaluation and checkpoints. Everything a step depends on
/// (weights, optimizer moments, selection biases, data position, RNG) is in the checkpoint, so a run stopped at step
/// s and resumed produces the same losses as one that never stopped.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly RunConfig _config;
    private readonly TokenCorpus _corpus;
    private readonly MoeTransformer _model;
    private readonly AdamW _optimizer;
    private readonly Parameter[] _parameters;
    private readonly CheckpointStore _store;
    private readonly BatchSampler _sampler;
    private readonly Evaluator _evaluator;
    private readonly Action<TrainingEvent> _report;
    private readonly Device _device;
    private readonly int _threads;
    private readonly string? _resumedFrom;
    private int _step;
    private long _batches;
    private long _tokens;
    private double _elapsedBefore;
    private double _lastLoss = double.NaN;
    private int _savedStep = -1;
    private string _lastCheckpoint = "";
    private ExpertLoadStats _lastLoad = ExpertLoadStats.Balanced;

    /// <summary>Tokens each routed expert of each MoE layer took since the last progress line (the heatmap's cells).</summary>
    private long[][] _windowLoad = [];

    private Trainer(RunConfig config, TokenCorpus corpus, CheckpointStore store, Action<TrainingEvent> report, int threads, string? resumedFrom)
    {
        _config = config;
        _corpus = corpus;
        _store = store;
        _report = report;
        _threads = threads;
        _resumedFrom = resumedFrom;
        _device = ComputeDevices.Preferred;
        random.manual_seed(config.Training.Seed);
        _model = new MoeTransformer(config.Model, corpus.Tokenizer.VocabSize, _device, ChooseKernel(config.Model));
        _parameters = _model.parameters().ToArray();
        _optimizer = CreateOptimizer(_model, config.Training);
        _sampler = new BatchSampler(corpus.Train, config.Training.BatchSize, config.Model.ContextLength, config.Training.Seed);
        _evaluator = new Evaluator(_model, corpus, config, _device);
        FlopsPerToken = ModelFlops.PerToken(config.Model, corpus.Tokenizer.VocabSize);
    }

    public RunConfig Config => _config;

    public MoeTransformer Model => _model;

    public int Step => _step;

    public double FlopsPerToken { get; }

    /// <summary>Starts a fresh run; refuses an output folder that already holds checkpoints (resume those instead).</summary>
    public static Trainer Start(RunConfig config, string outputDirectory, Action<TrainingEvent> report)
    {
        config.EnsureValid();
        var store = StoreIn(outputDirectory);
        if (store.List() is [var latest, ..])
        {
            throw new ConfigException(
                $"'{outputDirectory}' already holds checkpoints (latest step {latest.Step}); resume them or choose another output folder");
        }
        var threads = ComputeDevices.ConfigureThreads(config.Training.Threads);
        var corpus = TokenCorpus.Load(config.Data, config.Model.ContextLength, config.Training.Seed);
        return new Trainer(config, corpus, store, report, threads, null);
    }

    /// <summary>
    /// Continues from the newest valid checkpoint in <paramref name="outputDirectory"/>. <paramref name="config"/> may
    /// change only what does not alter a step's arithmetic (total steps, cadences, threads); use
    /// <see cref="SavedConfig"/> to start from the checkpoint's own configuration.
    /// </summary>
    public static Trainer Resume(RunConfig config, string outputDirectory, Action<TrainingEvent> report)
    {
        config.EnsureValid();
        var store = StoreIn(outputDirectory);
        var (path, header) = CheckpointLocator.Latest(store, message => report(new WarningEvent(message)));
        if (!config.CanResume(header.Config))
        {
            throw new ConfigException(
                $"checkpoint '{path}' was trained with a different model, data or optimizer configuration; " +
                $"saved: {header.Config.ToJson()}");
        }
        if (header.Step > config.Training.Steps)
        {
            throw new ConfigException($"checkpoint '{path}' is at step {header.Step}, beyond the requested total of {config.Training.Steps} steps");
        }
        var threads = ComputeDevices.ConfigureThreads(config.Training.Threads);
        var corpus = TokenCorpus.Load(config.Data, config.Model.ContextLength, config.Training.Seed);
        if (corpus.Fingerprint != header.DataFingerprint || corpus.Tokenizer.VocabSize != header.VocabSize)
        {
            throw new CheckpointException(
                $"the data or tokenizer changed since checkpoint '{path}' was written (fingerprint {corpus.Fingerprint}, saved {header.DataFingerprint})");
        }
        var trainer = new Trainer(config, corpus, store, report, threads, path);
        try
        {
            trainer.Restore(path);
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
        return trainer;
    }

    /// <summary>The configuration saved with the newest valid checkpoint in <paramref name="outputDirectory"/>.</summary>
    public static RunConfig SavedConfig(string outputDirectory, Action<TrainingEvent> report) =>
        CheckpointLocator.Latest(StoreIn(outputDirectory), message => report(new WarningEvent(message))).Header.Config;

    public TrainingOutcome Run(TrainingControl control)
    {
        var total = _config.Training.Steps;
        var wall = Stopwatch.StartNew();
        var (parameters, active) = _model.CountParameters();
        _report(new StartedEvent(_step, total, _resumedFrom is not null, _resumedFrom, parameters, active,
            _corpus.Tokenizer.VocabSize, _corpus.Tokenizer.Name, _corpus.Train.Tokens.Length, _corpus.Validation.Tokens.Length,
            _device.ToString(), _threads, DispatchName(), FlopsPerToken, _config));
        if (_resumedFrom is null)
        {
            Evaluate(wall);
        }
        var window = new ThroughputWindow();
        var segment = new ThroughputWindow();
        while (_step < total)
        {
            if (control.StopRequested)
            {
                var path = Save("stop", wall);
                _report(new StoppedEvent(_step, _lastLoss, path, _tokens, Elapsed(wall)));
                return TrainingOutcome.Stopped;
            }
            var result = TrainStep();
            window.Add(result.Tokens, result.Seconds);
            segment.Add(result.Tokens, result.Seconds);
            if (_step % _config.Training.LogEvery == 0 || _step == total)
            {
                var tokensPerSecond = window.TokensPerSecond;
                _report(new ProgressEvent(_step, total, result.Loss, result.AuxLoss, result.LearningRate, result.GradNorm,
                    _tokens, tokensPerSecond, FlopsPerToken * tokensPerSecond / 1e9, result.Load.MaxOverMean, result.Load.Cv,
                    Elapsed(wall), window.SecondsPerStep * (total - _step), result.MtpLoss, ExpertLoadStats.Shares(_windowLoad)));
                window = new ThroughputWindow();
                _windowLoad = [];
            }
            if (_step % _config.Training.EvalEvery == 0 && _step < total)
            {
                Evaluate(wall);
            }
            var requested = control.TakeCheckpointRequest();
            if (_step % _config.Training.CheckpointEvery == 0 || requested)
            {
                Save(requested ? "request" : "interval", wall);
            }
        }
        var valLoss = Evaluate(wall);
        var final = Save("final", wall);
        _report(new FinishedEvent(_step, _lastLoss, valLoss, segment.TokensPerSecond,
            FlopsPerToken * segment.TokensPerSecond / 1e9, _lastLoad.MaxOverMean, final, _tokens,
            LearningRateSchedule.At(_config.Training, Math.Max(_step, 1)), Elapsed(wall)));
        return TrainingOutcome.Finished;
    }

    private sealed record StepResult(double Loss, double AuxLoss, double? MtpLoss, double GradNorm, double LearningRate, ExpertLoadStats Load, long Tokens, double Seconds);

    private StepResult TrainStep()
    {
        var clock = Stopwatch.StartNew();
        var training = _config.Training;
        var lr = LearningRateSchedule.At(training, _step + 1);
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = lr;
        }
        double loss = 0, aux = 0, gradNorm = 0;
        double? mtp = null;
        using (var scope = NewDisposeScope())
        {
            _optimizer.zero_grad();
            for (var micro = 0; micro < training.GradientAccumulation; micro++)
            {
                var batch = _sampler.Sample(_batches++);
                var inputs = tensor(batch.Inputs, [batch.BatchSize, batch.ContextLength], device: _device);
                var targets = tensor(batch.Targets, [batch.BatchSize, batch.ContextLength], device: _device);
                var losses = _model.Loss(inputs, targets);
                var objective = losses.Objective;
                if (training.GradientAccumulation > 1)
                {
                    objective = objective / training.GradientAccumulation;
                }
                objective.backward();
                loss += losses.NextToken.item<float>() / training.GradientAccumulation;
                aux += (losses.Auxiliary?.item<float>() ?? 0) / training.GradientAccumulation;
                if (losses.MultiToken is { } multiToken)
                {
                    mtp = (mtp ?? 0) + multiToken.item<float>() / training.GradientAccumulation;
                }
            }
            if (training.GradientClip > 0)
            {
                gradNorm = nn.utils.clip_grad_norm_(_parameters, training.GradientClip);
            }
            _optimizer.step();
        }
        _step++;
        if (!double.IsFinite(loss))
        {
            throw new TrainingDivergedException(_step, loss);
        }
        var layers = _model.TrainedMoeLayers;
        var loads = layers.Select(layer => layer.Router.TakeLoad()).ToArray();
        for (var i = 0; i < loads.Length; i++)
        {
            layers[i].Router.AdjustBias(loads[i]);
        }
        _lastLoad = loads.Length > 0 ? ExpertLoadStats.From(loads) : ExpertLoadStats.Balanced;
        AddToWindow(loads.AsSpan(0, _model.MoeLayers.Count));
        var tokens = (long)training.GradientAccumulation * training.TokensPerMicroBatch(_config.Model.ContextLength);
        _tokens += tokens;
        _lastLoss = loss;
        return new StepResult(loss, aux, mtp, gradNorm, lr, _lastLoad, tokens, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Adds a step's load of the model's MoE layers (the prediction modules' come after them and are left out).</summary>
    private void AddToWindow(ReadOnlySpan<long[]> loads)
    {
        if (_windowLoad.Length != loads.Length)
        {
            _windowLoad = [.. loads.ToArray().Select(l => new long[l.Length])];
        }
        for (var layer = 0; layer < loads.Length; layer++)
        {
            for (var expert = 0; expert < loads[layer].Length; expert++)
            {
                _windowLoad[layer][expert] += loads[layer][expert];
            }
        }
    }

    private double Evaluate(Stopwatch wall)
    {
        var evaluation = _evaluator.Run();
        _report(new EvaluationEvent(_step, evaluation.ValLoss, _tokens, Elapsed(wall), evaluation.Load.MaxOverMean, evaluation.ExpertAffinity,
            evaluation.LayerShares));
        return evaluation.ValLoss;
    }

    private string Save(string reason, Stopwatch wall)
    {
        if (_savedStep == _step)
        {
            return _lastCheckpoint;
        }
        var header = new CheckpointHeader
        {
            Step = _step,
            BatchesConsumed = _batches,
            Tokens = _tokens,
            ElapsedSeconds = Elapsed(wall),
            Loss = double.IsFinite(_lastLoss) ? _lastLoss : 0,
            Config = _config,
            DataFingerprint = _corpus.Fingerprint,
            VocabSize = _corpus.Tokenizer.VocabSize,
        };
        var path = _store.Save(header, writer =>
        {
            _model.save(writer);
            _optimizer.save_state_dict(writer);
            var rng = random.get_rng_state();
            var bytes = rng.data<byte>().ToArray();
            rng.Dispose();
            writer.Write(bytes.Length);
            writer.Write(bytes);
        });
        _store.Prune(_config.Training.KeepCheckpoints);
        (_savedStep, _lastCheckpoint) = (_step, path);
        _report(new CheckpointEvent(_step, path, reason));
        return path;
    }

    private void Restore(string path)
    {
        var (header, payload) = CheckpointStore.Open(path);
        using (payload)
        {
            try
            {
                _model.load(payload, strict: true);
                _optimizer.load_state_dict(payload);
                var rng = payload.ReadBytes(payload.ReadInt32());
                using var state = tensor(rng, dtype: ScalarType.Byte);
                random.set_rng_state(state);
            }
            catch (Exception e) when (e is not CheckpointException)
            {
                throw new CheckpointException($"checkpoint '{path}' does not fit this model: {e.Message}");
            }
        }
        (_step, _batches, _tokens, _elapsedBefore, _lastLoss) = (header.Step, header.BatchesConsumed, header.Tokens, header.ElapsedSeconds, header.Loss);
        (_savedStep, _lastCheckpoint) = (header.Step, path);
    }

    private double Elapsed(Stopwatch wall) => _elapsedBefore + wall.Elapsed.TotalSeconds;

    private string DispatchName() => _model.MoeLayers.Count == 0 ? "dense" : DispatchKernels.Name(_model.MoeLayers[0].Experts.Kernel);

    private DispatchKernel ChooseKernel(ModelOptions options)
    {
        var (kernel, warning) = DispatchKernels.Choose(options, _device);
        if (warning is not null)
        {
            _report(new WarningEvent(warning));
        }
        return kernel;
    }

    /// <summary>Weight decay on matrices only: decaying norm gains pulls them toward zero for no benefit.</summary>
    private static AdamW CreateOptimizer(MoeTransformer model, TrainingOptions training)
    {
        var parameters = model.parameters().ToArray();
        var groups = new[]
        {
            new AdamW.ParamGroup(parameters.Where(p => p.dim() >= 2), training.LearningRate, training.Beta1, training.Beta2, 1e-8, training.WeightDecay),
            new AdamW.ParamGroup(parameters.Where(p => p.dim() < 2), training.LearningRate, training.Beta1, training.Beta2, 1e-8, 0),
        };
        return optim.AdamW(groups, training.LearningRate, training.Beta1, training.Beta2);
    }

    private static CheckpointStore StoreIn(string outputDirectory) => new(Path.Combine(outputDirectory, "checkpoints"));

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
    }

    /// <summary>Training tokens and compute seconds since the last report (evaluation and checkpoint time excluded).</summary>
    private sealed class ThroughputWindow
    {
        private long _tokens;
        private double _seconds;
        private int _steps;

        public void Add(long tokens, double seconds) => (_tokens, _seconds, _steps) = (_tokens + tokens, _seconds + seconds, _steps + 1);

        public double TokensPerSecond => _seconds > 0 ? _tokens / _seconds : 0;

        public double SecondsPerStep => _steps > 0 ? _seconds / _steps : 0;
    }
}
