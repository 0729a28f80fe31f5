using Lab.Training.Configuration;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Lab.Training.Model;

/// <summary>Pre-norm residual block: x + attention(norm(x)), then + feed-forward(norm(x)).</summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "attention_norm")]
    private readonly RmsNorm _attentionNorm;
    [ComponentName(Name = "attention")]
    private readonly nn.Module<Tensor, Tensor> _attention;
    [ComponentName(Name = "feed_forward_norm")]
    private readonly RmsNorm _feedForwardNorm;
    [ComponentName(Name = "feed_forward")]
    private readonly nn.Module<Tensor, Tensor> _feedForward;

    public TransformerBlock(string name, int dim, nn.Module<Tensor, Tensor> attention, nn.Module<Tensor, Tensor> feedForward, ParameterInit init) : base(name)
    {
        _attentionNorm = new RmsNorm("attention_norm", dim, init);
        _attention = attention;
        _feedForwardNorm = new RmsNorm("feed_forward_norm", dim, init);
        _feedForward = feedForward;
        RegisterComponents();
    }

    /// <summary>
    /// A block as <paramref name="options"/> say: multi-head or latent attention, and an MoE layer (when
    /// <paramref name="moe"/>) or the dense SwiGLU of the same active width.
    /// </summary>
    public static TransformerBlock Create(string name, ModelOptions options, bool moe, RotaryEmbedding rope, ParameterInit init, Device device, DispatchKernel kernel)
    {
        nn.Module<Tensor, Tensor> attention = options.Attention == AttentionKind.Mla
            ? new LatentAttention("attention", options, rope, init)
            : new CausalSelfAttention("attention", options.ModelDim, options.Heads, rope, init);
        nn.Module<Tensor, Tensor> feedForward = moe
            ? new MoeFeedForward("moe", options, init, device, kernel)
            : new SwiGlu("dense", options.ModelDim, options.DenseHidden, init);
        return new TransformerBlock(name, options.ModelDim, attention, feedForward, init);
    }

    /// <summary>The attention layer: a <see cref="CausalSelfAttention"/> or a <see cref="LatentAttention"/>.</summary>
    public nn.Module<Tensor, Tensor> Attention => _attention;

    /// <summary>The feed-forward layer: a <see cref="MoeFeedForward"/> or a dense <see cref="SwiGlu"/>.</summary>
    public nn.Module<Tensor, Tensor> FeedForward => _feedForward;

    public override Tensor forward(Tensor input)
    {
        var x = input + _attention.forward(_attentionNorm.forward(input));
        return x + _feedForward.forward(_feedForwardNorm.forward(x));
    }
}
