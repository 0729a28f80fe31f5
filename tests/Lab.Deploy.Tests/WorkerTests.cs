using System.Globalization;
using System.Text.RegularExpressions;
using Lab.Deploy.Tests.Model;

namespace Lab.Deploy.Tests;

public sealed partial class WorkerTests
{
    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void A_stopping_worker_outlives_its_runs_last_checkpoint(string render)
    {
        var rendered = Renders.Get(render);
        var worker = rendered.Workload("lab-worker");
        var configured = rendered.ValueOf(worker.ContainerNamed("worker"), "Worker__StopTimeout");
        var stopTimeout = configured is null ? DefaultStopTimeout() : TimeSpan.Parse(configured, CultureInfo.InvariantCulture);

        var grace = TimeSpan.FromSeconds(worker.PodSpec.Int("terminationGracePeriodSeconds") ?? 30);

        // The worker's own shutdown (reporting the stopped runs) needs a little time after the runs' timeout.
        Assert.True(grace >= stopTimeout + TimeSpan.FromSeconds(15), $"grace {grace} against a stop timeout of {stopTimeout}");
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Checkpoints_are_written_to_the_claim_every_worker_shares(string render)
    {
        var rendered = Renders.Get(render);
        var worker = rendered.Workload("lab-worker");
        var container = worker.ContainerNamed("worker");
        var root = rendered.ValueOf(container, "Worker__CheckpointRoot");

        var mount = container.Mounts.SingleOrDefault(m => m.Str("mountPath") == root);
        Assert.True(mount is not null, $"Worker__CheckpointRoot={root} is on no volume");
        var claim = worker.Volume(mount!.Str("name")!)?.Str("persistentVolumeClaim.claimName");
        Assert.NotNull(claim);
        var modes = rendered.Find("PersistentVolumeClaim", claim)?.Strings("spec.accessModes").ToList();
        Assert.NotNull(modes);
        // ReadWriteMany lets workers on every node resume each other's runs; a dev cluster of one node shares ReadWriteOnce.
        Assert.Contains(render == Renders.Dev ? "ReadWriteOnce" : "ReadWriteMany", modes);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Workers_register_with_the_token_the_API_makes_the_first_operators(string render)
    {
        var rendered = Renders.Get(render);
        string? Ref(string workload, string container, string variable) => rendered.Workload(workload).ContainerNamed(container).Spec
            .Array("env").SingleOrDefault(v => v.Str("name") == variable)?.Obj("valueFrom.secretKeyRef")?.ToJsonString();

        var worker = Ref("lab-worker", "worker", "Worker__Token");

        Assert.NotNull(worker);
        Assert.Equal(Ref("lab-api", "api", "Lab__Bootstrap__Token"), worker);
    }

    [Fact]
    public void Production_workers_run_on_GPU_nodes_with_their_GPUs()
    {
        var worker = Renders.Get(Renders.Prod).Workload("lab-worker");

        Assert.Equal("true", worker.PodSpec.Obj("nodeSelector")?["nvidia.com/gpu.present"]?.ToString());
        Assert.Contains(worker.PodSpec.Array("tolerations"), t => t.Str("key") == "nvidia.com/gpu" && t.Str("effect") == "NoSchedule");
        var gpus = worker.ContainerNamed("worker").Spec.Obj("resources.limits")?["nvidia.com/gpu"]?.ToString();
        Assert.True(gpus is not null && Quantity.Parse(gpus) >= 1, $"nvidia.com/gpu limit {gpus}");
    }

    [Theory]
    [InlineData(Renders.Base)]
    [InlineData(Renders.Dev)]
    public void Without_the_GPU_component_workers_offer_any_node_and_its_CPUs(string render)
    {
        var worker = Renders.Get(render).Workload("lab-worker");

        Assert.Null(worker.PodSpec["nodeSelector"]);
        Assert.Null(worker.ContainerNamed("worker").Spec.Obj("resources.limits")?["nvidia.com/gpu"]);
    }

    /// <summary>WorkerOptions.StopTimeout's default, as its source declares it.</summary>
    private static TimeSpan DefaultStopTimeout()
    {
        var source = Projects.Named("Lab.Worker").Source;
        var match = StopTimeoutDefault().Match(source);
        Assert.True(match.Success, "WorkerOptions.StopTimeout's default is no longer TimeSpan.FromSeconds(N)");
        return TimeSpan.FromSeconds(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"StopTimeout\s*\{\s*get;\s*set;\s*\}\s*=\s*TimeSpan\.FromSeconds\((\d+)\)")]
    private static partial Regex StopTimeoutDefault();
}
