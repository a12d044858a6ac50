namespace ContainerSec.Policy;

/// <summary>What kind of resource rule a <see cref="ResourceViolation"/> broke.</summary>
public enum ResourceViolationKind
{
    /// <summary>Pod validation: a request above its limit (or, for a resource that cannot be overcommitted such as an extended resource or huge pages, a request different from its limit or without one).</summary>
    RequestExceedsLimit,

    /// <summary>LimitRange <c>min</c>: no request, or a request or limit below the minimum.</summary>
    BelowMinimum,

    /// <summary>LimitRange <c>max</c>: no limit, or a limit or request above the maximum.</summary>
    AboveMaximum,

    /// <summary>LimitRange <c>maxLimitRequestRatio</c>: no (or zero) request or limit, or limit/request above the ratio.</summary>
    LimitRequestRatio,

    /// <summary>A configured <see cref="ResourceRequirement"/>: the container does not set the request or limit.</summary>
    Required,

    /// <summary>A ResourceQuota constrains CPU or memory, so every container must set it (Kubernetes' "must specify").</summary>
    QuotaRequiresValue,

    /// <summary>A ResourceQuota's used amount plus this pod would exceed the hard limit.</summary>
    QuotaExceeded,
}

/// <summary>One refusal: which policy, which container and field, which resource, the value and the bound.</summary>
public sealed class ResourceViolation
{
    internal ResourceViolation(ResourceViolationKind kind, string source, string container, string path, string resource, string value, string bound, string message)
    {
        Kind = kind;
        Source = source;
        Container = container;
        Path = path;
        Resource = resource;
        Value = value;
        Bound = bound;
        Message = message;
    }

    /// <summary>The rule broken.</summary>
    public ResourceViolationKind Kind { get; }

    /// <summary>Where the rule comes from: <c>LimitRange/name</c>, <c>ResourceQuota/name</c>, <c>pod validation</c> or <c>required resources</c>.</summary>
    public string Source { get; }

    /// <summary>The container's name; empty for a pod-level rule (LimitRange type <c>Pod</c>, quota totals).</summary>
    public string Container { get; }

    /// <summary>
    /// The field, e.g. <c>spec.containers[1].resources.limits.memory</c>. Pod-level rules use
    /// <c>spec.containers[*].resources.requests.cpu</c> (the pod's effective total).
    /// </summary>
    public string Path { get; }

    /// <summary>The resource, e.g. <c>memory</c>, or for a quota the quota's resource name, e.g. <c>requests.cpu</c>.</summary>
    public string Resource { get; }

    /// <summary>The offending value (canonical quantity text; a ratio as <c>2.500000</c>); <c>&lt;unset&gt;</c> when it is missing.</summary>
    public string Value { get; }

    /// <summary>The bound that was broken (canonical quantity text), e.g. the LimitRange maximum or the quota's hard limit.</summary>
    public string Bound { get; }

    /// <summary>The reason in Kubernetes' wording, e.g. <c>maximum memory usage per Container is 1Gi, but limit is 1536Mi</c>.</summary>
    public string Message { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Source}: {(Container.Length == 0 ? "pod" : $"container \"{Container}\"")} {Path}={Value}: {Message}";
}

/// <summary>
/// The outcome of resource admission for a pod or a workload's pod template: the resources as they
/// would be written (defaults applied) and every violation.
/// </summary>
public sealed class ResourceAdmissionResult
{
    internal ResourceAdmissionResult(
        IReadOnlyList<ContainerResources> containers,
        IReadOnlyDictionary<string, ResourceQuantity> podRequests,
        IReadOnlyDictionary<string, ResourceQuantity> podLimits,
        IReadOnlyDictionary<string, ResourceQuantity> quotaUsage,
        IReadOnlyList<ResourceViolation> violations)
    {
        Containers = containers;
        PodRequests = podRequests;
        PodLimits = podLimits;
        QuotaUsage = quotaUsage;
        Violations = violations;
    }

    /// <summary>True when no rule was broken.</summary>
    public bool Allowed => Violations.Count == 0;

    /// <summary>Every violation, in evaluation order: pod validation, LimitRanges, requirements, quotas.</summary>
    public IReadOnlyList<ResourceViolation> Violations { get; }

    /// <summary>App containers then init containers, with their resources after defaulting.</summary>
    public IReadOnlyList<ContainerResources> Containers { get; }

    /// <summary>The pod's effective requests: per resource, the sum over app containers and sidecars, or the largest init container step when that is more.</summary>
    public IReadOnlyDictionary<string, ResourceQuantity> PodRequests { get; }

    /// <summary>The pod's effective limits, computed as <see cref="PodRequests"/>.</summary>
    public IReadOnlyDictionary<string, ResourceQuantity> PodLimits { get; }

    /// <summary>What the pod adds to a quota's usage (<c>pods</c>, <c>count/pods</c>, <c>requests.cpu</c>, <c>limits.memory</c>, …), zero entries left out; add it to the used amounts after admitting the pod.</summary>
    public IReadOnlyDictionary<string, ResourceQuantity> QuotaUsage { get; }

    /// <summary>Every violation's text joined by <c>; </c>; empty when allowed.</summary>
    public string Message => string.Join("; ", Violations.Select(v => v.ToString()));

    /// <inheritdoc/>
    public override string ToString() => Allowed ? "allowed" : "refused: " + Message;
}
