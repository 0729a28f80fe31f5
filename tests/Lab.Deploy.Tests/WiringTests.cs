using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lab.Deploy.Tests.Model;

namespace Lab.Deploy.Tests;

public sealed partial class WiringTests
{
    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_workload_selects_its_own_pods_and_only_them(string render)
    {
        var workloads = Renders.Get(render).Workloads;
        var problems = workloads
            .Where(w => w.Selector.Count == 0 || !Labels.Match(w.Selector, w.PodLabels))
            .Select(w => $"{w}: selector does not match its pod template")
            .Concat(from w in workloads
                    from other in workloads
                    where w != other && Labels.Match(w.Selector, other.PodLabels)
                    select $"{w}: selector also matches the pods of {other}");

        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_Service_sends_to_a_port_its_pods_declare(string render)
    {
        var rendered = Renders.Get(render);
        var problems = new List<string>();
        foreach (var service in rendered.OfKind("Service"))
        {
            var name = service.Str("metadata.name");
            var selected = rendered.Selected(Labels.Of(service.At("spec.selector"))).ToList();
            if (selected.Count == 0 || service.At("spec.selector") is null)
            {
                problems.Add($"Service {name} selects no pods");
            }
            foreach (var port in service.Array("spec.ports"))
            {
                var target = port["targetPort"] ?? port["port"];
                problems.AddRange(selected
                    .Where(w => w.Containers.All(c => c.Resolve(target) is null))
                    .Select(w => $"Service {name}: {w} has no port {target}"));
            }
        }

        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_disruption_budget_and_network_policy_selects_existing_pods_and_ports(string render)
    {
        var rendered = Renders.Get(render);
        var problems = new List<string>();
        foreach (var budget in rendered.OfKind("PodDisruptionBudget"))
        {
            if (!rendered.Workloads.Any(w => Labels.Match(budget.At("spec.selector"), w.PodLabels)))
            {
                problems.Add($"PodDisruptionBudget {budget.Str("metadata.name")} selects no pods");
            }
        }
        foreach (var policy in rendered.OfKind("NetworkPolicy"))
        {
            var name = policy.Str("metadata.name");
            var targets = rendered.Workloads.Where(w => Labels.Match(policy.At("spec.podSelector"), w.PodLabels)).ToList();
            if (targets.Count == 0)
            {
                problems.Add($"NetworkPolicy {name} selects no pods");
            }
            foreach (var rule in policy.Array("spec.ingress"))
            {
                problems.AddRange(rule.Array("from")
                    .Where(peer => peer["namespaceSelector"] is null && peer["ipBlock"] is null)
                    .Where(peer => !rendered.Workloads.Any(w => Labels.Match(peer["podSelector"], w.PodLabels)))
                    .Select(peer => $"NetworkPolicy {name}: {peer.ToJsonString()} matches no pods"));
                problems.AddRange(from port in rule.Array("ports")
                                  from target in targets
                                  where target.Containers.All(c => c.Resolve(port["port"]) is null)
                                  select $"NetworkPolicy {name}: {target} has no port {port["port"]}");
            }
        }

        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_Ingress_backend_is_a_port_of_a_Service(string render)
    {
        var rendered = Renders.Get(render);
        var broken = rendered.OfKind("Ingress")
            .SelectMany(ingress => ingress.Array("spec.rules").SelectMany(rule => rule.Array("http.paths")))
            .Select(path => path.Obj("backend.service")!)
            .Where(backend => rendered.Find("Service", backend.Str("name")!) is not { } service
                || !service.Array("spec.ports").Any(p => p.Str("name") == backend.Str("port.name") || p.Int("port") == backend.Int("port.number")))
            .Select(backend => backend.ToJsonString());

        Assert.Empty(broken);
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_referenced_Secret_ConfigMap_and_claim_is_rendered_or_one_the_operator_is_told_to_create(string render)
    {
        var rendered = Renders.Get(render);
        var operatorSecrets = render == Renders.Dev ? [] : SecretsTheReadmeCreates();
        var problems = References(rendered)
            .Where(r => rendered.Find(r.Kind, r.Name) is { } found
                ? r.Key is not null && found.Obj("data")?[r.Key] is null
                : r.Kind != "Secret" || !operatorSecrets.Contains(r.Name))
            .Select(r => $"{r.From}: {r.Kind} {r.Name}{(r.Key is null ? "" : $" key {r.Key}")} is neither rendered nor created by the operator");

        Assert.Empty(problems);
    }

    [Fact]
    public void The_README_creates_exactly_the_secrets_production_expects()
    {
        var rendered = Renders.Get(Renders.Prod);
        var expected = References(rendered).Where(r => r.Kind == "Secret" && rendered.Find("Secret", r.Name) is null).Select(r => r.Name);

        Assert.Equal(expected.Distinct().Order(), SecretsTheReadmeCreates().Order());
    }

    private sealed record Reference(string From, string Kind, string Name, string? Key);

    private static IEnumerable<Reference> References(Render rendered)
    {
        foreach (var workload in rendered.Workloads)
        {
            foreach (var container in workload.Containers)
            {
                foreach (var variable in container.Spec.Array("env"))
                {
                    if (variable.Obj("valueFrom.secretKeyRef") is { } secret)
                    {
                        yield return new(container.ToString(), "Secret", secret.Str("name")!, secret.Str("key"));
                    }
                    if (variable.Obj("valueFrom.configMapKeyRef") is { } map)
                    {
                        yield return new(container.ToString(), "ConfigMap", map.Str("name")!, map.Str("key"));
                    }
                }
                foreach (var source in container.Spec.Array("envFrom"))
                {
                    if (source.Str("secretRef.name") is { } secret)
                    {
                        yield return new(container.ToString(), "Secret", secret, null);
                    }
                    if (source.Str("configMapRef.name") is { } map)
                    {
                        yield return new(container.ToString(), "ConfigMap", map, null);
                    }
                }
            }
            foreach (var volume in workload.PodSpec.Array("volumes"))
            {
                if (volume.Str("secret.secretName") is { } secret)
                {
                    yield return new(workload.ToString(), "Secret", secret, null);
                }
                if (volume.Str("configMap.name") is { } map)
                {
                    yield return new(workload.ToString(), "ConfigMap", map, null);
                }
                if (volume.Str("persistentVolumeClaim.claimName") is { } claim)
                {
                    yield return new(workload.ToString(), "PersistentVolumeClaim", claim, null);
                }
            }
        }
        foreach (var ingress in rendered.OfKind("Ingress"))
        {
            foreach (var tls in ingress.Array("spec.tls"))
            {
                yield return new($"Ingress {ingress.Str("metadata.name")}", "Secret", tls.Str("secretName")!, null);
            }
        }
    }

    /// <summary>The secrets infra/README.md tells the operator to create (<c>kubectl -n lab create secret KIND NAME</c>).</summary>
    private static HashSet<string> SecretsTheReadmeCreates() =>
        [.. CreateSecret().Matches(Repository.ReadText("infra", "README.md")).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"kubectl\s+(?:-n\s+\S+\s+)?create\s+secret\s+(?:generic|tls)\s+([a-z0-9-]+)")]
    private static partial Regex CreateSecret();
}
