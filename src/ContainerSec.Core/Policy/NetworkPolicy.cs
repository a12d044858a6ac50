using System.Globalization;
using System.Net;
using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>
/// A Kubernetes <c>networking.k8s.io/v1</c> NetworkPolicy, parsed from its JSON manifest and checked:
/// selectors (matchLabels, matchExpressions with In/NotIn/Exists/DoesNotExist), peers (podSelector,
/// namespaceSelector, both in one peer, ipBlock with except, IPv4 and IPv6), ports (number, name,
/// range with endPort, protocol defaulting to TCP) and policyTypes (defaulting to Ingress, plus Egress
/// when egress rules exist).
/// </summary>
public sealed class NetworkPolicy
{
    private NetworkPolicy(string @namespace, string name, NetworkPolicySelector podSelector, bool ingress, bool egress,
        NetworkPolicyRule[] ingressRules, NetworkPolicyRule[] egressRules)
    {
        Namespace = @namespace;
        Name = name;
        PodSelector = podSelector;
        IsolatesIngress = ingress;
        IsolatesEgress = egress;
        IngressRules = ingressRules;
        EgressRules = egressRules;
    }

    /// <summary>The policy's namespace (<c>default</c> when the manifest names none).</summary>
    public string Namespace { get; }

    /// <summary>The policy's name.</summary>
    public string Name { get; }

    /// <summary>True when the policy's types include Ingress: it isolates the pods it selects for incoming traffic.</summary>
    public bool IsolatesIngress { get; }

    /// <summary>True when the policy's types include Egress: it isolates the pods it selects for outgoing traffic.</summary>
    public bool IsolatesEgress { get; }

    internal NetworkPolicySelector PodSelector { get; }

    internal NetworkPolicyRule[] IngressRules { get; }

    internal NetworkPolicyRule[] EgressRules { get; }

    /// <summary>Parses a NetworkPolicy manifest.</summary>
    /// <param name="manifest">The manifest as JSON (<c>kind: NetworkPolicy</c>).</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentException">The manifest is not a NetworkPolicy, or a field is malformed (wrong JSON type,
    /// invalid CIDR, an except outside its CIDR, unknown protocol, selector operator or policy type, port out of range,
    /// endPort with a named port or below port); the message names the field.</exception>
    public static NetworkPolicy Parse(JsonElement manifest)
    {
        AdmissionJson.RequireObject(manifest, "");
        if (AdmissionJson.String(manifest, "kind", "") is { } kind && kind != "NetworkPolicy")
        {
            throw Invalid("kind", $"must be NetworkPolicy, not '{kind}'");
        }

        JsonElement metadata = AdmissionJson.Object(manifest, "metadata", "") ?? default;
        string ns = AdmissionJson.String(metadata, "namespace", "metadata") is { Length: > 0 } n ? n : "default";
        string name = AdmissionJson.String(metadata, "name", "metadata") ?? "";
        JsonElement spec = AdmissionJson.Object(manifest, "spec", "") ?? throw Invalid("spec", "is required");
        NetworkPolicySelector podSelector = NetworkPolicySelector.Parse(AdmissionJson.Object(spec, "podSelector", "spec"), "spec.podSelector");
        NetworkPolicyRule[] ingress = ParseRules(spec, "ingress", "from", ns, name);
        NetworkPolicyRule[] egress = ParseRules(spec, "egress", "to", ns, name);

        bool isolatesIngress, isolatesEgress;
        if (AdmissionJson.Array(spec, "policyTypes", "spec") is null)
        {
            isolatesIngress = true;
            isolatesEgress = egress.Length > 0;
        }
        else
        {
            isolatesIngress = isolatesEgress = false;
            foreach (var (type, path) in AdmissionJson.Strings(spec, "policyTypes", "spec"))
            {
                switch (type)
                {
                    case "Ingress": isolatesIngress = true; break;
                    case "Egress": isolatesEgress = true; break;
                    default: throw Invalid(path, $"must be Ingress or Egress, not '{type}'");
                }
            }
        }

        return new NetworkPolicy(ns, name, podSelector, isolatesIngress, isolatesEgress, ingress, egress);
    }

    /// <summary>Parses a NetworkPolicy manifest from JSON text; see <see cref="Parse(JsonElement)"/>.</summary>
    /// <param name="json">The manifest as JSON text.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The text is not JSON, or the manifest is malformed.</exception>
    public static NetworkPolicy Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            return Parse(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The manifest is not valid JSON: {ex.Message}", nameof(json), ex);
        }
    }

    /// <summary>True when the policy applies to <paramref name="pod"/> (same namespace, pod selector matches).</summary>
    internal bool Selects(NetworkEndpoint pod) => pod.Namespace == Namespace && PodSelector.Matches(pod.PodLabels);

    /// <inheritdoc/>
    public override string ToString() => $"{Namespace}/{Name}";

    private static NetworkPolicyRule[] ParseRules(JsonElement spec, string direction, string peersField, string ns, string name)
    {
        var rules = new List<NetworkPolicyRule>();
        foreach (var (rule, path) in AdmissionJson.Items(spec, direction, "spec"))
        {
            AdmissionJson.RequireObject(rule, path);
            NetworkPolicyPeer[]? peers = AdmissionJson.Array(rule, peersField, path) is null ? null
                : [.. AdmissionJson.Items(rule, peersField, path).Select(p => NetworkPolicyPeer.Parse(p.Item, p.Path))];
            NetworkPolicyPort[]? ports = AdmissionJson.Array(rule, "ports", path) is null ? null
                : [.. AdmissionJson.Items(rule, "ports", path).Select(p => NetworkPolicyPort.Parse(p.Item, p.Path))];
            rules.Add(new NetworkPolicyRule($"{ns}/{name}", direction, rules.Count, peers is { Length: > 0 } ? peers : null, ports is { Length: > 0 } ? ports : null));
        }

        return [.. rules];
    }

    internal static ArgumentException Invalid(string path, string problem) =>
#pragma warning disable CA2208 // The message names the manifest field; the parameter is the manifest.
        new($"Invalid NetworkPolicy: '{path}' {problem}.", "manifest");
#pragma warning restore CA2208
}

/// <summary>One ingress or egress rule: peers (null = every peer) and ports (null = every port).</summary>
internal sealed class NetworkPolicyRule(string policy, string direction, int index, NetworkPolicyPeer[]? peers, NetworkPolicyPort[]? ports)
{
    public string Policy { get; } = policy;

    public string Description { get; } = $"{policy} {direction}[{index.ToString(CultureInfo.InvariantCulture)}]";

    public bool Matches(NetworkEndpoint peer, string policyNamespace, NetworkTraffic traffic)
    {
        if (ports is not null && !ports.Any(p => p.Matches(traffic)))
        {
            return false;
        }

        return peers is null || peers.Any(p => p.Matches(peer, policyNamespace));
    }
}

/// <summary>A peer: pod and/or namespace selector, or an ipBlock.</summary>
internal sealed class NetworkPolicyPeer
{
    private NetworkPolicyPeer(NetworkPolicySelector? podSelector, NetworkPolicySelector? namespaceSelector, NetworkPolicyCidr? cidr, NetworkPolicyCidr[] except)
    {
        PodSelector = podSelector;
        NamespaceSelector = namespaceSelector;
        Cidr = cidr;
        Except = except;
    }

    private NetworkPolicySelector? PodSelector { get; }

    private NetworkPolicySelector? NamespaceSelector { get; }

    private NetworkPolicyCidr? Cidr { get; }

    private NetworkPolicyCidr[] Except { get; }

    public static NetworkPolicyPeer Parse(JsonElement peer, string path)
    {
        AdmissionJson.RequireObject(peer, path);
        JsonElement? pod = AdmissionJson.Object(peer, "podSelector", path), ns = AdmissionJson.Object(peer, "namespaceSelector", path);
        if (AdmissionJson.Object(peer, "ipBlock", path) is { } block)
        {
            if (pod is not null || ns is not null)
            {
                throw NetworkPolicy.Invalid(path, "must set ipBlock alone, without podSelector or namespaceSelector");
            }

            string blockPath = path + ".ipBlock";
            NetworkPolicyCidr cidr = NetworkPolicyCidr.Parse(AdmissionJson.String(block, "cidr", blockPath) ?? throw NetworkPolicy.Invalid(blockPath + ".cidr", "is required"), blockPath + ".cidr");
            NetworkPolicyCidr[] except = [.. AdmissionJson.Strings(block, "except", blockPath).Select(e => NetworkPolicyCidr.Parse(e.Value, e.Path))];
            foreach (NetworkPolicyCidr e in except)
            {
                if (!cidr.Contains(e))
                {
                    throw NetworkPolicy.Invalid(blockPath + ".except", $"'{e}' must lie inside the cidr '{cidr}'");
                }
            }

            return new(null, null, cidr, except);
        }

        if (pod is null && ns is null)
        {
            throw NetworkPolicy.Invalid(path, "must set podSelector, namespaceSelector or ipBlock");
        }

        return new(pod is null ? null : NetworkPolicySelector.Parse(pod, path + ".podSelector"), ns is null ? null : NetworkPolicySelector.Parse(ns, path + ".namespaceSelector"), null, []);
    }

    public bool Matches(NetworkEndpoint peer, string policyNamespace)
    {
        if (Cidr is { } cidr)
        {
            // ipBlock matches by address, whether the peer is outside the cluster or a pod (as cyclonus and most plugins do).
            return peer.Address is { } address && cidr.Contains(address) && !Except.Any(e => e.Contains(address));
        }

        if (!peer.IsPod)
        {
            return false;
        }

        bool namespaceMatches = NamespaceSelector is { } ns ? ns.Matches(peer.NamespaceLabels) : peer.Namespace == policyNamespace;
        return namespaceMatches && (PodSelector is null || PodSelector.Matches(peer.PodLabels));
    }
}

/// <summary>A rule port: protocol (default TCP), and a number, a number range (endPort) or a name; no port = every port of the protocol.</summary>
internal sealed class NetworkPolicyPort
{
    private NetworkPolicyPort(NetworkProtocol protocol, int? port, int? endPort, string? name)
    {
        Protocol = protocol;
        Port = port;
        EndPort = endPort;
        Name = name;
    }

    private NetworkProtocol Protocol { get; }

    private int? Port { get; }

    private int? EndPort { get; }

    private string? Name { get; }

    public static NetworkPolicyPort Parse(JsonElement port, string path)
    {
        AdmissionJson.RequireObject(port, path);
        NetworkProtocol protocol = AdmissionJson.String(port, "protocol", path) switch
        {
            null or "TCP" => NetworkProtocol.Tcp,
            "UDP" => NetworkProtocol.Udp,
            "SCTP" => NetworkProtocol.Sctp,
            string other => throw NetworkPolicy.Invalid(path + ".protocol", $"must be TCP, UDP or SCTP, not '{other}'"),
        };

        int? number = null;
        string? name = null;
        if (AdmissionJson.TryGet(port, "port", out JsonElement value))
        {
            if (value.ValueKind == JsonValueKind.String)
            {
                name = value.GetString() is { Length: > 0 } s ? s : throw NetworkPolicy.Invalid(path + ".port", "must not be empty");
            }
            else if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) && n is >= 1 and <= 65535)
            {
                number = n;
            }
            else
            {
                throw NetworkPolicy.Invalid(path + ".port", "must be a port number 1-65535 or a port name");
            }
        }

        int? endPort = null;
        if (AdmissionJson.Int(port, "endPort", path) is long end)
        {
            if (number is not int start || end < start || end > 65535)
            {
                throw NetworkPolicy.Invalid(path + ".endPort", "requires a numeric port and must lie between port and 65535");
            }

            endPort = (int)end;
        }

        return new(protocol, number, endPort, name);
    }

    public bool Matches(NetworkTraffic traffic)
    {
        if (traffic.Protocol != Protocol)
        {
            return false;
        }

        if (Name is not null)
        {
            return traffic.PortName == Name;
        }

        if (Port is not int start)
        {
            return true;
        }

        return traffic.Port is int p && p >= start && p <= (EndPort ?? start);
    }
}

/// <summary>A label selector: matchLabels and matchExpressions, all of which must hold; empty matches everything.</summary>
internal sealed class NetworkPolicySelector
{
    private readonly (string Key, string Operator, string[] Values)[] _requirements;

    private NetworkPolicySelector((string, string, string[])[] requirements) => _requirements = requirements;

    public static NetworkPolicySelector Parse(JsonElement? selector, string path)
    {
        var requirements = new List<(string, string, string[])>();
        if (selector is not { } s)
        {
            return new([]);
        }

        if (AdmissionJson.Object(s, "matchLabels", path) is { } labels)
        {
            foreach (JsonProperty label in labels.EnumerateObject())
            {
                string value = label.Value.ValueKind == JsonValueKind.String ? label.Value.GetString()! : throw NetworkPolicy.Invalid($"{path}.matchLabels.{label.Name}", "must be a string");
                requirements.Add((label.Name, "In", [value]));
            }
        }

        foreach (var (expression, itemPath) in AdmissionJson.Items(s, "matchExpressions", path))
        {
            AdmissionJson.RequireObject(expression, itemPath);
            string key = AdmissionJson.String(expression, "key", itemPath) ?? throw NetworkPolicy.Invalid(itemPath + ".key", "is required");
            string op = AdmissionJson.String(expression, "operator", itemPath) ?? throw NetworkPolicy.Invalid(itemPath + ".operator", "is required");
            string[] values = [.. AdmissionJson.Strings(expression, "values", itemPath).Select(v => v.Value)];
            switch (op)
            {
                case "In" or "NotIn" when values.Length == 0:
                    throw NetworkPolicy.Invalid(itemPath + ".values", $"must not be empty for {op}");
                case "Exists" or "DoesNotExist" when values.Length != 0:
                    throw NetworkPolicy.Invalid(itemPath + ".values", $"must be empty for {op}");
                case "In" or "NotIn" or "Exists" or "DoesNotExist":
                    requirements.Add((key, op, values));
                    break;
                default:
                    throw NetworkPolicy.Invalid(itemPath + ".operator", $"must be In, NotIn, Exists or DoesNotExist, not '{op}'");
            }
        }

        return new([.. requirements]);
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, op, values) in _requirements)
        {
            bool has = labels.TryGetValue(key, out string? value);
            bool ok = op switch
            {
                "In" => has && values.Contains(value, StringComparer.Ordinal),
                "NotIn" => !has || !values.Contains(value, StringComparer.Ordinal),
                "Exists" => has,
                _ => !has,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>An IPv4 or IPv6 CIDR; a non-canonical base (host bits set) is masked, as Kubernetes' matchers do.</summary>
internal readonly struct NetworkPolicyCidr
{
    private readonly byte[] _network;

    private NetworkPolicyCidr(byte[] network, int prefix)
    {
        _network = network;
        Prefix = prefix;
    }

    public int Prefix { get; }

    public static NetworkPolicyCidr Parse(string text, string path)
    {
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out IPAddress? address)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix))
        {
            throw NetworkPolicy.Invalid(path, $"'{text}' is not a CIDR (address/prefix)");
        }

        byte[] bytes = address.GetAddressBytes();
        if (prefix > bytes.Length * 8 || text.Contains('%', StringComparison.Ordinal))
        {
            throw NetworkPolicy.Invalid(path, $"'{text}' has a prefix longer than the address or a zone");
        }

        Mask(bytes, prefix);
        return new(bytes, prefix);
    }

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6 && _network.Length == 4)
        {
            address = address.MapToIPv4();
        }

        byte[] bytes = address.GetAddressBytes();
        if (bytes.Length != _network.Length)
        {
            return false;
        }

        Mask(bytes, Prefix);
        return bytes.AsSpan().SequenceEqual(_network);
    }

    public bool Contains(NetworkPolicyCidr other) =>
        other._network.Length == _network.Length && other.Prefix >= Prefix && Contains(new IPAddress(other._network));

    public override string ToString() => $"{new IPAddress(_network)}/{Prefix.ToString(CultureInfo.InvariantCulture)}";

    private static void Mask(byte[] bytes, int prefix)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            int bits = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bits));
        }
    }
}
