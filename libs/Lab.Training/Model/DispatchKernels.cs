using Lab.Training.Configuration;
using static TorchSharp.torch;

namespace Lab.Training.Model;

/// <summary>Which dispatch kernel a model's MoE layers use on a device: the one place that decides, for training and benchmarks alike.</summary>
public static class DispatchKernels
{
    /// <summary>
    /// The kernel for <paramref name="options"/> on <paramref name="device"/>, and why the requested one could not be
    /// used (null when it could): grouped_mm falls back to the per-expert loop where this build, this device or these
    /// widths cannot run it.
    /// </summary>
    public static (DispatchKernel Kernel, string? Warning) Choose(ModelOptions options, Device device)
    {
        if (options.Dispatch != DispatchKernel.GroupedMatmul)
        {
            return (options.Dispatch, null);
        }
        var problem = !GroupedMatmul.Aligned(options.ModelDim, options.ExpertHidden)
            ? $"model_dim ({options.ModelDim}) and expert_hidden ({options.ExpertHidden}) must be multiples of 4 for grouped_mm"
            : GroupedMatmul.Unavailable(device);
        return problem is null ? (DispatchKernel.GroupedMatmul, null) : (DispatchKernel.Loop, $"{problem}; using the per-expert loop");
    }

    /// <summary>The name reports and benchmarks show for a kernel.</summary>
    public static string Name(DispatchKernel kernel) => kernel switch
    {
        DispatchKernel.GroupedMatmul => "grouped_mm",
        _ => "loop",
    };
}
