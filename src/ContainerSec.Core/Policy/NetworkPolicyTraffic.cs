using System.Net;

namespace ContainerSec.Policy;

/// <summary>The transport protocols a NetworkPolicy port names.</summary>
public enum NetworkProtocol
{
    /// <summary>TCP (the default when a policy port names no protocol).</summary>
    Tcp,

    /// <summary>UDP.</summary>
    Udp,

    /// <summary>SCTP.</summary>
    Sctp,
}

/// <summary>One end of a connection: a pod in the cluster (namespace and labels, optionally its IP) or an address outside it.</summary>
public sealed class NetworkEndpoint
{
    private NetworkEndpoint(string? @namespace, IReadOnlyDictionary<string, string> podLabels, IReadOnlyDictionary<string, string> namespaceLabels, IPAddress? address)
    {
        Namespace = @namespace;
        PodLabels = podLabels;
        NamespaceLabels = namespaceLabels;
        Address = address;
    }

    /// <summary>The pod's namespace; <see langword="null"/> for an endpoint outside the cluster.</summary>
    public string? Namespace { get; }

    /// <summary>True for a pod in the cluster (policies may select it and isolate it).</summary>
    public bool IsPod => Namespace is not null;

    /// <summary>The pod's labels (empty outside the cluster).</summary>
    public IReadOnlyDictionary<string, string> PodLabels { get; }

    /// <summary>The labels of the pod's namespace (empty outside the cluster).</summary>
    public IReadOnlyDictionary<string, string> NamespaceLabels { get; }

    /// <summary>The IP address, matched by <c>ipBlock</c> peers; may be <see langword="null"/> for a pod.</summary>
    public IPAddress? Address { get; }

    /// <summary>A pod in the cluster.</summary>
    /// <param name="namespace">The pod's namespace (not empty).</param>
    /// <param name="podLabels">The pod's labels.</param>
    /// <param name="namespaceLabels">The namespace's labels.</param>
    /// <param name="address">The pod's IP, if known (ipBlock peers match pods by IP, as most network plugins do).</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="address"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="namespace"/> is empty.</exception>
    public static NetworkEndpoint Pod(string @namespace, IReadOnlyDictionary<string, string> podLabels, IReadOnlyDictionary<string, string> namespaceLabels, IPAddress? address = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentNullException.ThrowIfNull(podLabels);
        ArgumentNullException.ThrowIfNull(namespaceLabels);
        return new(@namespace, new Dictionary<string, string>(podLabels, StringComparer.Ordinal), new Dictionary<string, string>(namespaceLabels, StringComparer.Ordinal), address);
    }

    /// <summary>An address outside the cluster.</summary>
    /// <param name="address">The IP address.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="address"/> is <see langword="null"/>.</exception>
    public static NetworkEndpoint External(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var empty = new Dictionary<string, string>(StringComparer.Ordinal);
        return new(null, empty, empty, address);
    }

    /// <inheritdoc/>
    public override string ToString() => IsPod ? $"pod in {Namespace} {{{string.Join(",", PodLabels.Select(l => $"{l.Key}={l.Value}"))}}}" : $"external {Address}";
}

/// <summary>A connection attempt: source, destination, destination port (number and, if the destination container names it, its name) and protocol.</summary>
public sealed class NetworkTraffic
{
    /// <summary>Creates the traffic description.</summary>
    /// <param name="source">Who connects.</param>
    /// <param name="destination">Who is connected to.</param>
    /// <param name="port">The destination port number, 1–65535, or <see langword="null"/> when unknown (then only rules without a numeric port match).</param>
    /// <param name="portName">The name the destination container gives that port, or <see langword="null"/> (then named-port rules do not match).</param>
    /// <param name="protocol">The protocol.</param>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="destination"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is outside 1–65535 or <paramref name="protocol"/> is undefined.</exception>
    public NetworkTraffic(NetworkEndpoint source, NetworkEndpoint destination, int? port, string? portName, NetworkProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (port is int p)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(p, 1, nameof(port));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 65535, nameof(port));
        }

        if (!Enum.IsDefined(protocol))
        {
            throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "Unknown protocol.");
        }

        Source = source;
        Destination = destination;
        Port = port;
        PortName = portName;
        Protocol = protocol;
    }

    /// <summary>Who connects.</summary>
    public NetworkEndpoint Source { get; }

    /// <summary>Who is connected to.</summary>
    public NetworkEndpoint Destination { get; }

    /// <summary>The destination port number, if known.</summary>
    public int? Port { get; }

    /// <summary>The destination container's name for the port, if it names it.</summary>
    public string? PortName { get; }

    /// <summary>The protocol.</summary>
    public NetworkProtocol Protocol { get; }
}
