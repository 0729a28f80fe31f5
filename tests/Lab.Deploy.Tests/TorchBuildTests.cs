using Lab.Deploy.Tests.Model;

namespace Lab.Deploy.Tests;

/// <summary>
/// The CUDA build switch: <c>-p:LabTorch=cuda</c> builds the training engine, and so the worker, with TorchSharp's CUDA
/// package, and the worker as the GPU worker image that the GPU component runs; without it, everything is the CPU
/// build. Read from MSBuild's own evaluation of the projects, so a build with the switch is what is checked (the CUDA
/// package is not restorable on the machines that run these tests).
/// </summary>
// Real processes (dotnet msbuild): Lab.Testing.TestSpeed's slow trait, spelled out (this project does not reference Lab.Testing).
[Trait("Speed", "Slow")]
public sealed class TorchBuildTests
{
    private const string Training = "libs/Lab.Training/Lab.Training.csproj";
    private const string Worker = "services/Lab.Worker/Lab.Worker.csproj";

    [Theory]
    [InlineData(null, "TorchSharp-cpu")]
    [InlineData("cpu", "TorchSharp-cpu")]
    [InlineData("cuda", "TorchSharp-cuda-linux")]
    public void The_training_library_references_the_libtorch_build_that_LabTorch_names(string? torch, string package)
    {
        var torchSharp = MsBuild.Items(Training, torch, "PackageReference")
            .Select(i => (string)i["Identity"]!)
            .Where(p => p.StartsWith("TorchSharp", StringComparison.Ordinal));

        Assert.Equal([package], torchSharp);
        Assert.Equal(torch ?? "cpu", MsBuild.Property(Training, torch, "LabTorch"));
    }

    [Fact]
    public void Only_the_training_library_references_TorchSharp_so_the_switch_covers_every_program_that_trains()
    {
        var referencing = Projects.All.Where(p => p.PackageReferences.Any(r => r.StartsWith("TorchSharp", StringComparison.Ordinal)))
            .Select(p => p.Name);

        Assert.Equal(["Lab.Training"], referencing);
        Assert.Contains(Projects.Named("Lab.Worker").Closure, p => p.Name == "Lab.Training");
        Assert.Contains(Projects.Named("Lab.Cli").Closure, p => p.Name == "Lab.Training");
    }

    [Fact]
    public void The_CUDA_build_keeps_its_restore_and_output_apart_from_the_CPU_build()
    {
        var folder = Repository.PathOf("libs", "Lab.Training");
        string Full(string property, string? torch) => Path.GetFullPath(MsBuild.Property(Training, torch, property), folder);

        Assert.NotEqual(Full("BaseIntermediateOutputPath", null), Full("BaseIntermediateOutputPath", "cuda"));
        Assert.NotEqual(Full("BaseOutputPath", null), Full("BaseOutputPath", "cuda"));
        // Inside the CPU build's obj and bin, which the CPU build already leaves out of its sources and Git ignores.
        Assert.StartsWith(Path.Combine(folder, "obj") + Path.DirectorySeparatorChar, Full("BaseIntermediateOutputPath", "cuda"), StringComparison.Ordinal);
        Assert.StartsWith(Path.Combine(folder, "bin") + Path.DirectorySeparatorChar, Full("BaseOutputPath", "cuda"), StringComparison.Ordinal);
        // ...and the CUDA build leaves the CPU build's generated files out of its own.
        var generated = MsBuild.Items(Training, "cuda", "Compile").Select(i => (string)i["FullPath"]!)
            .Where(f => f.StartsWith(Path.Combine(folder, "obj"), StringComparison.Ordinal) || f.StartsWith(Path.Combine(folder, "bin"), StringComparison.Ordinal));
        Assert.Empty(generated);
    }

    [Fact]
    public void The_GPU_component_runs_the_worker_image_of_the_CUDA_build_and_the_others_the_CPU_build()
    {
        var cpuImage = MsBuild.Property(Worker, null, "ContainerRepository");
        var cudaImage = MsBuild.Property(Worker, "cuda", "ContainerRepository");
        Assert.NotEqual(cpuImage, cudaImage);

        // Production has the GPU component; base and dev do not.
        Assert.Equal(cudaImage, Images.Repository(Renders.Get(Renders.Prod).Workload("lab-worker").ContainerNamed("worker").Image));
        Assert.Equal(cpuImage, Images.Repository(Renders.Get(Renders.Base).Workload("lab-worker").ContainerNamed("worker").Image));
        Assert.Equal(cpuImage, Images.Repository(Renders.Get(Renders.Dev).Workload("lab-worker").ContainerNamed("worker").Image));
    }

    [Fact]
    public void The_GPU_worker_image_asks_the_container_runtime_for_CUDA_and_NVML()
    {
        string? Capabilities(string? torch) => MsBuild.Items(Worker, torch, "ContainerEnvironmentVariable")
            .SingleOrDefault(v => (string)v["Identity"]! == "NVIDIA_DRIVER_CAPABILITIES")?["Value"]?.GetValue<string>();

        Assert.Equal(["compute", "utility"], Capabilities("cuda")?.Split(',').Order());
        Assert.Null(Capabilities(null));
    }

    [Fact]
    public void A_LabTorch_that_names_no_libtorch_build_is_refused()
    {
        var (exitCode, output) = MsBuild.RunTarget(Training, "rocm", "LabCheckTorchBuild");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("LabTorch is 'rocm'", output, StringComparison.Ordinal);
    }
}
