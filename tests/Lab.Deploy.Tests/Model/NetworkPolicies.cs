using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lab.Deploy.Tests.Model;

/// <summary>Where a connection comes from: a pod's namespace (with its labels) and the pod's labels.</summary>
public sealed record Peer(string Description, string Namespace, IReadOnlyDictionary<string, string> NamespaceLabels, IReadOnlyDictionary<string, string> PodLabels)
{
    public const string LabNamespace = "lab";

    public static Peer InLab(string description, IReadOnlyDictionary<string, string> labels) =>
        new(description, LabNamespace, NamespaceLabelsOf(LabNamespace), labels);

    public static Peer Elsewhere(string description, string ns, IReadOnlyDictionary<string, string> labels) =>
        new(description, ns, NamespaceLabelsOf(ns), labels);

    /// <summary>Kubernetes labels every namespace with its own name.</summary>
    private static Dictionary<string, string> NamespaceLabelsOf(string ns) => new() { ["kubernetes.io/metadata.name"] = ns };

    public override string ToString() => Description;
}

/// <summary>
/// NetworkPolicy ingress semantics: a pod selected by no policy accepts everything; a selected pod accepts a
/// connection only when some rule of some policy selecting it allows its source and port. An ipBlock is taken
/// to match every source, so a policy opened to addresses counts as open.
/// </summary>
public static class NetworkPolicies
{
    public static bool Allows(Render render, Peer from, Workload to, string portName)
    {
        var container = to.Containers.FirstOrDefault(c => c.Ports.Any(p => p.Name == portName))
            ?? throw new InvalidOperationException($"{to} has no port named {portName}.");
        var number = container.Ports.First(p => p.Name == portName).Number;

        var policies = render.OfKind("NetworkPolicy")
            .Where(p => (p.Str("metadata.namespace") ?? Peer.LabNamespace) == Peer.LabNamespace)
            .Where(p => Labels.Match(p["spec"]?["podSelector"], to.PodLabels))
            .Where(p => IsIngressPolicy(p))
            .ToList();
        return policies.Count == 0 || policies.SelectMany(p => p.Array("spec.ingress"))
            .Any(rule => SourceMatches(rule, from) && PortMatches(rule, portName, number));
    }

    private static bool IsIngressPolicy(JsonObject policy) =>
        policy.At("spec.policyTypes") is not JsonArray types || types.Any(t => t?.ToString() == "Ingress");

    private static bool SourceMatches(JsonObject rule, Peer from) =>
        rule.At("from") is not JsonArray peers || peers.Count == 0 || peers.OfType<JsonObject>().Any(peer =>
        {
            if (peer["ipBlock"] is not null)
            {
                return true;
            }
            var namespaceOk = peer["namespaceSelector"] is JsonObject namespaces
                ? Labels.Match(namespaces, from.NamespaceLabels)
                : from.Namespace == Peer.LabNamespace;
            var podOk = peer["podSelector"] is not JsonObject pods || Labels.Match(pods, from.PodLabels);
            return namespaceOk && podOk;
        });

    private static bool PortMatches(JsonObject rule, string portName, int number) =>
        rule.At("ports") is not JsonArray ports || ports.Count == 0 || ports.OfType<JsonObject>().Any(port =>
        {
            if ((port.Str("protocol") ?? "TCP") != "TCP")
            {
                return false;
            }
            return port["port"] switch
            {
                null => true,
                JsonValue value when value.GetValueKind() == JsonValueKind.String => value.ToString() == portName,
                JsonValue value => port.Int("endPort") is { } end
                    ? number >= value.GetValue<int>() && number <= end
                    : number == value.GetValue<int>(),
                _ => false,
            };
        });
}
