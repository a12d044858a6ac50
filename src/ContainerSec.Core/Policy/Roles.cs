using System.Collections.Immutable;

namespace ContainerSec.Policy;

/// <summary>A namespaced set of rules (<c>Role</c>).</summary>
public sealed class Role
{
    /// <summary>Creates a role.</summary>
    /// <exception cref="ArgumentNullException">A string is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="rules"/> holds a <see langword="null"/> entry.</exception>
    public Role(string @namespace, string name, IEnumerable<PolicyRule>? rules)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(name);
        Namespace = @namespace;
        Name = name;
        Rules = RbacPolicy.CopyList(rules, nameof(rules));
    }

    /// <summary>The namespace.</summary>
    public string Namespace { get; }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>The rules.</summary>
    public ImmutableArray<PolicyRule> Rules { get; }
}

/// <summary>A cluster-wide set of rules (<c>ClusterRole</c>), possibly aggregated from others by label.</summary>
public sealed class ClusterRole
{
    /// <summary>Creates a cluster role.</summary>
    /// <param name="name">The name.</param>
    /// <param name="rules">The rules (for an aggregated role: the rules last written by the aggregation controller).</param>
    /// <param name="labels">Labels that aggregation selectors look at.</param>
    /// <param name="aggregationSelectors">The <c>aggregationRule.clusterRoleSelectors</c>, or <see langword="null"/> when the role is not aggregated.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A list holds a <see langword="null"/> entry.</exception>
    public ClusterRole(string name, IEnumerable<PolicyRule>? rules, IReadOnlyDictionary<string, string>? labels = null, IEnumerable<LabelSelector>? aggregationSelectors = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Rules = RbacPolicy.CopyList(rules, nameof(rules));
        Labels = labels is null ? ImmutableSortedDictionary<string, string>.Empty : labels.ToImmutableSortedDictionary(StringComparer.Ordinal);
        AggregationSelectors = aggregationSelectors is null ? null : RbacPolicy.CopyList(aggregationSelectors, nameof(aggregationSelectors));
    }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>The rules.</summary>
    public ImmutableArray<PolicyRule> Rules { get; }

    /// <summary>The labels.</summary>
    public ImmutableSortedDictionary<string, string> Labels { get; }

    /// <summary>The aggregation selectors, or <see langword="null"/> when the role is not aggregated.</summary>
    public ImmutableArray<LabelSelector>? AggregationSelectors { get; }
}

/// <summary>The kind of role a binding refers to.</summary>
public enum RoleRefKind
{
    /// <summary>A <see cref="Policy.Role"/> in the binding's namespace.</summary>
    Role,

    /// <summary>A <see cref="Policy.ClusterRole"/>.</summary>
    ClusterRole,
}

/// <summary>A binding's reference to a role (<c>roleRef</c>).</summary>
/// <param name="Kind">Role or ClusterRole.</param>
/// <param name="Name">The role's name.</param>
/// <exception cref="ArgumentNullException"><paramref name="Name"/> is <see langword="null"/>.</exception>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="Kind"/> is not a defined value.</exception>
public sealed record RoleRef(RoleRefKind Kind, string Name)
{
    /// <summary>Role or ClusterRole.</summary>
    public RoleRefKind Kind { get; } = Enum.IsDefined(Kind) ? Kind : throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Not a role reference kind.");

    /// <summary>The referenced role's name.</summary>
    public string Name { get; } = Name ?? throw new ArgumentNullException(nameof(Name));
}

/// <summary>
/// Grants a role to subjects within one namespace (<c>RoleBinding</c>). A RoleBinding that
/// refers to a ClusterRole grants that role's rules only inside the binding's namespace.
/// </summary>
public sealed class RoleBinding
{
    /// <summary>Creates a role binding.</summary>
    /// <exception cref="ArgumentNullException">A string or <paramref name="roleRef"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="subjects"/> holds a <see langword="null"/> entry.</exception>
    public RoleBinding(string @namespace, string name, RoleRef roleRef, IEnumerable<Subject>? subjects)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(roleRef);
        Namespace = @namespace;
        Name = name;
        RoleRef = roleRef;
        Subjects = RbacPolicy.CopyList(subjects, nameof(subjects));
    }

    /// <summary>The namespace the binding grants in.</summary>
    public string Namespace { get; }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>The role granted.</summary>
    public RoleRef RoleRef { get; }

    /// <summary>The subjects.</summary>
    public ImmutableArray<Subject> Subjects { get; }
}

/// <summary>Grants a ClusterRole to subjects in every namespace and cluster-wide (<c>ClusterRoleBinding</c>).</summary>
public sealed class ClusterRoleBinding
{
    /// <summary>Creates a cluster role binding.</summary>
    /// <param name="name">The name.</param>
    /// <param name="clusterRoleName">The ClusterRole granted (a ClusterRoleBinding cannot refer to a Role).</param>
    /// <param name="subjects">The subjects.</param>
    /// <exception cref="ArgumentNullException">A string is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="subjects"/> holds a <see langword="null"/> entry.</exception>
    public ClusterRoleBinding(string name, string clusterRoleName, IEnumerable<Subject>? subjects)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(clusterRoleName);
        Name = name;
        RoleRef = new RoleRef(RoleRefKind.ClusterRole, clusterRoleName);
        Subjects = RbacPolicy.CopyList(subjects, nameof(subjects));
    }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>The ClusterRole granted.</summary>
    public RoleRef RoleRef { get; }

    /// <summary>The subjects.</summary>
    public ImmutableArray<Subject> Subjects { get; }
}

/// <summary>How a label selector requirement compares a label.</summary>
public enum LabelSelectorOperator
{
    /// <summary>The label is present with one of the values.</summary>
    In,

    /// <summary>The label is absent or has none of the values.</summary>
    NotIn,

    /// <summary>The label is present.</summary>
    Exists,

    /// <summary>The label is absent.</summary>
    DoesNotExist,
}

/// <summary>One <c>matchExpressions</c> entry.</summary>
public sealed class LabelSelectorRequirement
{
    /// <summary>Creates a requirement.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// In/NotIn without values, or Exists/DoesNotExist with values (Kubernetes refuses both).
    /// </exception>
    public LabelSelectorRequirement(string key, LabelSelectorOperator @operator, IEnumerable<string>? values = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = key;
        Operator = @operator;
        Values = PolicyRule.Copy(values, nameof(values));
        bool needsValues = @operator is LabelSelectorOperator.In or LabelSelectorOperator.NotIn;
        if (needsValues == Values.IsEmpty)
        {
            throw new ArgumentException(needsValues ? "In and NotIn need at least one value." : "Exists and DoesNotExist take no values.", nameof(values));
        }
    }

    /// <summary>The label key.</summary>
    public string Key { get; }

    /// <summary>The operator.</summary>
    public LabelSelectorOperator Operator { get; }

    /// <summary>The values.</summary>
    public ImmutableArray<string> Values { get; }

    internal bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        bool has = labels.TryGetValue(Key, out string? value);
        return Operator switch
        {
            LabelSelectorOperator.In => has && PolicyRule.Contains(Values, value!, wildcard: false),
            LabelSelectorOperator.NotIn => !has || !PolicyRule.Contains(Values, value!, wildcard: false),
            LabelSelectorOperator.Exists => has,
            _ => !has,
        };
    }
}

/// <summary>A Kubernetes label selector: every <c>matchLabels</c> pair and every expression must hold; an empty selector matches everything.</summary>
public sealed class LabelSelector
{
    /// <summary>Creates a selector.</summary>
    /// <exception cref="ArgumentException"><paramref name="matchExpressions"/> holds a <see langword="null"/> entry.</exception>
    public LabelSelector(IReadOnlyDictionary<string, string>? matchLabels = null, IEnumerable<LabelSelectorRequirement>? matchExpressions = null)
    {
        MatchLabels = matchLabels is null ? ImmutableSortedDictionary<string, string>.Empty : matchLabels.ToImmutableSortedDictionary(StringComparer.Ordinal);
        MatchExpressions = RbacPolicy.CopyList(matchExpressions, nameof(matchExpressions));
    }

    /// <summary>Labels that must be present with these values.</summary>
    public ImmutableSortedDictionary<string, string> MatchLabels { get; }

    /// <summary>Expressions that must all hold.</summary>
    public ImmutableArray<LabelSelectorRequirement> MatchExpressions { get; }

    /// <summary>Whether <paramref name="labels"/> satisfy the selector.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="labels"/> is <see langword="null"/>.</exception>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var (key, value) in MatchLabels)
        {
            if (!labels.TryGetValue(key, out string? actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        foreach (LabelSelectorRequirement requirement in MatchExpressions)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }
}
