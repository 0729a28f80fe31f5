using Lab.Training.Configuration;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Lab.Training.Model;

/// <summary>
/// A DeepSeekMoE feed-forward layer: shared experts every token uses (one SwiGLU of their combined width) plus
/// top-k routed fine-grained experts. The routed output is scatter-added straight onto the shared output.
/// </summary>
public sealed class MoeFeedForward : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "router")]
    private readonly Router _router;
    [ComponentName(Name = "shared")]
    private readonly SwiGlu? _shared;
    [ComponentName(Name = "experts")]
    private readonly RoutedExperts _experts;
    private readonly ModelOptions _options;

    public MoeFeedForward(string name, ModelOptions options, ParameterInit init, Device device, DispatchKernel kernel) : base(name)
    {
        _options = options;
        _router = new Router("router", options, init, device);
        _shared = options.SharedExperts > 0
            ? new SwiGlu("shared", options.ModelDim, options.SharedExperts * options.ExpertHidden, init)
            : null;
        _experts = new RoutedExperts("experts", options, init, kernel);
        RegisterComponents();
    }

    public Router Router => _router;

    public RoutedExperts Experts => _experts;

    public SwiGlu? Shared => _shared;

    /// <summary>The balance and z-losses of the last training forward pass (already weighted), or null when none apply.</summary>
    public Tensor? AuxiliaryLoss { get; private set; }

    /// <summary>Called with each forward pass's chosen experts [N, k]; evaluation uses it to measure per-domain affinity.</summary>
    public Action<Tensor>? RoutingObserver { get; set; }

    public override Tensor forward(Tensor input)
    {
        var shape = input.shape;
        var tokens = input.reshape(-1, shape[^1]);
        var routing = _router.forward(tokens);
        var counts = routing.Experts.view(-1).bincount(null, _options.RoutedExperts);
        if (training)
        {
            _router.RecordLoad(counts);
        }
        RoutingObserver?.Invoke(routing.Experts);
        var shared = _shared?.forward(tokens) ?? zeros_like(tokens);
        var output = _experts.Combine(tokens, routing, counts, shared);
        AuxiliaryLoss = training ? Losses(routing, shape[0]) : null;
        return output.view(shape);
    }

    private Tensor? Losses(Routing routing, long sequences)
    {
        Tensor? loss = null;
        if (_options.BalanceLossWeight > 0)
        {
            var groups = _options.BalanceLossScope == BalanceLossScope.Sequence ? sequences : 1;
            loss = BalanceLosses.Balance(routing, groups, _options.RoutedExperts, _options.TopK) * _options.BalanceLossWeight;
        }
        if (_options.ZLossWeight > 0)
        {
            var z = BalanceLosses.ZLoss(routing) * _options.ZLossWeight;
            loss = loss is null ? z : loss + z;
        }
        return loss;
    }
}
