using static TorchSharp.torch;

namespace Lab.Training.Model;

/// <summary>
/// <c>torch._grouped_mm</c>: rows of <c>a</c> sorted by group, times that group's matrix of <c>b</c>, in one native call
/// forward and backward. TorchSharp has no binding, so it is reached through a one-line TorchScript function.
/// Needs int32 running-total offsets and 16-byte aligned strides (fp32: widths a multiple of 4).
/// </summary>
public static class GroupedMatmul
{
    // TorchScript's parser wants the source to end with a line break, which a raw string literal drops.
    private const string Script = """
        def grouped_mm(a: Tensor, b: Tensor, offsets: Tensor) -> Tensor:
            return torch._grouped_mm(a, b, offsets)

        """;

    private static readonly Lazy<(jit.CompilationUnit? Unit, string? Problem)> Compiled = new(Compile);

    /// <summary>Why the grouped kernel cannot be used here, or null when it can.</summary>
    public static string? Unavailable(Device device)
    {
        var (unit, problem) = Compiled.Value;
        return unit is null ? problem : SmokeTest(unit, device);
    }

    /// <summary>a: [rows, k] sorted by group; b: [groups, k, n]; offsets: int32 [groups] running totals of rows.</summary>
    public static Tensor Multiply(Tensor a, Tensor b, Tensor offsets) =>
        Compiled.Value.Unit!.invoke<Tensor>("grouped_mm", a, b, offsets);

    /// <summary>Whether tensors of these widths meet the kernel's 16-byte stride alignment in fp32.</summary>
    public static bool Aligned(params int[] widths) => widths.All(w => w % 4 == 0);

    private static (jit.CompilationUnit?, string?) Compile()
    {
        try
        {
            return (jit.compile(Script), null);
        }
        catch (Exception e)
        {
            return (null, $"TorchScript could not compile torch._grouped_mm: {e.Message}");
        }
    }

    /// <summary>Compiling proves the op is declared, not that this build and device implement it for fp32: try it once.</summary>
    private static string? SmokeTest(jit.CompilationUnit unit, Device device)
    {
        try
        {
            using var scope = NewDisposeScope();
            var a = ones(4, 4, device: device);
            var b = ones(2, 4, 4, device: device);
            var offsets = tensor(new[] { 1, 4 }, dtype: ScalarType.Int32, device: device);
            var product = unit.invoke<Tensor>("grouped_mm", a, b, offsets);
            return product.shape.SequenceEqual(new long[] { 4, 4 }) && product.sum().item<float>() == 64
                ? null
                : "torch._grouped_mm returned a wrong result";
        }
        catch (Exception e)
        {
            return $"torch._grouped_mm failed on {device}: {e.Message}";
        }
    }
}
