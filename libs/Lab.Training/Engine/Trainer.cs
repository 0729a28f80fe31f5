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
/// <remarks>
/// On several devices the run is data parallel: a replica of the model on each device (<see cref="Replica"/>), each
/// batch split between them by rows, each replica's loss weighted by its share of the rows, so that the gradients
/// they add up to are those of the whole batch on one device; the sum goes into the first replica, whose one AdamW
/// steps, and whose weights and balancing biases are then copied to the others (expert loads are counted on every
/// replica and added up before the biases move). Only the first replica is evaluated and saved: one checkpoint, the
/// same as a run on one device writes. The batch-wise balance loss (<c>balance_loss_scope: batch</c>) is computed over
/// each replica's share of the batch, as data-parallel MoE training does; every other loss is per token or per
/// sequence, so one device and several give the same losses up to float rounding.
/// </remarks>
public sealed class Trainer : IDisposable
{
    private readonly RunConfig _config;
    private readonly TokenCorpus _corpus;
    private readonly MoeTransformer _model;
    private readonly Replica[] _replicas;
    private readonly DevicePlacement _placement;
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

    private Trainer(RunConfig config, TokenCorpus corpus, CheckpointStore store, Action<TrainingEvent> report, int threads, DevicePlacement placement, string? resumedFrom)
    {
        _config = config;
        _corpus = corpus;
        _store = store;
        _report = report;
        _threads = threads;
        _resumedFrom = resumedFrom;
        _placement = placement;
        _device = placement.Primary.Torch;
        random.manual_seed(config.Training.Seed);
        var kernel = ChooseKernel(config.Model);
        _model = new MoeTransformer(config.Model, corpus.Tokenizer.VocabSize, _device, kernel);
        _replicas = CreateReplicas(kernel);
        _parameters = _model.parameters().ToArray();
        _optimizer = CreateOptimizer(_model, config.Training);
        _sampler = new BatchSampler(corpus.Train, config.Training.BatchSize, config.Model.ContextLength, config.Training.Seed);
        _evaluator = new Evaluator(_model, corpus, config, _device);
        FlopsPerToken = ModelFlops.PerToken(config.Model, corpus.Tokenizer.VocabSize);
    }

    /// <summary>
    /// The first replica is the model itself; the others are built on their devices and given its weights. Building them
    /// draws from torch's generator, which is put back as it was, so a run draws the same numbers on any number of devices.
    /// </summary>
    private Replica[] CreateReplicas(DispatchKernel kernel)
    {
        var devices = _placement.Devices;
        var several = devices.Count > 1;
        var replicas = new List<Replica> { new(devices[0], _model, ownThread: several) };
        if (several)
        {
            using var generator = random.get_rng_state();
            foreach (var device in devices.Skip(1))
            {
                var replica = new Replica(device, new MoeTransformer(_config.Model, _corpus.Tokenizer.VocabSize, device.Torch, kernel), ownThread: true);
                replica.Mirror(replicas[0]);
                replicas.Add(replica);
            }
            random.set_rng_state(generator);
            // The replicas' threads set their share as torch's default for new threads; this one keeps the whole.
            set_num_threads(_threads);
        }
        return [.. replicas];
    }

    public RunConfig Config => _config;

    public MoeTransformer Model => _model;

    public int Step => _step;

    public double FlopsPerToken { get; }

    /// <summary>The devices the run trains on, one replica on each.</summary>
    public DevicePlacement Placement => _placement;

    /// <summary>
    /// Starts a fresh run on the machine's devices <paramref name="devices"/> (see <see cref="ComputeDevices.Place"/>; one
    /// device when null); refuses an output folder that already holds checkpoints (resume those instead).
    /// </summary>
    public static Trainer Start(RunConfig config, string outputDirectory, Action<TrainingEvent> report, IReadOnlyList<int>? devices = null)
    {
        config.EnsureValid();
        var store = StoreIn(outputDirectory);
        if (store.List() is [var latest, ..])
        {
            throw new ConfigException(
                $"'{outputDirectory}' already holds checkpoints (latest step {latest.Step}); resume them or choose another output folder");
        }
        var threads = ComputeDevices.ConfigureThreads(config.Training.Threads);
        var placement = Place(config, devices, threads);
        var corpus = TokenCorpus.Load(config.Data, config.Model.ContextLength, config.Training.Seed);
        return new Trainer(config, corpus, store, report, threads, placement, null);
    }

    /// <summary>
    /// Continues from the newest valid checkpoint in <paramref name="outputDirectory"/>. <paramref name="config"/> may
    /// change only what does not alter a step's arithmetic (total steps, cadences, threads); use
    /// <see cref="SavedConfig"/> to start from the checkpoint's own configuration. The devices may differ from those the
    /// run trained on before: the checkpoint is the first replica's, whatever their number.
    /// </summary>
    public static Trainer Resume(RunConfig config, string outputDirectory, Action<TrainingEvent> report, IReadOnlyList<int>? devices = null)
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
        var placement = Place(config, devices, threads);
        var corpus = TokenCorpus.Load(config.Data, config.Model.ContextLength, config.Training.Seed);
        if (corpus.Fingerprint != header.DataFingerprint || corpus.Tokenizer.VocabSize != header.VocabSize)
        {
            throw new CheckpointException(
                $"the data or tokenizer changed since checkpoint '{path}' was written (fingerprint {corpus.Fingerprint}, saved {header.DataFingerprint})");
        }
        var trainer = new Trainer(config, corpus, store, report, threads, placement, path);
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
            _device.ToString(), _threads, DispatchName(), FlopsPerToken, _config, _placement.Ids));
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
                    Elapsed(wall), window.SecondsPerStep * (total - _step), result.MtpLoss, ExpertLoadStats.Shares(_windowLoad), DeviceFigures()));
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
            foreach (var replica in _replicas.Skip(1))
            {
                replica.Model.zero_grad();
            }
            for (var micro = 0; micro < training.GradientAccumulation; micro++)
            {
                var batch = _sampler.Sample(_batches++);
                var shares = Split(batch.BatchSize, _replicas.Length);
                var computing = new Task<ReplicaLoss>[_replicas.Length];
                for (var r = 0; r < _replicas.Length; r++)
                {
                    var (replica, (first, rows)) = (_replicas[r], shares[r]);
                    var weight = (double)rows / batch.BatchSize;
                    computing[r] = replica.RunAsync(() => ForwardBackward(replica, batch, first, rows, weight), (long)rows * batch.ContextLength);
                }
                foreach (var part in computing.Select(c => c.GetAwaiter().GetResult()))
                {
                    loss += part.NextToken / training.GradientAccumulation;
                    aux += part.Auxiliary / training.GradientAccumulation;
                    if (part.MultiToken is { } multiToken)
                    {
                        mtp = (mtp ?? 0) + multiToken / training.GradientAccumulation;
                    }
                }
            }
            AddGradientsIntoFirst();
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
        foreach (var replica in _replicas.Skip(1))
        {
            var theirs = replica.Model.TrainedMoeLayers.Select(layer => layer.Router.TakeLoad()).ToArray();
            for (var i = 0; i < loads.Length; i++)
            {
                for (var e = 0; e < loads[i].Length; e++)
                {
                    loads[i][e] += theirs[i][e];
                }
            }
        }
        for (var i = 0; i < loads.Length; i++)
        {
            layers[i].Router.AdjustBias(loads[i]);
        }
        foreach (var replica in _replicas.Skip(1))
        {
            replica.CopyFromSource();
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

    /// <summary>A replica's part of one micro-batch's losses, each already weighted by its share of the rows.</summary>
    private sealed record ReplicaLoss(double NextToken, double Auxiliary, double? MultiToken);

    /// <summary>
    /// Rows [<paramref name="first"/>, +<paramref name="rows"/>) of the batch through <paramref name="replica"/>: the loss,
    /// weighted by the rows' share of the batch (and by 1/accumulation), and its gradients added into the replica's.
    /// </summary>
    private ReplicaLoss ForwardBackward(Replica replica, TokenBatch batch, int first, int rows, double weight)
    {
        var accumulation = _config.Training.GradientAccumulation;
        var context = batch.ContextLength;
        using var scope = NewDisposeScope();
        var whole = rows == batch.BatchSize;
        var inputs = tensor(whole ? batch.Inputs : batch.Inputs.AsSpan(first * context, rows * context).ToArray(), [rows, context], device: replica.Device.Torch);
        var targets = tensor(whole ? batch.Targets : batch.Targets.AsSpan(first * context, rows * context).ToArray(), [rows, context], device: replica.Device.Torch);
        var losses = replica.Model.Loss(inputs, targets);
        var objective = losses.Objective;
        if (!whole)
        {
            objective = objective * weight;
        }
        if (accumulation > 1)
        {
            objective = objective / accumulation;
        }
        objective.backward();
        return new ReplicaLoss(
            weight * losses.NextToken.item<float>(),
            weight * (losses.Auxiliary?.item<float>() ?? 0),
            losses.MultiToken is { } multiToken ? weight * multiToken.item<float>() : null);
    }

    /// <summary>The other replicas' gradients, added into the first replica's: together, the whole batch's gradient.</summary>
    private void AddGradientsIntoFirst()
    {
        foreach (var replica in _replicas.Skip(1))
        {
            for (var p = 0; p < _parameters.Length; p++)
            {
                if (_parameters[p].grad is { } sum && replica.Parameters[p].grad is { } part)
                {
                    sum.add_(part.device == sum.device ? part : part.to(sum.device));
                }
            }
        }
    }

    /// <summary>
    /// Rows of a batch per replica, in order: as even as can be, the first replicas taking one more when it does not
    /// divide. Each replica's loss is weighted by its share, so any split adds up to the whole batch's loss.
    /// </summary>
    private static (int First, int Rows)[] Split(int rows, int replicas)
    {
        var parts = new (int, int)[replicas];
        var first = 0;
        for (var r = 0; r < replicas; r++)
        {
            var count = rows / replicas + (r < rows % replicas ? 1 : 0);
            parts[r] = (first, count);
            first += count;
        }
        return parts;
    }

    /// <summary>Each device's figures since the last progress line.</summary>
    private IReadOnlyList<DeviceFigures> DeviceFigures() => [.. _replicas.Select(replica =>
    {
        var (tokens, seconds) = replica.TakeWindow();
        return new DeviceFigures(replica.Device.Id, seconds > 0 ? tokens / seconds : 0,
            ComputeDevices.MemoryInUse(replica.Device), ComputeDevices.Utilization(replica.Device));
    })];

    /// <summary>The devices of a run, refused before any work when its batch cannot give every one of them rows.</summary>
    private static DevicePlacement Place(RunConfig config, IReadOnlyList<int>? devices, int threads)
    {
        var placement = ComputeDevices.Place(devices, threads);
        if (placement.Devices.Count > config.Training.BatchSize)
        {
            throw new ConfigException(
                $"training.batch_size ({config.Training.BatchSize}) cannot be split between {placement.Devices.Count} devices: each needs at least one sequence");
        }
        return placement;
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
        // The other replicas were given the first one's weights when it was built; now it has the checkpoint's.
        foreach (var replica in _replicas.Skip(1))
        {
            replica.Mirror(_replicas[0]);
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
        foreach (var replica in _replicas)
        {
            replica.Dispose();
            if (replica.Model != _model)
            {
                replica.Model.Dispose();
            }
        }
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
