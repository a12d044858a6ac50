using System.Net;
using System.Text.Json;
using ContainerSec.Policy;

namespace ContainerSec.Conformance;

/// <summary>
/// Schema <c>containersec.conformance.netpol/v1</c> (NetworkPolicy matcher cases): the case's
/// <c>policies</c> are parsed into a <see cref="NetworkPolicySet"/>, <c>traffic</c> becomes a
/// <see cref="NetworkTraffic"/> (a peer with <c>internal: null</c> is an address outside the cluster,
/// otherwise a pod with its namespace, labels and IP), and <see cref="NetworkPolicyDecision.Allowed"/>
/// must equal <c>expected.allowed</c>.
/// </summary>
public static class NetworkPolicySuite
{
    public const string Schema = "containersec.conformance.netpol/v1";

    public static void Run(JsonElement root, FileResult result)
    {
        foreach (JsonElement test in root.GetProperty("cases").EnumerateArray())
        {
            string id = test.GetProperty("id").GetString()!;
            bool expected = test.GetProperty("expected").GetProperty("allowed").GetBoolean();
            JsonElement traffic = test.GetProperty("traffic");
            JsonElement policies = test.GetProperty("policies");
            PodSecuritySuite.Guard(result, id, () =>
            {
                NetworkPolicyDecision decision = NetworkPolicySet.Parse(policies).Evaluate(Traffic(traffic));
                if (decision.Allowed == expected)
                {
                    result.Pass();
                }
                else
                {
                    result.Fail(id, $"expected {(expected ? "allowed" : "denied")}, got {decision}");
                }
            });
        }
    }

    private static NetworkTraffic Traffic(JsonElement traffic)
    {
        int? port = traffic.TryGetProperty("resolvedPort", out JsonElement p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : null;
        string? portName = traffic.TryGetProperty("resolvedPortName", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        NetworkProtocol protocol = traffic.GetProperty("protocol").GetString() switch
        {
            "TCP" => NetworkProtocol.Tcp,
            "UDP" => NetworkProtocol.Udp,
            "SCTP" => NetworkProtocol.Sctp,
            string other => throw new FormatException($"unknown protocol '{other}'"),
            null => throw new FormatException("protocol is null"),
        };
        return new NetworkTraffic(Peer(traffic.GetProperty("source")), Peer(traffic.GetProperty("destination")), port, portName, protocol);
    }

    private static NetworkEndpoint Peer(JsonElement peer)
    {
        IPAddress? address = peer.TryGetProperty("ip", out JsonElement ip) && ip.ValueKind == JsonValueKind.String ? IPAddress.Parse(ip.GetString()!) : null;
        if (!peer.TryGetProperty("internal", out JsonElement pod) || pod.ValueKind == JsonValueKind.Null)
        {
            return NetworkEndpoint.External(address ?? throw new FormatException("an external peer needs an ip"));
        }

        return NetworkEndpoint.Pod(pod.GetProperty("namespace").GetString()!, Labels(pod, "podLabels"), Labels(pod, "namespaceLabels"), address);
    }

    private static Dictionary<string, string> Labels(JsonElement pod, string name) =>
        pod.TryGetProperty(name, out JsonElement labels) && labels.ValueKind == JsonValueKind.Object
            ? labels.EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
}
