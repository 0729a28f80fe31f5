using Lab.Training.Configuration;
using Lab.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Lab.Training.Tests;

/// <summary>
/// The sorted, grouped dispatch of the MoE layer computes what the definition says: every token through every
/// expert, weighted by its gate (zero for experts it did not choose), plus the shared expert.
/// </summary>
public sealed class DispatchTests
{
    private static readonly ModelOptions Layer = new()
    {
        ModelDim = 16,
        Heads = 2,
        SharedExperts = 1,
        RoutedExperts = 8,
        TopK = 2,
        ExpertHidden = 8,
    };

    [Theory]
    [InlineData(DispatchKernel.GroupedMatmul)]
    [InlineData(DispatchKernel.Loop)]
    public void Dispatch_matches_the_dense_reference_in_outputs_and_gradients(DispatchKernel kernel)
    {
        if (kernel == DispatchKernel.GroupedMatmul)
        {
            Assert.Null(GroupedMatmul.Unavailable(CPU));
        }
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        using var moe = new MoeFeedForward("moe", Layer, new ParameterInit(0.2, 1, CPU), CPU, kernel);
        // Push expert 5 out of every choice: dispatch must cope with an expert that gets no tokens.
        using (no_grad())
        {
            moe.Router.SelectionBias[5] = tensor(-10f);
        }
        var input = randn(3, 7, Layer.ModelDim);
        var upstream = randn(3, 7, Layer.ModelDim);

        var (output, gradients) = OutputAndGradients(moe, input, upstream, x => moe.forward(x));
        var (expected, expectedGradients) = OutputAndGradients(moe, input, upstream, x => Reference(moe, x));

        var chosen = moe.Router.forward(input.view(-1, Layer.ModelDim)).Experts;
        Assert.Equal(0, chosen.eq(5).sum().item<long>());
        AssertClose(expected, output, "output");
        Assert.Equal(expectedGradients.Count, gradients.Count);
        foreach (var (name, gradient) in expectedGradients)
        {
            AssertClose(gradient, gradients[name], name);
        }
    }

    /// <summary>Output of <paramref name="forward"/>, and the gradients of the input and every parameter for <paramref name="upstream"/>.</summary>
    private static (Tensor Output, Dictionary<string, Tensor> Gradients) OutputAndGradients(
        MoeFeedForward moe, Tensor input, Tensor upstream, Func<Tensor, Tensor> forward)
    {
        moe.zero_grad();
        var x = input.detach().clone().requires_grad_(true);
        var output = forward(x);
        output.backward([upstream]);
        var gradients = moe.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        gradients["input"] = x.grad!.clone();
        return (output.detach(), gradients);
    }

    /// <summary>All tokens through all experts, weighted by a dense gate matrix that is zero off the chosen experts.</summary>
    private static Tensor Reference(MoeFeedForward moe, Tensor input)
    {
        var tokens = input.reshape(-1, Layer.ModelDim);
        var routing = moe.Router.forward(tokens);
        var gates = zeros(tokens.shape[0], Layer.RoutedExperts).scatter(1, routing.Experts, routing.Weights);
        var hidden = einsum("nd,edh->neh", tokens, moe.Experts.GateUp);
        var outputs = einsum("neh,ehd->ned", SwiGlu.Activate(hidden), moe.Experts.Down);
        var routed = (outputs * gates.unsqueeze(-1)).sum(1);
        return (moe.Shared!.forward(tokens) + routed).view(input.shape);
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var error = (expected - actual).abs().max().item<float>();
        var scale = expected.abs().max().item<float>();
        Assert.True(error <= 1e-5 * Math.Max(1, scale), $"{what}: largest difference {error:E2} (values up to {scale:E2})");
    }
}
