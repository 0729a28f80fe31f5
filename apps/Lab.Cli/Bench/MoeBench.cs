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

        var matmulSeconds = TimeMatmul(options.MatmulSize, device, options.Repetitions);
        var matmulGflops = 2.0 * Math.Pow(options.MatmulSize, 3) / matmulSeconds / 1e9;

        using var input = randn([options.Tokens, layer.ModelDim], device: device);
        using var outputGradient = randn([options.Tokens, layer.ModelDim], device: device);
        var init = new ParameterInit(layer.InitStd, 1, device);

        var kernel = ChooseKernel(layer, device);
        double moeSeconds;
        ExpertLoad load;
        using (var moe = new MoeFeedForward("moe", layer, init, device, kernel))
        {
            moeSeconds = TimeLayer(moe, input, outputGradient, options.Repetitions);
            load = MeasureLoad(moe, input);
        }
        double denseSeconds;
        using (var dense = new SwiGlu("dense", layer.ModelDim, layer.DenseHidden, init))
        {
            denseSeconds = TimeLayer(dense, input, outputGradient, options.Repetitions);
        }
        double? loopSeconds = null;
        if (kernel != DispatchKernel.Loop && options.CompareLoop)
        {
            using var loop = new MoeFeedForward("moe", layer, init, device, DispatchKernel.Loop);
            loopSeconds = TimeLayer(loop, input, outputGradient, options.Repetitions);
        }

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
            LoopMs: loopSeconds is { } l ? Round(l * 1e3) : null,
            Dispatch: kernel == DispatchKernel.GroupedMatmul ? "grouped_mm" : "loop",
            Tokens: options.Tokens,
            Threads: threads,
            Device: device.ToString(),
            Repetitions: options.Repetitions,
            MatmulSize: options.MatmulSize,
            ExpertLoadMaxOverMean: Round(load.MaxOverMean, 3),
            Preset: options.Preset,
            Config: layer);
    }

    private static double TimeMatmul(int size, Device device, int repetitions)
    {
        using var a = randn([size, size], device: device);
        using var b = randn([size, size], device: device);
        return Median(repetitions, () =>
        {
            using var product = a.matmul(b);
            Synchronize(device);
        });
    }

    /// <summary>Forward and backward of one layer, parameter gradients included (as in training).</summary>
    private static double TimeLayer(nn.Module<Tensor, Tensor> layer, Tensor input, Tensor outputGradient, int repetitions)
    {
        layer.train();
        var parameters = layer.parameters().ToArray();
        return Median(repetitions, () =>
        {
            using var scope = NewDisposeScope();
            foreach (var p in parameters)
            {
                p.grad = null;
            }
            var x = input.detach().requires_grad_(true);
            var y = layer.forward(x);
            y.backward([outputGradient]);
            Synchronize(input.device);
        });
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

    private static DispatchKernel ChooseKernel(ModelOptions layer, Device device) =>
        layer.Dispatch == DispatchKernel.GroupedMatmul
        && GroupedMatmul.Aligned(layer.ModelDim, layer.ExpertHidden)
        && GroupedMatmul.Unavailable(device) is null
            ? DispatchKernel.GroupedMatmul
            : DispatchKernel.Loop;

    private static double Median(int repetitions, Action action)
    {
        for (var i = 0; i < 3; i++)
        {
            action();
        }
        var times = new double[repetitions];
        for (var i = 0; i < repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[repetitions / 2];
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
