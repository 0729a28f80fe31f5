using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lab.Training.Model;

/// <summary>
/// GPT-2 style initialisation in one place: normal(0, std) weights, and output projections that add into the
/// residual stream scaled by 1/sqrt(2 * layers) so the stream's variance does not grow with depth.
/// Draws from torch's global generator, so a seed fixes every weight.
/// </summary>
public sealed class ParameterInit(double std, int layers, Device device)
{
    public Parameter Normal(params long[] shape) => Create(shape, std);

    public Parameter Residual(params long[] shape) => Create(shape, std / Math.Sqrt(2.0 * layers));

    /// <summary>A gain of ones (norms): on the model's device like every other weight, drawing nothing from the generator.</summary>
    public Parameter Ones(long size)
    {
        using var noGrad = no_grad();
        return new Parameter(ones(size, ScalarType.Float32, device));
    }

    private Parameter Create(long[] shape, double deviation)
    {
        using var noGrad = no_grad();
        var tensor = empty(shape, ScalarType.Float32, device);
        nn.init.normal_(tensor, 0, deviation);
        return new Parameter(tensor);
    }
}
