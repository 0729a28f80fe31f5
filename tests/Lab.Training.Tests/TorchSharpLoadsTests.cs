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
    public void The_machine_offers_one_device_per_GPU_or_one_CPU_device_with_its_cores_and_memory()
    {
        var devices = ComputeDevices.Discover();

        if (torch.cuda.is_available())
        {
            Assert.Equal(Enumerable.Range(0, torch.cuda.device_count()).Select(i => $"cuda:{i}"), devices.Select(d => d.Id));
            Assert.All(devices, d => Assert.Equal("cuda", d.Kind));
            return;
        }
        var cpu = Assert.Single(devices);
        Assert.Equal(("cpu:0", "cpu"), (cpu.Id, cpu.Kind));
        Assert.Contains($"{Environment.ProcessorCount} cores", cpu.Description, StringComparison.Ordinal);
        Assert.True(cpu.MemoryBytes > 0, "the CPU device reports no memory");
    }
}
