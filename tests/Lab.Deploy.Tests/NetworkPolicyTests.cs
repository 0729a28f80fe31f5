using Lab.Deploy.Tests.Model;

namespace Lab.Deploy.Tests;

/// <summary>Who may connect to whom, evaluated from the rendered NetworkPolicies.</summary>
public sealed class NetworkPolicyTests
{
    private const string IngressController = "the ingress controller";
    private const string Impostor = "a pod labelled app=lab-api in another namespace";
    private const string Stranger = "an unlabelled pod in the lab namespace";

    /// <summary>(from, to, port, allowed) for every render.</summary>
    private static readonly (string From, string To, string Port, bool Allowed)[] Everywhere =
    [
        (IngressController, "lab-gateway", "http", true),
        (Impostor, "lab-gateway", "http", false),
        (Stranger, "lab-gateway", "http", false),
        (IngressController, "lab-api", "http", false),
        (IngressController, "lab-portal", "http", false),
        (IngressController, "lab-worker", "http", false),
        ("lab-gateway", "lab-portal", "http", true),
        ("lab-gateway", "lab-api", "http", true),
        ("lab-portal", "lab-api", "http", true),
        ("lab-worker", "lab-api", "http", true),
        ("lab-api", "lab-api", "silo", true),
        ("lab-worker", "lab-api", "silo", false),
        ("lab-gateway", "lab-api", "silo", false),
        ("lab-portal", "lab-api", "silo", false),
        (Impostor, "lab-api", "silo", false),
        (Impostor, "lab-api", "http", false),
        (Stranger, "lab-api", "http", false),
        (Stranger, "lab-api", "silo", false),
        ("lab-worker", "lab-portal", "http", false),
        ("lab-api", "lab-worker", "http", false),
        ("lab-gateway", "lab-worker", "http", false),
    ];

    private static readonly (string From, string To, string Port, bool Allowed)[] DevDatabase =
    [
        ("lab-api", "lab-postgres", "postgres", true),
        ("lab-portal", "lab-postgres", "postgres", true),
        ("lab-worker", "lab-postgres", "postgres", false),
        ("lab-gateway", "lab-postgres", "postgres", false),
        (Stranger, "lab-postgres", "postgres", false),
        (Impostor, "lab-postgres", "postgres", false),
        (IngressController, "lab-postgres", "postgres", false),
    ];

    public static TheoryData<string, string, string, string, bool> Flows
    {
        get
        {
            var data = new TheoryData<string, string, string, string, bool>();
            foreach (var render in Renders.Names)
            {
                foreach (var (from, to, port, allowed) in Everywhere)
                {
                    data.Add(render, from, to, port, allowed);
                }
            }
            foreach (var (from, to, port, allowed) in DevDatabase)
            {
                data.Add(Renders.Dev, from, to, port, allowed);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Flows))]
    public void Only_the_intended_connections_are_allowed(string render, string from, string to, string port, bool allowed)
    {
        var rendered = Renders.Get(render);

        Assert.Equal(allowed, NetworkPolicies.Allows(rendered, PeerNamed(rendered, from), rendered.Workload(to), port));
    }

    [Theory]
    [MemberData(nameof(Renders.All), MemberType = typeof(Renders))]
    public void Every_pod_is_isolated_by_some_policy(string render)
    {
        var rendered = Renders.Get(render);
        var open = rendered.Workloads
            .Where(w => !rendered.OfKind("NetworkPolicy").Any(p => Labels.Match(p.At("spec.podSelector"), w.PodLabels)))
            .Select(w => w.ToString());

        Assert.Empty(open);
    }

    private static Peer PeerNamed(Render render, string name) => name switch
    {
        IngressController => Peer.Elsewhere(name, "ingress-nginx", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "ingress-nginx" }),
        Impostor => Peer.Elsewhere(name, "elsewhere", new Dictionary<string, string> { ["app"] = "lab-api" }),
        Stranger => Peer.InLab(name, new Dictionary<string, string> { ["run"] = "debug" }),
        _ => Peer.InLab(name, render.Workload(name).PodLabels),
    };
}
