using Lab.Training;
using TorchSharp;

namespace Lab.Training.Tests;

/// <summary>TorchSharp's native library loads on this machine (see build/TorchSharpNative.targets) and computes.</summary>
public sealed class TorchSharpLoadsTests
{
    [Fact]
    public void A_matrix_product_computes_the_right_numbers()
    {
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = torch.tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using var product = torch.matmul(a, b);

        Assert.Equal(new float[] { 19, 22, 43, 50 }, product.data<float>().ToArray());
    }

    [Fact]
    public void The_machine_offers_at_least_one_device()
    {
        var devices = ComputeDevices.Discover();

        Assert.NotEmpty(devices);
        Assert.All(devices, d => Assert.Contains(d.Kind, new[] { "cpu", "cuda" }));
    }
}
