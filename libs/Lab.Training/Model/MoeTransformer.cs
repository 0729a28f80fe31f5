using Lab.Training.Configuration;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Lab.Training.Model;

/// <summary>
/// The decoder-only language model: token embedding, pre-norm blocks with rotary (multi-head or latent) attention and
/// MoE (or dense) feed-forward layers, a final RMSNorm and a tied or untied output head. Maps token ids [batch, time]
/// to logits [batch, time, vocab]. With <c>mtp_depth</c> it also holds multi-token prediction modules, which only the
/// training objective (<see cref="Loss"/>) runs.
/// </summary>
public sealed class MoeTransformer : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "embedding")]
    private readonly Parameter _embedding;
    [ComponentName(Name = "blocks")]
    private readonly ModuleList<TransformerBlock> _blocks;
    [ComponentName(Name = "norm")]
    private readonly RmsNorm _norm;
    [ComponentName(Name = "head")]
    private readonly Parameter? _head;
    [ComponentName(Name = "mtp")]
    private readonly ModuleList<MultiTokenPrediction>? _mtp;
    private readonly RotaryEmbedding _rope;

    public MoeTransformer(ModelOptions options, int vocabSize, Device device, DispatchKernel kernel) : base("moe_transformer")
    {
        Options = options;
        VocabSize = vocabSize;
        var init = new ParameterInit(options.InitStd, options.Layers, device);
        _rope = new RotaryEmbedding(options.ContextLength, options.RotaryDim, options.RopeTheta, device);
        _embedding = init.Normal(vocabSize, options.ModelDim);
        _blocks = new ModuleList<TransformerBlock>();
        for (var layer = 0; layer < options.Layers; layer++)
        {
            _blocks.Add(TransformerBlock.Create($"block{layer}", options, options.IsMoeLayer(layer), _rope, init, device, kernel));
        }
        _norm = new RmsNorm("norm", options.ModelDim, init);
        _head = options.TiedEmbeddings ? null : init.Normal(vocabSize, options.ModelDim);
        // Created last, so that a seed gives the main model the same weights with or without prediction modules.
        if (options.MtpDepth > 0)
        {
            _mtp = new ModuleList<MultiTokenPrediction>();
            for (var depth = 1; depth <= options.MtpDepth; depth++)
            {
                _mtp.Add(new MultiTokenPrediction($"mtp{depth}", options, _rope, init, device, kernel));
            }
        }
        Blocks = [.. _blocks];
        MultiTokenModules = _mtp is null ? [] : [.. _mtp];
        MoeLayers = _blocks.Select(b => b.FeedForward).OfType<MoeFeedForward>().ToArray();
        TrainedMoeLayers = [.. MoeLayers, .. MultiTokenModules.Select(m => m.Block.FeedForward).OfType<MoeFeedForward>()];
        RegisterComponents();
    }

    public ModelOptions Options { get; }

    public int VocabSize { get; }

    /// <summary>The MoE layers inference runs: the main model's.</summary>
    public IReadOnlyList<MoeFeedForward> MoeLayers { get; }

    /// <summary>Every MoE layer training runs, the prediction modules' included: router losses and balancing cover them all.</summary>
    public IReadOnlyList<MoeFeedForward> TrainedMoeLayers { get; }

    public IReadOnlyList<TransformerBlock> Blocks { get; }

    /// <summary>The multi-token prediction modules, depth 1 first; empty without <c>mtp_depth</c>.</summary>
    public IReadOnlyList<MultiTokenPrediction> MultiTokenModules { get; }

    /// <summary>Next-token logits [batch, time, vocab]: what inference and evaluation use. Prediction modules do not run.</summary>
    public override Tensor forward(Tensor input) => Head(_norm.forward(Trunk(input)));

    /// <summary>
    /// The training objective for <paramref name="inputs"/> [batch, time] and their next tokens <paramref name="targets"/>
    /// [batch, time]: next-token cross-entropy, plus <c>mtp_loss_weight</c> times the mean cross-entropy over the
    /// prediction depths (depth k against <c>targets[:, k:]</c>, the tokens k+1 places ahead), plus the router losses.
    /// </summary>
    public TrainingLoss Loss(Tensor inputs, Tensor targets)
    {
        var (logits, ahead) = Predict(inputs);
        var nextToken = CrossEntropy(logits, targets);
        Tensor? multiToken = null;
        for (var depth = 1; depth <= ahead.Count; depth++)
        {
            var loss = CrossEntropy(ahead[depth - 1], targets.narrow(1, depth, ahead[depth - 1].shape[1]));
            multiToken = multiToken is null ? loss : multiToken + loss;
        }
        multiToken = multiToken is null ? null : multiToken / ahead.Count;
        var auxiliary = AuxiliaryLoss();
        var objective = multiToken is null ? nextToken : nextToken + multiToken * Options.MtpLossWeight;
        return new TrainingLoss(auxiliary is null ? objective : objective + auxiliary, nextToken, multiToken, auxiliary);
    }

    /// <summary>
    /// Next-token logits [batch, time, vocab] and, for each prediction depth k, logits [batch, time - k, vocab] for the
    /// tokens k+1 places ahead: depth k continues depth k-1's representations of positions 0..time-k-1 with the
    /// embeddings of the tokens k places ahead (<c>inputs[:, k:]</c>).
    /// </summary>
    public (Tensor Logits, IReadOnlyList<Tensor> Ahead) Predict(Tensor inputs)
    {
        var hidden = Trunk(inputs);
        var logits = Head(_norm.forward(hidden));
        var ahead = new Tensor[MultiTokenModules.Count];
        var time = inputs.shape[1];
        for (var depth = 1; depth <= ahead.Length; depth++)
        {
            var module = MultiTokenModules[depth - 1];
            hidden = module.Combine(hidden.narrow(1, 0, time - depth), Embed(inputs.narrow(1, depth, time - depth)));
            ahead[depth - 1] = Head(module.ForHead(hidden));
        }
        return (logits, ahead);
    }

    /// <summary>The sum of the MoE layers' router losses from the last training forward pass, or null when none apply.</summary>
    public Tensor? AuxiliaryLoss()
    {
        Tensor? total = null;
        foreach (var loss in TrainedMoeLayers.Select(l => l.AuxiliaryLoss).OfType<Tensor>())
        {
            total = total is null ? loss : total + loss;
        }
        return total;
    }

    /// <summary>Parameter count: all (prediction modules included), and active per token (shared plus top-k of the routed experts).</summary>
    public (long Total, long Active) CountParameters()
    {
        var total = parameters().Sum(p => p.numel());
        var inactive = TrainedMoeLayers.Sum(l => (l.Experts.GateUp.numel() + l.Experts.Down.numel())
            * (Options.RoutedExperts - Options.TopK) / Options.RoutedExperts);
        return (total, total - inactive);
    }

    private Tensor Embed(Tensor tokens) =>
        _embedding.index_select(0, tokens.reshape(-1)).view(tokens.shape[0], tokens.shape[1], -1);

    /// <summary>The last block's output, before the final norm: the representation the first prediction module continues from.</summary>
    private Tensor Trunk(Tensor input)
    {
        var x = Embed(input);
        foreach (var block in _blocks)
        {
            x = block.forward(x);
        }
        return x;
    }

    private Tensor Head(Tensor normalised) => F.linear(normalised, _head ?? _embedding);

    private Tensor CrossEntropy(Tensor logits, Tensor targets) =>
        F.cross_entropy(logits.reshape(-1, VocabSize), targets.reshape(-1));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rope.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// One training forward pass's losses: the objective that is differentiated, and its parts: next-token cross-entropy
/// (what runs without prediction modules also minimise), the mean multi-token prediction loss over depths (unweighted;
/// null without modules) and the router losses (already weighted; null when none apply).
/// </summary>
public sealed record TrainingLoss(Tensor Objective, Tensor NextToken, Tensor? MultiToken, Tensor? Auxiliary);
