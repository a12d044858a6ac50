using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>
/// A set of NetworkPolicies and the decision whether traffic is allowed, with the semantics of
/// Kubernetes (docs/admission.md): a pod is isolated for a direction when some policy selecting it
/// has that policy type; traffic is then allowed only if some rule of such a policy allows it (the
/// union of allows); a non-isolated pod allows everything. Traffic is allowed when egress is
/// allowed at the source (if it is a pod) and ingress is allowed at the destination (if it is a pod).
/// </summary>
public sealed class NetworkPolicySet
{
    private readonly Dictionary<string, NetworkPolicy[]> _byNamespace;

    /// <summary>Creates the set.</summary>
    /// <param name="policies">The policies (any namespaces).</param>
    /// <exception cref="ArgumentNullException"><paramref name="policies"/> or one of its items is <see langword="null"/>.</exception>
    public NetworkPolicySet(IEnumerable<NetworkPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        NetworkPolicy[] all = [.. policies];
        if (all.Any(p => p is null))
        {
            throw new ArgumentNullException(nameof(policies), "The policy list contains null.");
        }

        Policies = all;
        _byNamespace = all.GroupBy(p => p.Namespace, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The policies, in the order given.</summary>
    public IReadOnlyList<NetworkPolicy> Policies { get; }

    /// <summary>Parses NetworkPolicy manifests into a set; see <see cref="NetworkPolicy.Parse(JsonElement)"/>.</summary>
    /// <param name="manifests">A JSON array of NetworkPolicy manifests.</param>
    /// <returns>The set.</returns>
    /// <exception cref="ArgumentException"><paramref name="manifests"/> is not an array, or a manifest is malformed (the message names it and the field).</exception>
    public static NetworkPolicySet Parse(JsonElement manifests)
    {
        if (manifests.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException($"Expected a JSON array of NetworkPolicy manifests, not {manifests.ValueKind}.", nameof(manifests));
        }

        var policies = new List<NetworkPolicy>();
        foreach (JsonElement manifest in manifests.EnumerateArray())
        {
            try
            {
                policies.Add(NetworkPolicy.Parse(manifest));
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"Policy [{policies.Count}]: {ex.Message}", nameof(manifests), ex);
            }
        }

        return new NetworkPolicySet(policies);
    }

    /// <summary>Decides whether <paramref name="traffic"/> is allowed, and why.</summary>
    /// <param name="traffic">The connection attempt.</param>
    /// <returns>The decision for each direction.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="traffic"/> is <see langword="null"/>.</exception>
    public NetworkPolicyDecision Evaluate(NetworkTraffic traffic)
    {
        ArgumentNullException.ThrowIfNull(traffic);
        NetworkPolicyDirectionDecision egress = Decide(traffic.Source, traffic.Destination, traffic, NetworkPolicyDirection.Egress);
        NetworkPolicyDirectionDecision ingress = Decide(traffic.Destination, traffic.Source, traffic, NetworkPolicyDirection.Ingress);
        return new NetworkPolicyDecision(egress, ingress);
    }

    private NetworkPolicyDirectionDecision Decide(NetworkEndpoint subject, NetworkEndpoint peer, NetworkTraffic traffic, NetworkPolicyDirection direction)
    {
        if (!subject.IsPod || !_byNamespace.TryGetValue(subject.Namespace!, out NetworkPolicy[]? candidates))
        {
            return new NetworkPolicyDirectionDecision(direction, subject.IsPod, [], []);
        }

        var isolating = new List<string>();
        var allowing = new List<string>();
        foreach (NetworkPolicy policy in candidates)
        {
            bool isolates = direction == NetworkPolicyDirection.Ingress ? policy.IsolatesIngress : policy.IsolatesEgress;
            if (!isolates || !policy.Selects(subject))
            {
                continue;
            }

            isolating.Add(policy.ToString());
            foreach (NetworkPolicyRule rule in direction == NetworkPolicyDirection.Ingress ? policy.IngressRules : policy.EgressRules)
            {
                if (rule.Matches(peer, policy.Namespace, traffic))
                {
                    allowing.Add(rule.Description);
                }
            }
        }

        return new NetworkPolicyDirectionDecision(direction, true, isolating, allowing);
    }
}

/// <summary>Ingress (at the destination) or egress (at the source).</summary>
public enum NetworkPolicyDirection
{
    /// <summary>Traffic into the destination pod.</summary>
    Ingress,

    /// <summary>Traffic out of the source pod.</summary>
    Egress,
}

/// <summary>The decision for one direction: whether the pod is isolated, by which policies, and which rules allow the traffic.</summary>
public sealed class NetworkPolicyDirectionDecision
{
    internal NetworkPolicyDirectionDecision(NetworkPolicyDirection direction, bool appliesToPod, IReadOnlyList<string> isolatingPolicies, IReadOnlyList<string> allowingRules)
    {
        Direction = direction;
        AppliesToPod = appliesToPod;
        IsolatingPolicies = isolatingPolicies;
        AllowingRules = allowingRules;
    }

    /// <summary>The direction.</summary>
    public NetworkPolicyDirection Direction { get; }

    /// <summary>False when that end is outside the cluster: no policy applies there.</summary>
    public bool AppliesToPod { get; }

    /// <summary>True when some policy selecting the pod has this policy type.</summary>
    public bool IsIsolated => IsolatingPolicies.Count > 0;

    /// <summary>True when the pod is not isolated, or some rule of an isolating policy allows the traffic.</summary>
    public bool Allowed => !IsIsolated || AllowingRules.Count > 0;

    /// <summary>The policies (<c>namespace/name</c>) that select the pod for this direction.</summary>
    public IReadOnlyList<string> IsolatingPolicies { get; }

    /// <summary>The rules that allow the traffic, as <c>namespace/name ingress[i]</c> or <c>namespace/name egress[i]</c>.</summary>
    public IReadOnlyList<string> AllowingRules { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        !AppliesToPod ? $"{Direction}: not a pod, no policy applies"
        : !IsIsolated ? $"{Direction}: allowed (not isolated)"
        : Allowed ? $"{Direction}: allowed by {string.Join(", ", AllowingRules)}"
        : $"{Direction}: denied (isolated by {string.Join(", ", IsolatingPolicies)}; no rule allows)";
}

/// <summary>Whether traffic is allowed: egress at the source and ingress at the destination.</summary>
public sealed class NetworkPolicyDecision
{
    internal NetworkPolicyDecision(NetworkPolicyDirectionDecision egress, NetworkPolicyDirectionDecision ingress)
    {
        Egress = egress;
        Ingress = ingress;
    }

    /// <summary>True when both directions allow the traffic.</summary>
    public bool Allowed => Egress.Allowed && Ingress.Allowed;

    /// <summary>The decision at the source.</summary>
    public NetworkPolicyDirectionDecision Egress { get; }

    /// <summary>The decision at the destination.</summary>
    public NetworkPolicyDirectionDecision Ingress { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{(Allowed ? "allowed" : "denied")}: {Egress}; {Ingress}";
}
