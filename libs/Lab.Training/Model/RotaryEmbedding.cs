using static TorchSharp.torch;

namespace Lab.Training.Model;

/// <summary>
/// Rotary position encoding tables shared by all attention layers. Not a module on purpose: the tables are derived
/// from the config, so they stay out of checkpoints.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor _cos;
    private readonly Tensor _sin;

    public RotaryEmbedding(int contextLength, int headDim, double theta, Device device)
    {
        using var scope = NewDisposeScope();
        var inverse = pow(theta, -arange(0, headDim, 2, dtype: ScalarType.Float64) / headDim);
        var angles = outer(arange(contextLength, dtype: ScalarType.Float64), inverse);
        var both = cat([angles, angles], 1);
        _cos = both.cos().to(ScalarType.Float32).to(device).MoveToOuterDisposeScope();
        _sin = both.sin().to(ScalarType.Float32).to(device).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Rotates <paramref name="x"/> of shape [batch, time, ..., head_dim] by each position's angles; its first row is
    /// at position <paramref name="start"/> (a decoder's step after the cached tokens).
    /// </summary>
    public Tensor Apply(Tensor x, long start = 0)
    {
        var time = x.shape[1];
        var shape = new long[x.dim() - 1];
        shape[0] = time;
        Array.Fill(shape, 1, 1, shape.Length - 2);
        shape[^1] = x.shape[^1];
        var cos = _cos.narrow(0, start, time).view(shape);
        var sin = _sin.narrow(0, start, time).view(shape);
        var halves = x.chunk(2, -1);
        var rotated = cat([-halves[1], halves[0]], -1);
        return x * cos + rotated * sin;
    }

    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }
}
