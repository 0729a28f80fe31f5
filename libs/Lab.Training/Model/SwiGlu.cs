using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Lab.Training.Model;

/// <summary>
/// A dense SwiGLU feed-forward: the shared experts of an MoE layer, the dense layers, and the dense baseline.
/// Gate and up projections are one fused weight, so the layer is two matmuls.
/// </summary>
public sealed class SwiGlu : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "gate_up")]
    private readonly Parameter _gateUp;
    [ComponentName(Name = "down")]
    private readonly Parameter _down;

    public SwiGlu(string name, int dim, int hidden, ParameterInit init) : base(name)
    {
        _gateUp = init.Normal(2 * hidden, dim);
        _down = init.Residual(dim, hidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => F.linear(Activate(F.linear(input, _gateUp)), _down);

    /// <summary>silu(gate) * up on a tensor whose last dimension holds [gate | up].</summary>
    public static Tensor Activate(Tensor gateUp)
    {
        var halves = gateUp.chunk(2, -1);
        return F.silu(halves[0]) * halves[1];
    }
}
