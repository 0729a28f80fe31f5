using Lab.Deploy.Tests.Model;

namespace Lab.Deploy.Tests;

public sealed class SecurityTests
{
    /// <summary>The non-root user of .NET's container images (<c>app</c>), which Lab's base image creates too.</summary>
    private const int AppUser = 1654;

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_container_requests_and_is_limited_in_cpu_and_memory(string render)
    {
        var problems = new List<string>();
        foreach (var container in Renders.Get(render).Workloads.SelectMany(w => w.Containers))
        {
            foreach (var resource in new[] { "cpu", "memory" })
            {
                var request = container.Spec.Str($"resources.requests.{resource}");
                var limit = container.Spec.Str($"resources.limits.{resource}");
                if (request is null || limit is null)
                {
                    problems.Add($"{container}: {resource} request {request ?? "missing"}, limit {limit ?? "missing"}");
                }
                else if (Quantity.Parse(request) > Quantity.Parse(limit))
                {
                    problems.Add($"{container}: {resource} request {request} is above its limit {limit}");
                }
            }
        }

        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_container_runs_as_a_non_root_user_without_privileges_on_a_read_only_root(string render)
    {
        var problems = new List<string>();
        foreach (var workload in Renders.Get(render).Workloads)
        {
            var pod = workload.PodSpec;
            foreach (var container in workload.Containers)
            {
                var spec = container.Spec;
                bool? Effective(string field) => spec.Bool($"securityContext.{field}") ?? pod.Bool($"securityContext.{field}");
                var user = spec.Int("securityContext.runAsUser") ?? pod.Int("securityContext.runAsUser");
                var seccomp = spec.Str("securityContext.seccompProfile.type") ?? pod.Str("securityContext.seccompProfile.type");

                if (Effective("runAsNonRoot") != true || user is null or 0)
                {
                    problems.Add($"{container}: runAsNonRoot {Effective("runAsNonRoot")}, runAsUser {user}");
                }
                if (spec.Bool("securityContext.allowPrivilegeEscalation") != false || spec.Bool("securityContext.privileged") == true)
                {
                    problems.Add($"{container}: may gain privileges");
                }
                if (spec.Bool("securityContext.readOnlyRootFilesystem") != true)
                {
                    problems.Add($"{container}: writable root filesystem");
                }
                if (!spec.Strings("securityContext.capabilities.drop").Contains("ALL") || spec.Strings("securityContext.capabilities.add").Any())
                {
                    problems.Add($"{container}: keeps or adds capabilities");
                }
                if (seccomp != "RuntimeDefault")
                {
                    problems.Add($"{container}: seccomp profile {seccomp ?? "unset"}");
                }
            }
        }

        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Lab_containers_run_as_the_images_app_user_with_a_writable_tmp(string render)
    {
        var problems = new List<string>();
        foreach (var (container, _) in Renders.Get(render).LabContainers)
        {
            var user = container.Spec.Int("securityContext.runAsUser") ?? container.Pod.PodSpec.Int("securityContext.runAsUser");
            if (user != AppUser)
            {
                problems.Add($"{container}: runs as {user}, not {AppUser}");
            }
            var tmp = container.Mounts.FirstOrDefault(m => m.Str("mountPath") == "/tmp");
            if (tmp is null || container.Pod.Volume(tmp.Str("name")!)?["emptyDir"] is null || tmp.Bool("readOnly") == true)
            {
                problems.Add($"{container}: no writable emptyDir at /tmp (.NET writes its temporary files and diagnostics socket there)");
            }
        }

        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void No_pod_gets_a_service_account_token_or_service_link_variables(string render)
    {
        var problems = Renders.Get(render).Workloads
            .Where(w => w.PodSpec.Bool("automountServiceAccountToken") != false || w.PodSpec.Bool("enableServiceLinks") != false)
            .Select(w => w.ToString());

        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void The_namespace_refuses_pods_below_the_restricted_pod_security_standard(string render)
    {
        var ns = Renders.Get(render).Find("Namespace", "lab");

        Assert.Equal("restricted", ns?.At("metadata.labels")?["pod-security.kubernetes.io/enforce"]?.ToString());
    }
}
