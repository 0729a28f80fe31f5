using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Lab.Training.Model;

/// <summary>Multi-head causal self-attention with rotary positions and a fused QKV projection (one matmul, not three).</summary>
public sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "qkv")]
    private readonly Parameter _qkv;
    [ComponentName(Name = "out")]
    private readonly Parameter _out;
    private readonly RotaryEmbedding _rope;
    private readonly int _heads;

    public CausalSelfAttention(string name, int dim, int heads, RotaryEmbedding rope, ParameterInit init) : base(name)
    {
        _qkv = init.Normal(3 * dim, dim);
        _out = init.Residual(dim, dim);
        _rope = rope;
        _heads = heads;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var (batch, time, dim) = (input.shape[0], input.shape[1], input.shape[2]);
        var qkv = F.linear(input, _qkv).view(batch, time, 3, _heads, dim / _heads);
        // Rotate queries and keys together: one pass over both instead of two.
        var qk = _rope.Apply(qkv.narrow(2, 0, 2));
        var q = qk.select(2, 0).transpose(1, 2);
        var k = qk.select(2, 1).transpose(1, 2);
        var v = qkv.select(2, 2).transpose(1, 2);
        var attended = F.scaled_dot_product_attention(q, k, v, is_casual: true);
        return F.linear(attended.transpose(1, 2).reshape(batch, time, dim), _out);
    }
}
