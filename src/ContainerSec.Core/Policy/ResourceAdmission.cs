using System.Text.Json;

namespace ContainerSec.Policy;

/// <summary>
/// A configured requirement: every container (app and init) must set this request or limit (issue #6:
/// "require CPU/memory requests and limits where configured"). Checked on the pod as admission writes it,
/// so a LimitRange default satisfies it.
/// </summary>
public sealed class ResourceRequirement
{
    private ResourceRequirement(string resource, bool isLimit)
    {
        Resource = resource;
        IsLimit = isLimit;
    }

    /// <summary>Requests and limits for both CPU and memory.</summary>
    public static IReadOnlyList<ResourceRequirement> CpuAndMemory { get; } = [Request("cpu"), Limit("cpu"), Request("memory"), Limit("memory")];

    /// <summary>The resource, e.g. <c>cpu</c>.</summary>
    public string Resource { get; }

    /// <summary>True for <c>resources.limits</c>, false for <c>resources.requests</c>.</summary>
    public bool IsLimit { get; }

    /// <summary>Every container must set <c>resources.requests.&lt;resource&gt;</c>.</summary>
    /// <param name="resource">The resource name.</param>
    /// <returns>The requirement.</returns>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is not a container resource name.</exception>
    public static ResourceRequirement Request(string resource) => new(CheckName(resource), isLimit: false);

    /// <summary>Every container must set <c>resources.limits.&lt;resource&gt;</c>.</summary>
    /// <param name="resource">The resource name.</param>
    /// <returns>The requirement.</returns>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is not a container resource name.</exception>
    public static ResourceRequirement Limit(string resource) => new(CheckName(resource), isLimit: true);

    /// <inheritdoc/>
    public override string ToString() => (IsLimit ? "limits." : "requests.") + Resource;

    private static string CheckName(string resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return ResourceNames.ContainerResourceError(resource) is { } error ? throw new ArgumentException(error + ".", nameof(resource)) : resource;
    }
}

/// <summary>
/// Resource admission for a namespace: its LimitRanges, its ResourceQuotas and configured requirements,
/// applied in the API server's order to a Pod or a workload's pod template.
/// </summary>
/// <remarks>
/// Order: (1) Pod defaulting — a limit without a request sets the request; (2) every LimitRange writes its
/// Container defaults into containers that lack them (default limit, then default request); (3) pod
/// validation — request ≤ limit, and request = limit for resources that cannot be overcommitted; (4) every
/// LimitRange's min, max and ratio per container and per pod; (5) the configured requirements; (6) every
/// quota. All violations are reported, not only the first. Ephemeral containers carry no resources and are
/// ignored. See <c>docs/admission.md</c>, "Resource limits".
/// </remarks>
public sealed class ResourceAdmissionPolicy
{
    private readonly List<LimitRangePolicy> _limitRanges;
    private readonly List<ResourceQuotaPolicy> _quotas;
    private readonly List<ResourceRequirement> _required;

    /// <summary>Creates the policy.</summary>
    /// <param name="limitRanges">The namespace's LimitRanges, applied in order; null for none.</param>
    /// <param name="quotas">The namespace's ResourceQuotas with their used amounts; null for none.</param>
    /// <param name="required">Requests/limits every container must set; null for none.</param>
    /// <exception cref="ArgumentException">A list contains <see langword="null"/>.</exception>
    public ResourceAdmissionPolicy(
        IEnumerable<LimitRangePolicy>? limitRanges = null,
        IEnumerable<ResourceQuotaPolicy>? quotas = null,
        IEnumerable<ResourceRequirement>? required = null)
    {
        _limitRanges = NoNulls(limitRanges, nameof(limitRanges));
        _quotas = NoNulls(quotas, nameof(quotas));
        _required = NoNulls(required, nameof(required));
    }

    /// <summary>The LimitRanges.</summary>
    public IReadOnlyList<LimitRangePolicy> LimitRanges => _limitRanges;

    /// <summary>The quotas.</summary>
    public IReadOnlyList<ResourceQuotaPolicy> Quotas => _quotas;

    /// <summary>The configured requirements.</summary>
    public IReadOnlyList<ResourceRequirement> Required => _required;

    /// <summary>Evaluates a Pod, or the pod template of a PodTemplate, ReplicationController, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob.</summary>
    /// <param name="manifest">The manifest in its JSON form.</param>
    /// <returns>The resources as admission would write them, the pod's effective totals and quota usage, and every violation.</returns>
    /// <exception cref="ArgumentException">
    /// The manifest is malformed: unsupported kind, missing template, a field of the wrong JSON type, a
    /// malformed or negative quantity, pod-level <c>spec.resources</c> (not supported), or totals beyond 2⁶³−1;
    /// the message names the field.
    /// </exception>
    public ResourceAdmissionResult Evaluate(JsonElement manifest)
    {
        ResourcePod pod = ResourcePod.FromManifest(manifest);
        foreach (LimitRangePolicy range in _limitRanges)
        {
            range.ApplyDefaults(pod);
        }

        var violations = new List<ResourceViolation>();
        foreach (ContainerResources c in pod.Containers)
        {
            ValidateRequestsAgainstLimits(c, violations);
        }

        Dictionary<string, ResourceQuantity> podRequests = pod.Effective(limits: false);
        Dictionary<string, ResourceQuantity> podLimits = pod.Effective(limits: true);
        foreach (LimitRangePolicy range in _limitRanges)
        {
            range.Validate(pod, podRequests, podLimits, violations);
        }

        foreach (ResourceRequirement requirement in _required)
        {
            foreach (ContainerResources c in pod.Containers)
            {
                if (!(requirement.IsLimit ? c.Limits : c.Requests).ContainsKey(requirement.Resource))
                {
                    violations.Add(new ResourceViolation(
                        ResourceViolationKind.Required, "required resources", c.Name, ResourceLists.Path(c, requirement.IsLimit, requirement.Resource), requirement.Resource,
                        "<unset>", "required", $"{c.Display} must set a {requirement.Resource} {(requirement.IsLimit ? "limit" : "request")}"));
                }
            }
        }

        // Quota usage: effective requests plus the pod overhead; overhead is added to a limit only where one is set.
        var quotaRequests = new Dictionary<string, ResourceQuantity>(podRequests, StringComparer.Ordinal);
        ResourceLists.AddTo(quotaRequests, pod.Overhead);
        var quotaLimits = new Dictionary<string, ResourceQuantity>(podLimits, StringComparer.Ordinal);
        foreach (var (name, overhead) in pod.Overhead)
        {
            if (quotaLimits.TryGetValue(name, out ResourceQuantity limit))
            {
                quotaLimits[name] = limit + overhead;
            }
        }

        Dictionary<string, ResourceQuantity> usage = ResourceQuotaPolicy.PodUsage(quotaRequests, quotaLimits);
        foreach (ResourceQuotaPolicy quota in _quotas)
        {
            quota.Check(pod, usage, violations);
        }

        return new ResourceAdmissionResult(pod.Containers, podRequests, podLimits, usage, violations);
    }

    /// <summary>Pod validation (ValidateResourceRequirements): request ≤ limit; for huge pages and extended resources, a limit that equals the request.</summary>
    private static void ValidateRequestsAgainstLimits(ContainerResources c, List<ResourceViolation> violations)
    {
        const string Source = "pod validation";
        foreach (var (name, request) in c.Requests)
        {
            bool hasLimit = c.Limits.TryGetValue(name, out ResourceQuantity limit);
            string path = ResourceLists.Path(c, false, name);
            if (hasLimit && request > limit)
            {
                violations.Add(new ResourceViolation(
                    ResourceViolationKind.RequestExceedsLimit, Source, c.Name, path, name, request.ToString(), limit.ToString(),
                    $"{c.Path}.resources.requests: Invalid value: \"{request}\": must be less than or equal to {name} limit of {limit}"));
            }
            else if (!ResourceNames.IsOvercommitAllowed(name) && !hasLimit)
            {
                violations.Add(new ResourceViolation(
                    ResourceViolationKind.RequestExceedsLimit, Source, c.Name, ResourceLists.Path(c, true, name), name, "<unset>", request.ToString(),
                    $"{c.Path}.resources.limits: Required value: Limit must be set for non overcommitable resources ({name})"));
            }
            else if (!ResourceNames.IsOvercommitAllowed(name) && request != limit)
            {
                violations.Add(new ResourceViolation(
                    ResourceViolationKind.RequestExceedsLimit, Source, c.Name, path, name, request.ToString(), limit.ToString(),
                    $"{c.Path}.resources.requests: Invalid value: \"{request}\": must be equal to {name} limit of {limit}"));
            }
        }
    }

    private static List<T> NoNulls<T>(IEnumerable<T>? items, string paramName)
        where T : class
    {
        var list = new List<T>();
        foreach (T? item in items ?? [])
        {
            list.Add(item ?? throw new ArgumentException("The list contains null.", paramName));
        }

        return list;
    }
}
