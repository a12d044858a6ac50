using System.Net;
using ContainerSec.Policy;

namespace ContainerSec.Tests.Policy;

/// <summary>
/// Truth tables from the Kubernetes documentation's NetworkPolicy examples
/// (concepts/services-networking/network-policies): the sample policy, the defaults, AND vs OR of
/// selectors, endPort, namespace by name, plus ipBlock edges and policyTypes defaults.
/// </summary>
public sealed class NetworkPolicyTests
{
    // The documentation's "test-network-policy".
    private const string DocsPolicy = """
        {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"test-network-policy","namespace":"default"},
         "spec":{"podSelector":{"matchLabels":{"role":"db"}},"policyTypes":["Ingress","Egress"],
          "ingress":[{"from":[{"ipBlock":{"cidr":"172.17.0.0/16","except":["172.17.1.0/24"]}},
                              {"namespaceSelector":{"matchLabels":{"project":"myproject"}}},
                              {"podSelector":{"matchLabels":{"role":"frontend"}}}],
                      "ports":[{"protocol":"TCP","port":6379}]}],
          "egress":[{"to":[{"ipBlock":{"cidr":"10.0.0.0/24"}}],"ports":[{"protocol":"TCP","port":5978}]}]}}
        """;

    private static readonly NetworkEndpoint Db = Pod("default", "role=db", "", "10.1.0.5");

    [Theory]
    [InlineData("default", "role=frontend", "", 6379, NetworkProtocol.Tcp, true)]    // podSelector peer, same namespace
    [InlineData("default", "role=frontend", "", 6380, NetworkProtocol.Tcp, false)]   // wrong port
    [InlineData("default", "role=frontend", "", 6379, NetworkProtocol.Udp, false)]   // wrong protocol
    [InlineData("other", "role=frontend", "", 6379, NetworkProtocol.Tcp, false)]     // podSelector peer only selects the policy's namespace
    [InlineData("other", "role=backend", "project=myproject", 6379, NetworkProtocol.Tcp, true)] // namespaceSelector peer: any pod there
    [InlineData("default", "role=backend", "", 6379, NetworkProtocol.Tcp, false)]    // no peer matches
    public void Evaluate_DocsPolicyIngressFromPods_TruthTable(string ns, string podLabels, string nsLabels, int port, NetworkProtocol protocol, bool allowed)
    {
        NetworkPolicySet set = Set(DocsPolicy);

        NetworkPolicyDecision decision = set.Evaluate(new NetworkTraffic(Pod(ns, podLabels, nsLabels, null), Db, port, null, protocol));

        Assert.Equal(allowed, decision.Allowed);
        Assert.True(decision.Ingress.IsIsolated);
        Assert.Equal(["default/test-network-policy"], decision.Ingress.IsolatingPolicies);
        Assert.Equal(allowed ? ["default/test-network-policy ingress[0]"] : [], decision.Ingress.AllowingRules);
    }

    [Theory]
    [InlineData("172.17.0.1", true)]
    [InlineData("172.17.255.254", true)]
    [InlineData("172.17.1.1", false)]   // in except
    [InlineData("172.18.0.1", false)]   // outside cidr
    public void Evaluate_DocsPolicyIngressFromIpBlock_TruthTable(string ip, bool allowed)
    {
        NetworkPolicyDecision decision = Set(DocsPolicy).Evaluate(new NetworkTraffic(NetworkEndpoint.External(IPAddress.Parse(ip)), Db, 6379, null, NetworkProtocol.Tcp));

        Assert.Equal(allowed, decision.Allowed);
        Assert.False(decision.Egress.AppliesToPod);
    }

    [Theory]
    [InlineData("10.0.0.7", 5978, true)]
    [InlineData("10.0.0.7", 5979, false)]
    [InlineData("10.0.1.7", 5978, false)]
    public void Evaluate_DocsPolicyEgress_TruthTable(string ip, int port, bool allowed)
    {
        NetworkPolicyDecision decision = Set(DocsPolicy).Evaluate(new NetworkTraffic(Db, NetworkEndpoint.External(IPAddress.Parse(ip)), port, null, NetworkProtocol.Tcp));

        Assert.Equal(allowed, decision.Allowed);
        Assert.Equal(allowed, decision.Egress.Allowed);
        Assert.True(decision.Ingress.Allowed);
    }

    [Fact]
    public void Evaluate_DocsPolicyOtherPods_NotIsolated()
    {
        NetworkEndpoint web = Pod("default", "role=web", "", "10.1.0.9");

        NetworkPolicyDecision decision = Set(DocsPolicy).Evaluate(new NetworkTraffic(Pod("other", "", "", null), web, 1, null, NetworkProtocol.Udp));

        Assert.True(decision.Allowed);
        Assert.False(decision.Ingress.IsIsolated);
        Assert.Contains("not isolated", decision.Ingress.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    // default deny ingress: podSelector {}, policyTypes [Ingress]
    [InlineData("""{"podSelector":{},"policyTypes":["Ingress"]}""", false, true)]
    // allow all ingress: ingress [{}]
    [InlineData("""{"podSelector":{},"ingress":[{}],"policyTypes":["Ingress"]}""", true, true)]
    // default deny egress
    [InlineData("""{"podSelector":{},"policyTypes":["Egress"]}""", true, false)]
    // allow all egress
    [InlineData("""{"podSelector":{},"egress":[{}],"policyTypes":["Egress"]}""", true, true)]
    // default deny all
    [InlineData("""{"podSelector":{},"policyTypes":["Ingress","Egress"]}""", false, false)]
    // no policyTypes, no egress rules: Ingress only
    [InlineData("""{"podSelector":{}}""", false, true)]
    // no policyTypes, egress rules present: Ingress and Egress; egress rule allows only port 53
    [InlineData("""{"podSelector":{},"egress":[{"ports":[{"port":53,"protocol":"UDP"}]}]}""", false, false)]
    // empty ingress list with explicit types: deny
    [InlineData("""{"podSelector":{},"ingress":[],"policyTypes":["Ingress"]}""", false, true)]
    public void Evaluate_DocsDefaultPolicies_TruthTable(string spec, bool ingressAllowed, bool egressAllowed)
    {
        NetworkPolicySet set = Set($$"""{"kind":"NetworkPolicy","metadata":{"name":"p","namespace":"ns"},"spec":{{spec}}}""");
        NetworkEndpoint a = Pod("ns", "app=a", "", "10.0.0.1"), b = Pod("ns", "app=b", "", "10.0.0.2");

        NetworkPolicyDecision decision = set.Evaluate(new NetworkTraffic(a, b, 80, null, NetworkProtocol.Tcp));

        Assert.Equal(ingressAllowed, decision.Ingress.Allowed);
        Assert.Equal(egressAllowed, decision.Egress.Allowed);
        Assert.Equal(ingressAllowed && egressAllowed, decision.Allowed);
    }

    // The documentation's AND (one peer) vs OR (two peers) of namespaceSelector user=alice and podSelector role=client.
    [Theory]
    [InlineData(true, "other", "user=alice", "role=client", true)]
    [InlineData(true, "other", "user=alice", "role=server", false)]
    [InlineData(true, "ns", "", "role=client", false)]
    [InlineData(false, "other", "user=alice", "role=server", true)]
    [InlineData(false, "ns", "", "role=client", true)]
    [InlineData(false, "other", "", "role=client", false)]
    public void Evaluate_SelectorsInOnePeerVersusTwoPeers_TruthTable(bool onePeer, string ns, string nsLabels, string podLabels, bool allowed)
    {
        string from = onePeer
            ? """[{"namespaceSelector":{"matchLabels":{"user":"alice"}},"podSelector":{"matchLabels":{"role":"client"}}}]"""
            : """[{"namespaceSelector":{"matchLabels":{"user":"alice"}}},{"podSelector":{"matchLabels":{"role":"client"}}}]""";
        NetworkPolicySet set = Set($$$"""{"kind":"NetworkPolicy","metadata":{"name":"p","namespace":"ns"},"spec":{"podSelector":{},"ingress":[{"from":{{{from}}}}]}}""");

        NetworkPolicyDecision decision = set.Evaluate(new NetworkTraffic(Pod(ns, podLabels, nsLabels, null), Pod("ns", "", "", null), 80, null, NetworkProtocol.Tcp));

        Assert.Equal(allowed, decision.Allowed);
    }

    // The documentation's endPort example: TCP 32000-32768 to 10.0.0.0/24.
    [Theory]
    [InlineData(31999, false)]
    [InlineData(32000, true)]
    [InlineData(32500, true)]
    [InlineData(32768, true)]
    [InlineData(32769, false)]
    public void Evaluate_EndPortRange_TruthTable(int port, bool allowed)
    {
        NetworkPolicySet set = Set("""
            {"kind":"NetworkPolicy","metadata":{"name":"multi-port-egress","namespace":"default"},
             "spec":{"podSelector":{"matchLabels":{"role":"db"}},"policyTypes":["Egress"],
                     "egress":[{"to":[{"ipBlock":{"cidr":"10.0.0.0/24"}}],"ports":[{"protocol":"TCP","port":32000,"endPort":32768}]}]}}
            """);

        Assert.Equal(allowed, set.Evaluate(new NetworkTraffic(Db, NetworkEndpoint.External(IPAddress.Parse("10.0.0.9")), port, null, NetworkProtocol.Tcp)).Allowed);
    }

    // Targeting a namespace by name through the kubernetes.io/metadata.name label; matchExpressions.
    [Theory]
    [InlineData("kubernetes.io/metadata.name=prod", true)]
    [InlineData("kubernetes.io/metadata.name=dev", false)]
    public void Evaluate_NamespaceByNameLabel_TruthTable(string nsLabels, bool allowed)
    {
        NetworkPolicySet set = Set("""
            {"kind":"NetworkPolicy","metadata":{"name":"p","namespace":"ns"},
             "spec":{"podSelector":{},"ingress":[{"from":[{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"In","values":["prod","staging"]}]}}]}]}}
            """);

        Assert.Equal(allowed, set.Evaluate(new NetworkTraffic(Pod("x", "", nsLabels, null), Pod("ns", "", "", null), 80, null, NetworkProtocol.Tcp)).Allowed);
    }

    [Theory]
    [InlineData("In", "[\"a\",\"b\"]", "tier=a", true)]
    [InlineData("In", "[\"a\",\"b\"]", "tier=c", false)]
    [InlineData("In", "[\"a\"]", "", false)]
    [InlineData("NotIn", "[\"a\"]", "tier=a", false)]
    [InlineData("NotIn", "[\"a\"]", "tier=b", true)]
    [InlineData("NotIn", "[\"a\"]", "", true)]
    [InlineData("Exists", "[]", "tier=x", true)]
    [InlineData("Exists", "[]", "", false)]
    [InlineData("DoesNotExist", "[]", "", true)]
    [InlineData("DoesNotExist", "[]", "tier=x", false)]
    public void Evaluate_MatchExpressionOperators_TruthTable(string op, string values, string podLabels, bool allowed)
    {
        NetworkPolicySet set = Set($$$"""
            {"kind":"NetworkPolicy","metadata":{"name":"p","namespace":"ns"},
             "spec":{"podSelector":{},"ingress":[{"from":[{"podSelector":{"matchExpressions":[{"key":"tier","operator":"{{{op}}}","values":{{{values}}}}]}}]}]}}
            """);

        Assert.Equal(allowed, set.Evaluate(new NetworkTraffic(Pod("ns", podLabels, "", null), Pod("ns", "", "", null), 80, null, NetworkProtocol.Tcp)).Allowed);
    }

    [Theory]
    [InlineData("http", "http", 8080, true)]
    [InlineData("http", "metrics", 8080, false)]
    [InlineData("http", null, 8080, false)]
    public void Evaluate_NamedPort_MatchesDestinationPortName(string rulePort, string? portName, int port, bool allowed)
    {
        NetworkPolicySet set = Set($$$"""{"kind":"NetworkPolicy","metadata":{"name":"p","namespace":"ns"},"spec":{"podSelector":{},"ingress":[{"ports":[{"port":"{{{rulePort}}}"}]}]}}""");

        Assert.Equal(allowed, set.Evaluate(new NetworkTraffic(Pod("ns", "", "", null), Pod("ns", "", "", null), port, portName, NetworkProtocol.Tcp)).Allowed);
    }

    [Theory]
    [InlineData("2001:db8::/32", "2001:db8::1", true)]
    [InlineData("2001:db8::/32", "2001:db8:1::1", true)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", false)] // except 2001:db8:ff00::/40
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("2001:db8::/32", "10.0.0.1", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("192.168.242.213/24", "192.168.242.1", true)] // non-canonical CIDR is masked
    public void Evaluate_IpBlock_TruthTable(string cidr, string ip, bool allowed)
    {
        string except = cidr.Contains(':', StringComparison.Ordinal) ? ""","except":["2001:db8:ff00::/40"]""" : "";
        NetworkPolicySet set = Set($$$"""{"kind":"NetworkPolicy","metadata":{"name":"p","namespace":"ns"},"spec":{"podSelector":{},"ingress":[{"from":[{"ipBlock":{"cidr":"{{{cidr}}}"{{{except}}}}}]}]}}""");

        Assert.Equal(allowed, set.Evaluate(new NetworkTraffic(NetworkEndpoint.External(IPAddress.Parse(ip)), Pod("ns", "", "", null), 80, null, NetworkProtocol.Tcp)).Allowed);
    }

    [Fact]
    public void Evaluate_UnionOfPolicies_NamesEveryAllowingRule()
    {
        NetworkPolicySet set = Set(
            """{"kind":"NetworkPolicy","metadata":{"name":"deny","namespace":"ns"},"spec":{"podSelector":{},"policyTypes":["Ingress"]}}""",
            """{"kind":"NetworkPolicy","metadata":{"name":"allow-80","namespace":"ns"},"spec":{"podSelector":{"matchLabels":{"app":"web"}},"ingress":[{"ports":[{"port":80}]}]}}""",
            """{"kind":"NetworkPolicy","metadata":{"name":"allow-range","namespace":"ns"},"spec":{"podSelector":{},"ingress":[{"ports":[{"port":1,"endPort":100}]}]}}""");
        NetworkEndpoint web = Pod("ns", "app=web", "", null);

        NetworkPolicyDecision allowed = set.Evaluate(new NetworkTraffic(Pod("ns", "", "", null), web, 80, null, NetworkProtocol.Tcp));
        NetworkPolicyDecision denied = set.Evaluate(new NetworkTraffic(Pod("ns", "", "", null), web, 443, null, NetworkProtocol.Tcp));

        Assert.True(allowed.Allowed);
        Assert.Equal(["ns/allow-80 ingress[0]", "ns/allow-range ingress[0]"], allowed.Ingress.AllowingRules);
        Assert.False(denied.Allowed);
        Assert.Equal(["ns/deny", "ns/allow-80", "ns/allow-range"], denied.Ingress.IsolatingPolicies);
        Assert.Contains("no rule allows", denied.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_PolicyInOtherNamespace_DoesNotIsolate()
    {
        NetworkPolicySet set = Set("""{"kind":"NetworkPolicy","metadata":{"name":"deny","namespace":"a"},"spec":{"podSelector":{},"policyTypes":["Ingress","Egress"]}}""");

        Assert.True(set.Evaluate(new NetworkTraffic(Pod("b", "", "", null), Pod("b", "", "", null), 80, null, NetworkProtocol.Tcp)).Allowed);
        Assert.False(set.Evaluate(new NetworkTraffic(Pod("b", "", "", null), Pod("a", "", "", null), 80, null, NetworkProtocol.Tcp)).Allowed);
    }

    [Theory]
    [InlineData("""{"podSelector":{},"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/33"}}]}]}""", "cidr")]
    [InlineData("""{"podSelector":{},"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/8","except":["11.0.0.0/16"]}}]}]}""", "except")]
    [InlineData("""{"podSelector":{},"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/8"},"podSelector":{}}]}]}""", "ipBlock")]
    [InlineData("""{"podSelector":{},"ingress":[{"ports":[{"protocol":"ICMP"}]}]}""", "protocol")]
    [InlineData("""{"podSelector":{},"ingress":[{"ports":[{"port":"http","endPort":90}]}]}""", "endPort")]
    [InlineData("""{"podSelector":{},"ingress":[{"ports":[{"port":70000}]}]}""", "port")]
    [InlineData("""{"podSelector":{},"policyTypes":["Both"]}""", "policyTypes")]
    [InlineData("""{"podSelector":{"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]}}""", "operator")]
    [InlineData("""{"podSelector":{},"ingress":{}}""", "ingress")]
    public void Parse_MalformedPolicy_ThrowsNamingTheField(string spec, string field)
    {
        var ex = Assert.Throws<ArgumentException>(() => NetworkPolicy.Parse($$"""{"kind":"NetworkPolicy","metadata":{"name":"p","namespace":"ns"},"spec":{{spec}}}"""));

        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    private static NetworkPolicySet Set(params string[] policies) => new(policies.Select(NetworkPolicy.Parse));

    private static NetworkEndpoint Pod(string ns, string podLabels, string nsLabels, string? ip) =>
        NetworkEndpoint.Pod(ns, Labels(podLabels), Labels(nsLabels), ip is null ? null : IPAddress.Parse(ip));

    private static Dictionary<string, string> Labels(string text) =>
        text.Length == 0 ? [] : text.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
}
