using Lab.Training.Configuration;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Lab.Training.Model;

/// <summary>
/// One multi-token prediction module of DeepSeek-V3, at depth k: each position's representation from depth k-1 and
/// the embedding of the token k places ahead are RMS-normalised, concatenated and projected back to model_dim
/// (h' = M [norm(h); norm(emb)]), one transformer block runs over them (causal, so the chain of causality is kept at
/// every depth), and a final norm prepares them for the model's own output head, which then predicts the token k+1
/// places ahead. The embedding and the head are the model's, shared; only the norms, M and the block are this module's.
/// Training only: inference never runs it.
/// </summary>
public sealed class MultiTokenPrediction : nn.Module
{
    [ComponentName(Name = "hidden_norm")]
    private readonly RmsNorm _hiddenNorm;
    [ComponentName(Name = "embedding_norm")]
    private readonly RmsNorm _embeddingNorm;

    /// <summary>M: [model_dim, 2 × model_dim].</summary>
    [ComponentName(Name = "projection")]
    private readonly Parameter _projection;
    [ComponentName(Name = "block")]
    private readonly TransformerBlock _block;
    [ComponentName(Name = "norm")]
    private readonly RmsNorm _norm;

    /// <summary>The block's feed-forward is the kind of the model's last layer (an MoE layer in an MoE model, as in DeepSeek-V3).</summary>
    public MultiTokenPrediction(string name, ModelOptions options, RotaryEmbedding rope, ParameterInit init, Device device, DispatchKernel kernel) : base(name)
    {
        var dim = options.ModelDim;
        _hiddenNorm = new RmsNorm("hidden_norm", dim, init);
        _embeddingNorm = new RmsNorm("embedding_norm", dim, init);
        _projection = init.Normal(dim, 2 * dim);
        _block = TransformerBlock.Create("block", options, options.IsMoeLayer(options.Layers - 1), rope, init, device, kernel);
        _norm = new RmsNorm("norm", dim, init);
        RegisterComponents();
    }

    public TransformerBlock Block => _block;

    public Parameter Projection => _projection;

    /// <summary>
    /// This depth's representation [batch, time, model_dim] from the previous depth's <paramref name="hidden"/> and the
    /// embeddings of the tokens k places ahead, <paramref name="ahead"/>, both [batch, time, model_dim].
    /// </summary>
    public Tensor Combine(Tensor hidden, Tensor ahead)
    {
        var joined = cat([_hiddenNorm.forward(hidden), _embeddingNorm.forward(ahead)], -1);
        return _block.forward(F.linear(joined, _projection));
    }

    /// <summary>The representation normalised for the shared output head.</summary>
    public Tensor ForHead(Tensor hidden) => _norm.forward(hidden);
}
