using Lab.Training.Configuration;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Lab.Training.Model;

/// <summary>
/// The fine-grained routed experts as two stacked weights ([experts, dim, 2*hidden] and [experts, hidden, dim]):
/// the optimizer sees two tensors instead of two per expert. Dispatch sorts the (token, slot) pairs by expert,
/// gathers those rows, multiplies each expert's contiguous slice, and scatter-adds the weighted results back.
/// </summary>
public sealed class RoutedExperts : nn.Module
{
    [ComponentName(Name = "gate_up")]
    private readonly Parameter _gateUp;
    [ComponentName(Name = "down")]
    private readonly Parameter _down;
    private readonly int _topK;

    public RoutedExperts(string name, ModelOptions options, ParameterInit init, DispatchKernel kernel) : base(name)
    {
        _gateUp = init.Normal(options.RoutedExperts, options.ModelDim, 2 * options.ExpertHidden);
        _down = init.Residual(options.RoutedExperts, options.ExpertHidden, options.ModelDim);
        _topK = options.TopK;
        Kernel = kernel;
        RegisterComponents();
    }

    public DispatchKernel Kernel { get; set; }

    public Parameter GateUp => _gateUp;

    public Parameter Down => _down;

    /// <summary>
    /// Adds the routed experts' weighted outputs for <paramref name="tokens"/> [N, dim] to <paramref name="into"/>.
    /// <paramref name="counts"/> holds tokens per expert (int64), the group sizes of the sorted rows.
    /// </summary>
    public Tensor Combine(Tensor tokens, Routing routing, Tensor counts, Tensor into)
    {
        var slots = routing.Experts.view(-1);
        // Stable sort: rows of one expert keep token order, so results do not depend on sort internals.
        var order = slots.sort(stable: true).Indices;
        var tokenOfRow = order.div(_topK, RoundingMode.floor);
        var rows = tokens.index_select(0, tokenOfRow);
        var rowWeights = routing.Weights.view(-1).index_select(0, order).unsqueeze(1);
        var hidden = Multiply(rows, _gateUp, counts);
        // Weighting before the down projection touches hidden (narrower than dim) values instead of dim ones.
        var activated = SwiGlu.Activate(hidden) * rowWeights;
        var outputs = Multiply(activated, _down, counts);
        return into.index_add(0, tokenOfRow, outputs, 1);
    }

    private Tensor Multiply(Tensor rows, Tensor weights, Tensor counts)
    {
        if (Kernel == DispatchKernel.GroupedMatmul)
        {
            return GroupedMatmul.Multiply(rows, weights, counts.cumsum(0).to(ScalarType.Int32));
        }
        var sizes = counts.cpu().data<long>().ToArray();
        var slices = rows.split(sizes, 0);
        var products = new Tensor[slices.Length];
        for (var expert = 0; expert < slices.Length; expert++)
        {
            products[expert] = slices[expert].matmul(weights[expert]);
        }
        return cat(products, 0);
    }
}
