using Lab.Deploy.Tests.Model;

namespace Lab.Deploy.Tests;

public sealed class ImageTests
{
    /// <summary>Images that are not Lab's own, and why they are there.</summary>
    private static readonly Dictionary<string, string> ThirdParty = new()
    {
        ["postgres"] = "PostgreSQL of the dev overlay",
    };

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_image_is_a_projects_container_repository_or_a_known_third_party_image_with_a_version(string render)
    {
        var strangers = Renders.Get(render).Workloads.SelectMany(w => w.Containers)
            .Where(c => Projects.ForImage(c.Image) is null)
            .Where(c => !ThirdParty.ContainsKey(Images.Repository(c.Image)) || Images.Tag(c.Image) is null or "latest")
            .Select(c => $"{c}: {c.Image}");

        Assert.Empty(strangers);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_containerised_project_runs(string render)
    {
        var running = Renders.Get(render).LabContainers.Select(c => c.Project.Name).ToHashSet();

        Assert.Equal(["Lab.Api", "Lab.Gateway", "Lab.Portal", "Lab.Worker"], Projects.Containerised.Select(p => p.Name).Order());
        Assert.All(Projects.Containerised, p => Assert.Contains(p.Name, running));
    }

    [Fact]
    public void Production_pins_every_image_to_a_release_in_a_registry()
    {
        var unpinned = Renders.Get(Renders.Prod).Workloads.SelectMany(w => w.Containers)
            .Where(c => Images.Registry(c.Image) is null || (Images.Digest(c.Image) is null && Images.Tag(c.Image) is null or "latest"))
            .Select(c => $"{c}: {c.Image}");

        Assert.Empty(unpinned);
    }

    [Theory]
    [InlineData(Renders.Dev)]
    [InlineData(Renders.Prod)]
    public void Overlays_name_a_tag_other_than_latest_so_nodes_use_the_image_they_have(string render)
    {
        // Kubernetes pulls a :latest (or untagged) image on every start: an image loaded into a dev cluster would be ignored.
        var floating = Renders.Get(render).LabContainers
            .Where(c => Images.Digest(c.Container.Image) is null && Images.Tag(c.Container.Image) is null or "latest")
            .Select(c => $"{c.Container}: {c.Container.Image}");

        Assert.Empty(floating);
    }

    [Fact]
    public void The_worker_image_carries_the_training_engine_its_runs_need()
    {
        var closure = Projects.Named("Lab.Worker").Closure;

        Assert.Contains(closure, p => p.Name == "Lab.Training");
        Assert.Contains(closure, p => p.PackageReferences.Any(r => r.StartsWith("TorchSharp", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_API_image_carries_no_libtorch()
    {
        var closure = Projects.Named("Lab.Api").Closure;

        Assert.DoesNotContain(closure, p => p.PackageReferences.Any(r => r.StartsWith("TorchSharp", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("lab/api:latest", "lab/api", null, "latest")]
    [InlineData("registry.example.org/lab/api:1.0.0", "lab/api", "registry.example.org", "1.0.0")]
    [InlineData("127.0.0.1:5000/lab/worker:10", "lab/worker", "127.0.0.1:5000", "10")]
    [InlineData("registry.example.org/lab/api@sha256:0123", "lab/api", "registry.example.org", null)]
    [InlineData("postgres:15", "postgres", null, "15")]
    public void Image_references_are_read_as_registry_repository_and_tag(string image, string repository, string? registry, string? tag)
    {
        Assert.Equal(repository, Images.Repository(image));
        Assert.Equal(registry, Images.Registry(image));
        Assert.Equal(tag, Images.Tag(image));
    }
}
