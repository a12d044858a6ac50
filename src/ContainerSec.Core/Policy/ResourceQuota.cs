using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>A ResourceQuota scope (<c>spec.scopes</c>): the quota only counts pods that match every scope.</summary>
public enum ResourceQuotaScope
{
    /// <summary>Pods with <c>activeDeadlineSeconds</c> ≥ 0.</summary>
    Terminating,

    /// <summary>Pods without <c>activeDeadlineSeconds</c>.</summary>
    NotTerminating,

    /// <summary>Pods of QoS class BestEffort (no CPU or memory request or limit in any container).</summary>
    BestEffort,

    /// <summary>Pods that are not BestEffort.</summary>
    NotBestEffort,
}

/// <summary>
/// A namespace's ResourceQuota (<c>v1 ResourceQuota</c>): hard totals and the amounts already used. A pod is
/// refused when used + the pod's usage would exceed a hard total, and — as Kubernetes does — when the quota
/// constrains CPU or memory (<c>cpu</c>, <c>requests.cpu</c>, <c>limits.cpu</c>, and the memory names) and a
/// container does not set that request or limit.
/// </summary>
/// <remarks>
/// A pod's usage (Kubernetes' pod evaluator): <c>pods</c> and <c>count/pods</c> = 1; <c>cpu</c> and
/// <c>requests.cpu</c> = the effective CPU request; <c>limits.cpu</c> = the effective CPU limit; the same for
/// <c>memory</c> and <c>ephemeral-storage</c>; <c>hugepages-*</c> and <c>requests.hugepages-*</c>;
/// <c>requests.&lt;extended&gt;</c> for extended resources. Effective requests include <c>spec.overhead</c>
/// (limits too, where a limit is set). Comparisons are exact.
/// </remarks>
public sealed class ResourceQuotaPolicy
{
    private static readonly HashSet<string> ValidationSet = new(StringComparer.Ordinal)
    {
        "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory",
    };

    /// <summary>Creates a quota.</summary>
    /// <param name="name">The quota's name (used in violation sources and messages).</param>
    /// <param name="hard">The hard totals, e.g. <c>requests.cpu → 10</c>, <c>pods → 20</c>.</param>
    /// <param name="used">What is already used in the namespace; missing resources count as 0. Null for nothing.</param>
    /// <param name="scopes">The scopes; null or empty for all pods.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="hard"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A hard or used amount is negative, <c>pods</c> or a <c>count/</c> amount is not a whole number, or a scope is undefined.</exception>
    public ResourceQuotaPolicy(string name, IReadOnlyDictionary<string, ResourceQuantity> hard, IReadOnlyDictionary<string, ResourceQuantity>? used = null, IEnumerable<ResourceQuotaScope>? scopes = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(hard);
        Name = name;
        Hard = Checked(hard, nameof(hard));
        Used = Checked(used ?? new Dictionary<string, ResourceQuantity>(), nameof(used));
        var scopeList = new List<ResourceQuotaScope>();
        foreach (ResourceQuotaScope scope in scopes ?? [])
        {
            if (!Enum.IsDefined(scope))
            {
                throw new ArgumentException($"Unknown quota scope {scope}.", nameof(scopes));
            }

            scopeList.Add(scope);
        }

        Scopes = scopeList;
    }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>The hard totals (<c>spec.hard</c>).</summary>
    public IReadOnlyDictionary<string, ResourceQuantity> Hard { get; }

    /// <summary>What is already used (<c>status.used</c>, or as given).</summary>
    public IReadOnlyDictionary<string, ResourceQuantity> Used { get; }

    /// <summary>The scopes (<c>spec.scopes</c>).</summary>
    public IReadOnlyList<ResourceQuotaScope> Scopes { get; }

    /// <summary>The same quota with other used amounts (for example the namespace's current usage).</summary>
    /// <param name="used">What is already used; missing resources count as 0.</param>
    /// <returns>A new quota.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="used"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An amount is negative or not whole where it must be.</exception>
    public ResourceQuotaPolicy WithUsed(IReadOnlyDictionary<string, ResourceQuantity> used)
    {
        ArgumentNullException.ThrowIfNull(used);
        return new ResourceQuotaPolicy(Name, Hard, used, Scopes);
    }

    /// <summary>Reads a <c>v1 ResourceQuota</c> manifest in its JSON form: <c>spec.hard</c>, <c>spec.scopes</c> and, when present, <c>status.used</c>.</summary>
    /// <param name="manifest">The ResourceQuota object (<c>kind: ResourceQuota</c>).</param>
    /// <returns>The quota.</returns>
    /// <exception cref="ArgumentException">
    /// The manifest is not a ResourceQuota, a field has the wrong JSON type, a quantity is malformed or
    /// negative, <c>pods</c>/<c>count/*</c> is not whole, or it uses <c>spec.scopeSelector</c> or a scope
    /// other than Terminating, NotTerminating, BestEffort and NotBestEffort (not supported: refused rather
    /// than applied too widely or too narrowly); the message names the field.
    /// </exception>
    public static ResourceQuotaPolicy Parse(JsonElement manifest)
    {
        string name = ResourceNames.RequireKind(manifest, "ResourceQuota");
        JsonElement spec = AdmissionJson.Object(manifest, "spec", "") ?? throw ResourceLists.Malformed("spec", "is required");
        if (AdmissionJson.TryGet(spec, "scopeSelector", out _))
        {
            throw ResourceLists.Malformed("spec.scopeSelector", "scope selectors are not supported; use spec.scopes");
        }

        var scopes = new List<ResourceQuotaScope>();
        foreach (var (scope, path) in AdmissionJson.Strings(spec, "scopes", "spec"))
        {
            scopes.Add(scope switch
            {
                "Terminating" => ResourceQuotaScope.Terminating,
                "NotTerminating" => ResourceQuotaScope.NotTerminating,
                "BestEffort" => ResourceQuotaScope.BestEffort,
                "NotBestEffort" => ResourceQuotaScope.NotBestEffort,
                _ => throw ResourceLists.Malformed(path, $"scope '{scope}' is not supported (Terminating, NotTerminating, BestEffort, NotBestEffort)"),
            });
        }

        Dictionary<string, ResourceQuantity> hard = ResourceLists.Read(spec, "hard", "spec");
        CheckWhole(hard, "spec.hard");
        Dictionary<string, ResourceQuantity> used = AdmissionJson.Object(manifest, "status", "") is { } status
            ? ResourceLists.Read(status, "used", "status")
            : new(StringComparer.Ordinal);
        CheckWhole(used, "status.used");
        return new ResourceQuotaPolicy(name, hard, used, scopes);
    }

    /// <summary>Applies this quota alone to a Pod or a workload's pod template (without LimitRange defaults).</summary>
    /// <param name="manifest">A Pod or workload manifest.</param>
    /// <returns>The pod's usage and every violation.</returns>
    /// <exception cref="ArgumentException">The manifest is malformed; the message names the field.</exception>
    public ResourceAdmissionResult Evaluate(JsonElement manifest) => new ResourceAdmissionPolicy(quotas: [this]).Evaluate(manifest);

    /// <summary>Whether the quota counts this pod (every scope matches).</summary>
    internal bool Matches(ResourcePod pod)
    {
        foreach (ResourceQuotaScope scope in Scopes)
        {
            bool terminating = pod.ActiveDeadlineSeconds is >= 0;
            bool match = scope switch
            {
                ResourceQuotaScope.Terminating => terminating,
                ResourceQuotaScope.NotTerminating => !terminating,
                ResourceQuotaScope.BestEffort => IsBestEffort(pod),
                _ => !IsBestEffort(pod),
            };
            if (!match)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The quota admission check (pod evaluator Constraints, then used + usage ≤ hard per constrained resource).</summary>
    internal void Check(ResourcePod pod, IReadOnlyDictionary<string, ResourceQuantity> usage, List<ResourceViolation> violations)
    {
        if (!Matches(pod))
        {
            return;
        }

        string source = "ResourceQuota/" + Name;

        // Constraints: a quota on cpu/memory requires every container to state it ("must specify ...").
        foreach (string required in Hard.Keys.Where(ValidationSet.Contains).Order(StringComparer.Ordinal))
        {
            bool limit = required.StartsWith("limits.", StringComparison.Ordinal);
            string resource = required[(required.IndexOf('.', StringComparison.Ordinal) + 1)..];
            foreach (ContainerResources c in pod.Containers)
            {
                if (!(limit ? c.Limits : c.Requests).ContainsKey(resource))
                {
                    violations.Add(new ResourceViolation(
                        ResourceViolationKind.QuotaRequiresValue, source, c.Name, ResourceLists.Path(c, limit, resource), required, "<unset>", Hard[required].ToString(),
                        $"failed quota: {Name}: must specify {required} for: {c.Name}"));
                }
            }
        }

        foreach (var (resource, requested) in usage)
        {
            if (!Hard.TryGetValue(resource, out ResourceQuantity hard))
            {
                continue;
            }

            ResourceQuantity used = Used.TryGetValue(resource, out ResourceQuantity u) ? u : ResourceQuantity.Zero;
            if (used.Nanos + requested.Nanos > hard.Nanos)
            {
                violations.Add(new ResourceViolation(
                    ResourceViolationKind.QuotaExceeded, source, "", UsagePath(pod.SpecPath, resource), resource, requested.ToString(), hard.ToString(),
                    $"exceeded quota: {Name}, requested: {resource}={requested}, used: {resource}={used}, limited: {resource}={hard}{Contributions(pod, resource)}"));
            }
        }
    }

    /// <summary>The pod evaluator's usage (podComputeUsageHelper plus the object counts), zero entries left out.</summary>
    internal static Dictionary<string, ResourceQuantity> PodUsage(Dictionary<string, ResourceQuantity> requests, Dictionary<string, ResourceQuantity> limits)
    {
        var usage = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal)
        {
            ["count/pods"] = ResourceQuantity.FromValue(1),
            ["pods"] = ResourceQuantity.FromValue(1),
        };
        foreach (string name in (ReadOnlySpan<string>)["cpu", "memory", "ephemeral-storage"])
        {
            if (requests.TryGetValue(name, out ResourceQuantity request))
            {
                usage[name] = request;
                usage["requests." + name] = request;
            }

            if (limits.TryGetValue(name, out ResourceQuantity limit))
            {
                usage["limits." + name] = limit;
            }
        }

        foreach (var (name, request) in requests)
        {
            if (name.StartsWith("hugepages-", StringComparison.Ordinal))
            {
                usage[name] = request;
                usage["requests." + name] = request;
            }

            if (ResourceNames.IsExtended(name))
            {
                usage["requests." + name] = request;
            }
        }

        foreach (var (name, value) in usage.ToList())
        {
            if (value.IsZero)
            {
                usage.Remove(name);
            }
        }

        return usage;
    }

    private static bool IsBestEffort(ResourcePod pod)
    {
        foreach (ContainerResources c in pod.Containers)
        {
            foreach (var list in (ReadOnlySpan<IReadOnlyDictionary<string, ResourceQuantity>>)[c.Requests, c.Limits])
            {
                foreach (string name in (ReadOnlySpan<string>)["cpu", "memory"])
                {
                    if (list.TryGetValue(name, out ResourceQuantity q) && q.Sign > 0)
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    private static string UsagePath(string specPath, string resource)
    {
        if (resource is "pods" or "count/pods")
        {
            return specPath;
        }

        bool limit = resource.StartsWith("limits.", StringComparison.Ordinal);
        string name = resource.StartsWith("requests.", StringComparison.Ordinal) || limit ? resource[(resource.IndexOf('.', StringComparison.Ordinal) + 1)..] : resource;
        return $"{specPath}.containers[*].resources.{(limit ? "limits" : "requests")}.{name}";
    }

    private static string Contributions(ResourcePod pod, string resource)
    {
        if (resource is "pods" or "count/pods")
        {
            return "";
        }

        bool limit = resource.StartsWith("limits.", StringComparison.Ordinal);
        string name = resource.StartsWith("requests.", StringComparison.Ordinal) || limit ? resource[(resource.IndexOf('.', StringComparison.Ordinal) + 1)..] : resource;
        var parts = new List<string>();
        foreach (ContainerResources c in pod.Containers)
        {
            if ((limit ? c.Limits : c.Requests).TryGetValue(name, out ResourceQuantity q) && !q.IsZero)
            {
                parts.Add($"{c.Display} {q}");
            }
        }

        return parts.Count == 0 ? "" : " (" + string.Join(", ", parts) + ")";
    }

    private static Dictionary<string, ResourceQuantity> Checked(IReadOnlyDictionary<string, ResourceQuantity> list, string paramName)
    {
        var copy = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (var (name, quantity) in list)
        {
            if (string.IsNullOrEmpty(name) || quantity.Sign < 0)
            {
                throw new ArgumentException($"'{name}': a quota amount must have a name and be greater than or equal to 0, not {quantity}.", paramName);
            }

            if (IsIntegerResource(name) && quantity.Nanos % 1_000_000_000 != 0)
            {
                throw new ArgumentException($"'{name}': must be an integer, not {quantity}.", paramName);
            }

            copy[name] = quantity;
        }

        return copy;
    }

    private static void CheckWhole(Dictionary<string, ResourceQuantity> list, string path)
    {
        foreach (var (name, quantity) in list)
        {
            if (IsIntegerResource(name) && quantity.Nanos % 1_000_000_000 != 0)
            {
                throw ResourceLists.Malformed($"{path}.{name}", $"'{quantity}' must be an integer");
            }
        }
    }

    private static bool IsIntegerResource(string name) => name == "pods" || name.StartsWith("count/", StringComparison.Ordinal);
}
