using System.Globalization;
using System.Net;
using BenchmarkDotNet.Attributes;
using ContainerSec.Policy;

namespace ContainerSec.Benchmarks;

/// <summary>
/// One NetworkPolicy decision (egress at the source and ingress at the destination) among 1,000
/// policies in 50 namespaces, each selecting <c>app=svcN</c> and allowing TCP on one port from
/// <c>app=clientN</c> pods of its namespace. The baseline is a straightforward scan of the same
/// policies held as plain dictionaries (matchLabels only, no explanations); the setup checks both
/// agree on an allowed and a denied connection.
/// </summary>
[MemoryDiagnoser]
public class NetworkPolicyBenchmarks
{
    private const int PolicyCount = 1000, Namespaces = 50;

    private readonly List<PlainPolicy> _plain = [];
    private NetworkPolicySet _set = null!;
    private NetworkTraffic _allowed = null!;
    private NetworkTraffic _denied = null!;

    [GlobalSetup]
    public void Setup()
    {
        var policies = new List<NetworkPolicy>();
        for (int i = 0; i < PolicyCount; i++)
        {
            string ns = "ns" + (i % Namespaces).ToString(CultureInfo.InvariantCulture), n = i.ToString(CultureInfo.InvariantCulture);
            int port = 8000 + (i % 100);
            string json = """
                {"kind":"NetworkPolicy","metadata":{"name":"pN","namespace":"NS"},
                 "spec":{"podSelector":{"matchLabels":{"app":"svcN"}},"policyTypes":["Ingress"],
                         "ingress":[{"from":[{"podSelector":{"matchLabels":{"app":"clientN"}}}],"ports":[{"protocol":"TCP","port":PORT}]}]}}
                """.Replace("NS", ns, StringComparison.Ordinal).Replace("PORT", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("N\"", n + "\"", StringComparison.Ordinal);
            policies.Add(NetworkPolicy.Parse(json));
            _plain.Add(new PlainPolicy(ns, new() { ["app"] = "svc" + n }, new() { ["app"] = "client" + n }, port));
        }

        _set = new NetworkPolicySet(policies);
        NetworkEndpoint client = Pod("ns7", "client507"), service = Pod("ns7", "svc507");
        _allowed = new NetworkTraffic(client, service, 8007, null, NetworkProtocol.Tcp);
        _denied = new NetworkTraffic(client, service, 8008, null, NetworkProtocol.Tcp);
        if (!Ours() || Straightforward() != Ours() || _set.Evaluate(_denied).Allowed || StraightforwardAllowed(_denied))
        {
            throw new InvalidOperationException("The evaluators disagree.");
        }
    }

    [Benchmark(Baseline = true)]
    public bool Straightforward() => StraightforwardAllowed(_allowed);

    [Benchmark]
    public bool Ours() => _set.Evaluate(_allowed).Allowed;

    private bool StraightforwardAllowed(NetworkTraffic traffic)
    {
        // Only ingress policies exist here, so egress is always allowed.
        bool isolated = false;
        foreach (PlainPolicy p in _plain)
        {
            if (p.Namespace != traffic.Destination.Namespace || !Matches(p.PodSelector, traffic.Destination.PodLabels))
            {
                continue;
            }

            isolated = true;
            if (traffic.Source.Namespace == p.Namespace && Matches(p.From, traffic.Source.PodLabels) && traffic.Protocol == NetworkProtocol.Tcp && traffic.Port == p.Port)
            {
                return true;
            }
        }

        return !isolated;
    }

    private static bool Matches(Dictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.All(kv => labels.TryGetValue(kv.Key, out string? v) && v == kv.Value);

    private static NetworkEndpoint Pod(string ns, string app) =>
        NetworkEndpoint.Pod(ns, new Dictionary<string, string> { ["app"] = app }, new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns }, IPAddress.Parse("10.0.0.1"));

    private sealed record PlainPolicy(string Namespace, Dictionary<string, string> PodSelector, Dictionary<string, string> From, int Port);
}
