using Lab.Training.Configuration;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Lab.Training.Model;

/// <summary>
/// Top-k routing as in DeepSeek-V3: sigmoid affinities, a per-expert bias added for <em>selection only</em>
/// (auxiliary-loss-free balancing), gate weights normalised over the chosen experts. Softmax gating is the classic
/// alternative. Also counts each expert's load during training, for the bias update and for reports.
/// </summary>
public sealed class Router : nn.Module<Tensor, Routing>
{
    [ComponentName(Name = "weight")]
    private readonly Parameter _weight;

    /// <summary>Selection bias: part of the checkpoint, nudged toward balance after every step, never trained by gradients.</summary>
    [ComponentName(Name = "selection_bias")]
    private readonly Tensor _bias;

    /// <summary>Tokens per expert since the last <see cref="TakeLoad"/>; derived per step, so not saved.</summary>
    [ComponentName(Name = "load")]
    private readonly Tensor _load;

    private readonly ModelOptions _options;

    public Router(string name, ModelOptions options, ParameterInit init, Device device) : base(name)
    {
        _options = options;
        _weight = init.Normal(options.RoutedExperts, options.ModelDim);
        _bias = zeros(options.RoutedExperts, device: device);
        _load = zeros(options.RoutedExperts, ScalarType.Int64, device);
        register_buffer("load", _load, persistent: false);
        RegisterComponents();
    }

    public Tensor SelectionBias => _bias;

    public override Routing forward(Tensor input)
    {
        var logits = F.linear(input, _weight);
        var sigmoid = _options.Gating == GatingKind.Sigmoid;
        var scores = sigmoid ? logits.sigmoid() : logits.softmax(-1);
        Tensor experts;
        using (no_grad())
        {
            var selection = _options.BiasUpdateSpeed > 0 ? scores + _bias : scores;
            experts = selection.topk(_options.TopK).indexes;
        }
        var weights = scores.gather(1, experts);
        if (sigmoid)
        {
            weights = weights / weights.sum(-1, keepdim: true);
        }
        var affinities = sigmoid ? scores / scores.sum(-1, keepdim: true) : scores;
        return new Routing(experts, weights, affinities, logits);
    }

    /// <summary>Adds one forward pass's tokens-per-expert counts to the running load.</summary>
    public void RecordLoad(Tensor counts)
    {
        using var noGrad = no_grad();
        _load.add_(counts);
    }

    /// <summary>The load since the last call (tokens per expert), and a fresh count from now on.</summary>
    public long[] TakeLoad()
    {
        var load = _load.cpu().data<long>().ToArray();
        using var noGrad = no_grad();
        _load.zero_();
        return load;
    }

    /// <summary>
    /// Aux-loss-free balancing: raise the bias of experts below the mean load and lower it above, by a fixed speed
    /// (DeepSeek-V3 uses the sign of the error, so the step does not depend on the batch size).
    /// </summary>
    public void AdjustBias(long[] load)
    {
        if (_options.BiasUpdateSpeed <= 0 || load.Sum() == 0)
        {
            return;
        }
        var mean = load.Average();
        var step = load.Select(l => (float)(Math.Sign(mean - l) * _options.BiasUpdateSpeed)).ToArray();
        using var noGrad = no_grad();
        using var delta = tensor(step, device: _bias.device);
        _bias.add_(delta);
    }
}
