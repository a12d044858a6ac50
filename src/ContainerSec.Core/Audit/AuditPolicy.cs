namespace ContainerSec.Audit;

/// <summary>A group and its resources in an <see cref="AuditPolicyRule"/> (Kubernetes <c>GroupResources</c>).</summary>
/// <param name="Group">The API group; <c>""</c> is the core group. The version is never included.</param>
/// <param name="Resources">Resources to match: <c>pods</c>, <c>pods/log</c>, <c>*</c>, <c>*/status</c>, <c>pods/*</c>; empty matches every resource of the group.</param>
/// <param name="ResourceNames">Object names to match; empty matches every name.</param>
public sealed record AuditGroupResources(string Group = "", IReadOnlyList<string>? Resources = null, IReadOnlyList<string>? ResourceNames = null);

/// <summary>One rule of an <see cref="AuditPolicy"/>; an empty list matches everything for that attribute.</summary>
public sealed record AuditPolicyRule
{
    /// <summary>The level of the events this rule matches.</summary>
    public required AuditLevel Level { get; init; }

    /// <summary>User names that match (exactly).</summary>
    public IReadOnlyList<string>? Users { get; init; }

    /// <summary>Groups, of which the user must be in at least one.</summary>
    public IReadOnlyList<string>? UserGroups { get; init; }

    /// <summary>Verbs that match.</summary>
    public IReadOnlyList<string>? Verbs { get; init; }

    /// <summary>Resources that match (resource requests only).</summary>
    public IReadOnlyList<AuditGroupResources>? Resources { get; init; }

    /// <summary>Namespaces that match (resource requests only; <c>""</c> selects cluster-scoped resources).</summary>
    public IReadOnlyList<string>? Namespaces { get; init; }

    /// <summary>Non-resource URL paths that match: exact, <c>*</c>, or a prefix ending in <c>*</c> (non-resource requests only).</summary>
    public IReadOnlyList<string>? NonResourceUrls { get; init; }

    /// <summary>Stages not recorded for requests this rule matches (added to the policy's).</summary>
    public IReadOnlyList<AuditStage>? OmitStages { get; init; }
}

/// <summary>The attributes of a request that an audit policy matches on.</summary>
public sealed record AuditRequestAttributes
{
    /// <summary>The authenticated user name.</summary>
    public required string Username { get; init; }

    /// <summary>The user's groups.</summary>
    public IReadOnlyList<string>? Groups { get; init; }

    /// <summary>The verb (<c>get</c>, <c>list</c>, <c>watch</c>, <c>create</c>, … or an HTTP verb for non-resource requests).</summary>
    public required string Verb { get; init; }

    /// <summary>Whether the request is for an API resource (else a non-resource URL such as <c>/healthz</c>).</summary>
    public bool IsResourceRequest { get; init; }

    /// <summary>The API group (<c>""</c> for core).</summary>
    public string ApiGroup { get; init; } = "";

    /// <summary>The resource, e.g. <c>pods</c>.</summary>
    public string Resource { get; init; } = "";

    /// <summary>The subresource, e.g. <c>log</c>, or empty.</summary>
    public string Subresource { get; init; } = "";

    /// <summary>The namespace, or empty for cluster-scoped resources.</summary>
    public string Namespace { get; init; } = "";

    /// <summary>The object name, or empty.</summary>
    public string Name { get; init; } = "";

    /// <summary>The URL path (used for non-resource requests).</summary>
    public string Path { get; init; } = "";
}

/// <summary>What an <see cref="AuditPolicy"/> decided for a request: the level and the stages to omit.</summary>
/// <param name="Level">The level to record at; <see cref="AuditLevel.None"/> records nothing.</param>
/// <param name="OmitStages">The stages not to record (the union of the policy's and the matching rule's).</param>
/// <param name="RuleIndex">The index of the matching rule, or -1 when none matched.</param>
public sealed record AuditPolicyDecision(AuditLevel Level, IReadOnlyList<AuditStage> OmitStages, int RuleIndex)
{
    /// <summary>Whether an event at <paramref name="stage"/> is recorded.</summary>
    public bool ShouldRecord(AuditStage stage) => Level != AuditLevel.None && !OmitStages.Contains(stage);
}

/// <summary>
/// An audit policy with Kubernetes <c>audit.k8s.io/v1</c> semantics: rules are checked in order
/// and the first match decides the level; no match means <see cref="AuditLevel.None"/>; the
/// omitted stages are the union of the policy's and the matching rule's.
/// </summary>
/// <remarks>
/// Matching follows k8s.io/apiserver <c>pkg/audit/policy/checker.go</c>: users by exact name;
/// groups by intersection; verbs exactly; a rule with namespaces or resources matches resource
/// requests only, a rule with non-resource URLs non-resource requests only. Resources match
/// <c>resource</c> or <c>resource/subresource</c> exactly, <c>*</c> anything, <c>*/sub</c> any
/// resource's subresource <c>sub</c>, and <c>resource/*</c> the resource and all its subresources.
/// Instances are immutable and thread-safe.
/// </remarks>
public sealed class AuditPolicy
{
    private readonly AuditPolicyRule[] _rules;
    private readonly AuditStage[] _omitStages;

    /// <summary>Creates a policy.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="rules"/> is <see langword="null"/> or holds <see langword="null"/>.</exception>
    public AuditPolicy(IEnumerable<AuditPolicyRule> rules, IEnumerable<AuditStage>? omitStages = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = [.. rules];
        foreach (AuditPolicyRule rule in _rules)
        {
            ArgumentNullException.ThrowIfNull(rule, nameof(rules));
        }

        _omitStages = omitStages is null ? [] : [.. omitStages.Distinct()];
    }

    /// <summary>The rules, in evaluation order.</summary>
    public IReadOnlyList<AuditPolicyRule> Rules => _rules;

    /// <summary>The stages omitted for every request.</summary>
    public IReadOnlyList<AuditStage> OmitStages => _omitStages;

    /// <summary>Decides the level and omitted stages for <paramref name="request"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    public AuditPolicyDecision Evaluate(AuditRequestAttributes request)
    {
        ArgumentNullException.ThrowIfNull(request);
        for (int i = 0; i < _rules.Length; i++)
        {
            AuditPolicyRule rule = _rules[i];
            if (Matches(rule, request))
            {
                AuditStage[] omit = rule.OmitStages is { Count: > 0 } extra ? [.. _omitStages.Union(extra)] : _omitStages;
                return new AuditPolicyDecision(rule.Level, omit, i);
            }
        }

        return new AuditPolicyDecision(AuditLevel.None, _omitStages, -1);
    }

    private static bool Matches(AuditPolicyRule rule, AuditRequestAttributes request)
    {
        if (rule.Users is { Count: > 0 } users && !users.Contains(request.Username, StringComparer.Ordinal))
        {
            return false;
        }

        if (rule.UserGroups is { Count: > 0 } groups && (request.Groups is null || !request.Groups.Any(g => groups.Contains(g, StringComparer.Ordinal))))
        {
            return false;
        }

        if (rule.Verbs is { Count: > 0 } verbs && !verbs.Contains(request.Verb, StringComparer.Ordinal))
        {
            return false;
        }

        if (rule.Namespaces is { Count: > 0 } || rule.Resources is { Count: > 0 })
        {
            return MatchesResource(rule, request);
        }

        if (rule.NonResourceUrls is { Count: > 0 } urls)
        {
            return !request.IsResourceRequest && urls.Any(spec => PathMatches(request.Path, spec));
        }

        return true;
    }

    private static bool MatchesResource(AuditPolicyRule rule, AuditRequestAttributes request)
    {
        if (!request.IsResourceRequest)
        {
            return false;
        }

        if (rule.Namespaces is { Count: > 0 } namespaces && !namespaces.Contains(request.Namespace, StringComparer.Ordinal))
        {
            return false;
        }

        if (rule.Resources is not { Count: > 0 } resources)
        {
            return true;
        }

        string combined = request.Subresource.Length > 0 ? request.Resource + "/" + request.Subresource : request.Resource;
        foreach (AuditGroupResources group in resources)
        {
            if (!string.Equals(group.Group, request.ApiGroup, StringComparison.Ordinal))
            {
                continue;
            }

            if (group.Resources is not { Count: > 0 } names)
            {
                return true;
            }

            if (group.ResourceNames is { Count: > 0 } objectNames && !objectNames.Contains(request.Name, StringComparer.Ordinal))
            {
                continue;
            }

            foreach (string spec in names)
            {
                if (spec == combined || spec == "*"
                    || (request.Subresource.Length > 0 && spec.StartsWith("*/", StringComparison.Ordinal) && spec[2..] == request.Subresource)
                    || (spec.EndsWith("/*", StringComparison.Ordinal) && spec[..^2] == request.Resource))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool PathMatches(string path, string spec) =>
        spec == "*" || spec == path || (spec.EndsWith('*') && path.StartsWith(spec[..^1], StringComparison.Ordinal));
}
