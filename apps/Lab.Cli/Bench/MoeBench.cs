using System.Diagnostics;
using Lab.Training;
using Lab.Training.Configuration;
using Lab.Training.Model;
using static TorchSharp.torch;

namespace Lab.Cli.Bench;

/// <summary>
/// Times, in one process on one thread count: a large fp32 matmul (the machine's practical peak), forward+backward
/// of one MoE feed-forward layer, and of the dense SwiGLU with the same active parameters, on the same tokens.
/// Each figure is the median of several timed repetitions after warm-up.
/// </summary>
internal static class MoeBench
{
    public static MoeBenchResult Run(MoeBenchOptions options)
    {
        var threads = ComputeDevices.ConfigureThreads(options.Threads);
        var device = ComputeDevices.Preferred;
        var layer = options.Layer;
        random.manual_seed(options.Seed);

        using var a = randn([options.MatmulSize, options.MatmulSize], device: device);
        using var b = randn([options.MatmulSize, options.MatmulSize], device: device);
        using var input = randn([options.Tokens, layer.ModelDim], device: device);
        using var outputGradient = randn([options.Tokens, layer.ModelDim], device: device);
        var init = new ParameterInit(layer.InitStd, 1, device);
        var kernel = DispatchKernels.Choose(layer, device).Kernel;
        using var moe = new MoeFeedForward("moe", layer, init, device, kernel);
        using var dense = new SwiGlu("dense", layer.ModelDim, layer.DenseHidden, init);
        // The loop runs the same weights, so both MoE figures are for the same routing.
        using var loop = Copy(moe, layer, device, DispatchKernel.Loop);
        var load = MeasureLoad(moe, input);

        // Interleaved rounds: whatever else the machine does at the time slows every contender alike.
        var timings = Interleaved(options.Repetitions, device,
            () => a.matmul(b).Dispose(),
            LayerStep(moe, input, outputGradient),
            LayerStep(dense, input, outputGradient),
            kernel == DispatchKernel.Loop ? null : LayerStep(loop, input, outputGradient));
        var (matmulSeconds, moeSeconds, denseSeconds) = (timings[0]!.Value, timings[1]!.Value, timings[2]!.Value);

        var matmulGflops = 2.0 * Math.Pow(options.MatmulSize, 3) / matmulSeconds / 1e9;
        var moeFlops = ModelFlops.FeedForwardLayer(layer, options.Tokens, moe: true);
        var denseFlops = ModelFlops.FeedForwardLayer(layer, options.Tokens, moe: false);
        return new MoeBenchResult(
            MatmulGflops: Round(matmulGflops),
            MoeMs: Round(moeSeconds * 1e3),
            DenseMs: Round(denseSeconds * 1e3),
            MoeOverDense: Round(moeSeconds / denseSeconds, 3),
            MoeGflops: Round(moeFlops / moeSeconds / 1e9),
            DenseGflops: Round(denseFlops / denseSeconds / 1e9),
            MoeOverMatmulRate: Round(moeFlops / moeSeconds / 1e9 / matmulGflops, 3),
            LoopMs: timings[3] is { } l ? Round(l * 1e3) : null,
            Dispatch: DispatchKernels.Name(kernel),
            Tokens: options.Tokens,
            Threads: threads,
            Device: device.ToString(),
            Repetitions: options.Repetitions,
            MatmulSize: options.MatmulSize,
            ExpertLoadMaxOverMean: Round(load.MaxOverMean, 3),
            Preset: options.Preset,
            Config: layer);
    }

    /// <summary>Forward and backward of one layer, parameter gradients included (as in training).</summary>
    private static Action LayerStep(nn.Module<Tensor, Tensor> layer, Tensor input, Tensor outputGradient)
    {
        layer.train();
        var parameters = layer.parameters().ToArray();
        return () =>
        {
            using var scope = NewDisposeScope();
            foreach (var p in parameters)
            {
                p.grad = null;
            }
            var x = input.detach().requires_grad_(true);
            layer.forward(x).backward([outputGradient]);
        };
    }

    /// <summary>Median seconds of each action (null stays null), timed in interleaved rounds after three warm-up rounds.</summary>
    private static double?[] Interleaved(int repetitions, Device device, params Action?[] actions)
    {
        var times = actions.Select(_ => new double[repetitions]).ToArray();
        for (var round = -3; round < repetitions; round++)
        {
            for (var i = 0; i < actions.Length; i++)
            {
                if (actions[i] is not { } action)
                {
                    continue;
                }
                var clock = Stopwatch.StartNew();
                action();
                Synchronize(device);
                if (round >= 0)
                {
                    times[i][round] = clock.Elapsed.TotalSeconds;
                }
            }
        }
        return actions.Select((action, i) =>
        {
            if (action is null)
            {
                return (double?)null;
            }
            Array.Sort(times[i]);
            return times[i][repetitions / 2];
        }).ToArray();
    }

    private sealed record ExpertLoad(double MaxOverMean);

    /// <summary>How evenly the untrained router spread the bench tokens: the dispatch cost depends on it.</summary>
    private static ExpertLoad MeasureLoad(MoeFeedForward moe, Tensor input)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        moe.Router.TakeLoad();
        moe.forward(input);
        var load = moe.Router.TakeLoad();
        return new ExpertLoad(load.Max() / load.Average());
    }

    private static MoeFeedForward Copy(MoeFeedForward source, ModelOptions layer, Device device, DispatchKernel kernel)
    {
        var copy = new MoeFeedForward("moe", layer, new ParameterInit(layer.InitStd, 1, device), device, kernel);
        using var noGrad = no_grad();
        foreach (var (from, to) in source.parameters().Zip(copy.parameters()))
        {
            to.copy_(from);
        }
        return copy;
    }

    private static void Synchronize(Device device)
    {
        if (device.type == TorchSharp.DeviceType.CUDA)
        {
            cuda.synchronize();
        }
    }

    private static double Round(double value, int digits = 2) => Math.Round(value, digits);
}

internal sealed record MoeBenchOptions(ModelOptions Layer, string Preset, int Tokens, int Threads, int Repetitions, int MatmulSize, bool CompareLoop, long Seed);

/// <summary>
/// The figures of <c>lab bench moe</c>. <c>moe_gflops</c> counts only useful work (6 FLOPs per active weight and
/// token, router included), so routing and data movement show up as a lower rate, not as extra FLOPs.
/// </summary>
internal sealed record MoeBenchResult(
    double MatmulGflops,
    double MoeMs,
    double DenseMs,
    double MoeOverDense,
    double MoeGflops,
    double DenseGflops,
    double MoeOverMatmulRate,
    double? LoopMs,
    string Dispatch,
    int Tokens,
    int Threads,
    string Device,
    int Repetitions,
    int MatmulSize,
    double ExpertLoadMaxOverMean,
    string Preset,
    ModelOptions Config);
