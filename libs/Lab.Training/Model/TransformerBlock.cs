using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Lab.Training.Model;

/// <summary>Pre-norm residual block: x + attention(norm(x)), then + feed-forward(norm(x)).</summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "attention_norm")]
    private readonly RmsNorm _attentionNorm;
    [ComponentName(Name = "attention")]
    private readonly CausalSelfAttention _attention;
    [ComponentName(Name = "feed_forward_norm")]
    private readonly RmsNorm _feedForwardNorm;
    [ComponentName(Name = "feed_forward")]
    private readonly nn.Module<Tensor, Tensor> _feedForward;

    public TransformerBlock(string name, int dim, CausalSelfAttention attention, nn.Module<Tensor, Tensor> feedForward) : base(name)
    {
        _attentionNorm = new RmsNorm("attention_norm", dim);
        _attention = attention;
        _feedForwardNorm = new RmsNorm("feed_forward_norm", dim);
        _feedForward = feedForward;
        RegisterComponents();
    }

    /// <summary>The feed-forward layer: a <see cref="MoeFeedForward"/> or a dense <see cref="SwiGlu"/>.</summary>
    public nn.Module<Tensor, Tensor> FeedForward => _feedForward;

    public override Tensor forward(Tensor input)
    {
        var x = input + _attention.forward(_attentionNorm.forward(input));
        return x + _feedForward.forward(_feedForwardNorm.forward(x));
    }
}
