using Lab.Training.Configuration;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Lab.Training.Model;

/// <summary>
/// The decoder-only language model: token embedding, pre-norm blocks with rotary attention and MoE (or dense)
/// feed-forward layers, a final RMSNorm and a tied or untied output head. Maps token ids [batch, time] to logits
/// [batch, time, vocab].
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
    private readonly RotaryEmbedding _rope;

    public MoeTransformer(ModelOptions options, int vocabSize, Device device, DispatchKernel kernel) : base("moe_transformer")
    {
        Options = options;
        VocabSize = vocabSize;
        var init = new ParameterInit(options.InitStd, options.Layers, device);
        _rope = new RotaryEmbedding(options.ContextLength, options.HeadDim, options.RopeTheta, device);
        _embedding = init.Normal(vocabSize, options.ModelDim);
        _blocks = new ModuleList<TransformerBlock>();
        for (var layer = 0; layer < options.Layers; layer++)
        {
            var attention = new CausalSelfAttention("attention", options.ModelDim, options.Heads, _rope, init);
            nn.Module<Tensor, Tensor> feedForward = options.IsMoeLayer(layer)
                ? new MoeFeedForward("moe", options, init, device, kernel)
                : new SwiGlu("dense", options.ModelDim, options.DenseHidden, init);
            _blocks.Add(new TransformerBlock($"block{layer}", options.ModelDim, attention, feedForward));
        }
        _norm = new RmsNorm("norm", options.ModelDim);
        _head = options.TiedEmbeddings ? null : init.Normal(vocabSize, options.ModelDim);
        MoeLayers = _blocks.Select(b => b.FeedForward).OfType<MoeFeedForward>().ToArray();
        RegisterComponents();
    }

    public ModelOptions Options { get; }

    public int VocabSize { get; }

    public IReadOnlyList<MoeFeedForward> MoeLayers { get; }

    public override Tensor forward(Tensor input)
    {
        var (batch, time) = (input.shape[0], input.shape[1]);
        var x = _embedding.index_select(0, input.reshape(-1)).view(batch, time, -1);
        foreach (var block in _blocks)
        {
            x = block.forward(x);
        }
        return F.linear(_norm.forward(x), _head ?? _embedding);
    }

    /// <summary>The sum of the MoE layers' router losses from the last training forward pass, or null when none apply.</summary>
    public Tensor? AuxiliaryLoss()
    {
        Tensor? total = null;
        foreach (var loss in MoeLayers.Select(l => l.AuxiliaryLoss).OfType<Tensor>())
        {
            total = total is null ? loss : total + loss;
        }
        return total;
    }

    /// <summary>Parameter count: all, and active per token (shared plus top-k of the routed experts).</summary>
    public (long Total, long Active) CountParameters()
    {
        var total = parameters().Sum(p => p.numel());
        var inactive = MoeLayers.Sum(l => (l.Experts.GateUp.numel() + l.Experts.Down.numel())
            * (Options.RoutedExperts - Options.TopK) / Options.RoutedExperts);
        return (total, total - inactive);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rope.Dispose();
        }
        base.Dispose(disposing);
    }
}
