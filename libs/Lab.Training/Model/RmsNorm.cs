using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Lab.Training.Model;

/// <summary>Root-mean-square layer norm (TorchSharp has no module for it): scale only, no centring, no bias.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")]
    private readonly Parameter _weight;
    private readonly double _eps;

    public RmsNorm(string name, int dim, ParameterInit init, double eps = 1e-6) : base(name)
    {
        _weight = init.Ones(dim);
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) =>
        input * (input.square().mean([-1], keepdim: true) + _eps).rsqrt() * _weight;
}
