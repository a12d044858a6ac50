using System.Collections.Immutable;

namespace ContainerSec.Policy;

/// <summary>
/// An immutable set of roles, cluster roles and their bindings: what the Kubernetes RBAC
/// authorizer reads. Lookups by name are ordinal; when two objects share a name (which the API
/// server would not allow) the first one wins, as it would after the second create failed.
/// </summary>
public sealed class RbacPolicy
{
    private readonly Dictionary<(string Namespace, string Name), Role> _roles = [];
    private readonly Dictionary<string, ClusterRole> _clusterRoles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImmutableArray<RoleBinding>> _roleBindingsByNamespace = new(StringComparer.Ordinal);

    /// <summary>Creates a policy.</summary>
    /// <exception cref="ArgumentException">A list holds a <see langword="null"/> entry.</exception>
    public RbacPolicy(
        IEnumerable<Role>? roles = null,
        IEnumerable<ClusterRole>? clusterRoles = null,
        IEnumerable<RoleBinding>? roleBindings = null,
        IEnumerable<ClusterRoleBinding>? clusterRoleBindings = null)
    {
        Roles = CopyList(roles, nameof(roles));
        ClusterRoles = CopyList(clusterRoles, nameof(clusterRoles));
        RoleBindings = CopyList(roleBindings, nameof(roleBindings));
        ClusterRoleBindings = CopyList(clusterRoleBindings, nameof(clusterRoleBindings));
        foreach (Role role in Roles)
        {
            _roles.TryAdd((role.Namespace, role.Name), role);
        }

        foreach (ClusterRole role in ClusterRoles)
        {
            _clusterRoles.TryAdd(role.Name, role);
        }

        foreach (var group in RoleBindings.GroupBy(b => b.Namespace, StringComparer.Ordinal))
        {
            _roleBindingsByNamespace[group.Key] = [.. group];
        }
    }

    /// <summary>An empty policy.</summary>
    public static RbacPolicy Empty { get; } = new();

    /// <summary>The roles.</summary>
    public ImmutableArray<Role> Roles { get; }

    /// <summary>The cluster roles.</summary>
    public ImmutableArray<ClusterRole> ClusterRoles { get; }

    /// <summary>The role bindings.</summary>
    public ImmutableArray<RoleBinding> RoleBindings { get; }

    /// <summary>The cluster role bindings.</summary>
    public ImmutableArray<ClusterRoleBinding> ClusterRoleBindings { get; }

    /// <summary>The role bindings of one namespace, in policy order.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="namespace"/> is <see langword="null"/>.</exception>
    public ImmutableArray<RoleBinding> RoleBindingsIn(string @namespace)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        return _roleBindingsByNamespace.TryGetValue(@namespace, out var bindings) ? bindings : [];
    }

    /// <summary>Finds a role.</summary>
    public Role? FindRole(string @namespace, string name) => _roles.GetValueOrDefault((@namespace, name));

    /// <summary>Finds a cluster role.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public ClusterRole? FindClusterRole(string name) => _clusterRoles.GetValueOrDefault(name);

    /// <summary>
    /// The rules a role reference grants in <paramref name="namespace"/> (Kubernetes
    /// <c>GetRoleReferenceRules</c>), or the error Kubernetes reports for a broken reference
    /// (<c>role.rbac.authorization.k8s.io "x" not found</c>).
    /// </summary>
    internal ImmutableArray<PolicyRule> ResolveRoleRef(RoleRef roleRef, string @namespace, out string? error)
    {
        error = null;
        if (roleRef.Kind == RoleRefKind.ClusterRole)
        {
            if (_clusterRoles.TryGetValue(roleRef.Name, out ClusterRole? clusterRole))
            {
                return clusterRole.Rules;
            }

            error = $"clusterrole.rbac.authorization.k8s.io \"{roleRef.Name}\" not found";
            return [];
        }

        if (_roles.TryGetValue((@namespace, roleRef.Name), out Role? role))
        {
            return role.Rules;
        }

        error = $"role.rbac.authorization.k8s.io \"{roleRef.Name}\" not found";
        return [];
    }

    /// <summary>
    /// Runs ClusterRole aggregation as the Kubernetes aggregation controller does, once for every
    /// cluster role with an aggregation rule: for each selector in order, the matching cluster
    /// roles sorted by name (the role itself excluded) contribute their rules, duplicates dropped;
    /// the result replaces the role's rules. Roles are read as they were before this call, so an
    /// aggregated role that selects another aggregated role sees that role's previous rules
    /// (call again to reach a fixed point, as the controller's repeated syncs do).
    /// </summary>
    /// <returns>A new policy; this one is unchanged.</returns>
    public RbacPolicy WithAggregatedClusterRoles()
    {
        var result = ClusterRoles.Select(role => role.AggregationSelectors is null
            ? role
            : new ClusterRole(role.Name, Aggregate(role), role.Labels, role.AggregationSelectors));
        return new RbacPolicy(Roles, result, RoleBindings, ClusterRoleBindings);
    }

    /// <summary>
    /// Runs aggregation until no aggregated role changes (at most as many rounds as there are cluster
    /// roles): nested aggregation such as the bootstrap <c>admin</c> ← <c>edit</c> ← <c>view</c> resolves completely.
    /// </summary>
    /// <returns>A new policy; this one is unchanged.</returns>
    public RbacPolicy WithAggregatedClusterRolesResolved()
    {
        RbacPolicy current = this;
        for (int round = 0; round <= ClusterRoles.Length; round++)
        {
            RbacPolicy next = current.WithAggregatedClusterRoles();
            bool changed = false;
            for (int i = 0; i < next.ClusterRoles.Length && !changed; i++)
            {
                changed = !next.ClusterRoles[i].Rules.AsSpan().SequenceEqual(current.ClusterRoles[i].Rules.AsSpan());
            }

            current = next;
            if (!changed)
            {
                break;
            }
        }

        return current;
    }

    /// <summary>The rules <paramref name="role"/> would have after one aggregation pass (its own rules if it is not aggregated).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="role"/> is <see langword="null"/>.</exception>
    public ImmutableArray<PolicyRule> Aggregate(ClusterRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        if (role.AggregationSelectors is not { } selectors)
        {
            return role.Rules;
        }

        var rules = new List<PolicyRule>();
        foreach (LabelSelector selector in selectors)
        {
            var matching = ClusterRoles.Where(r => selector.Matches(r.Labels)).OrderBy(r => r.Name, StringComparer.Ordinal);
            foreach (ClusterRole source in matching)
            {
                if (string.Equals(source.Name, role.Name, StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (PolicyRule rule in source.Rules)
                {
                    if (!rules.Contains(rule))
                    {
                        rules.Add(rule);
                    }
                }
            }
        }

        return [.. rules];
    }

    internal static ImmutableArray<T> CopyList<T>(IEnumerable<T>? values, string paramName)
        where T : class
    {
        if (values is null)
        {
            return [];
        }

        ImmutableArray<T> copy = [.. values];
        foreach (T value in copy)
        {
            if (value is null)
            {
                throw new ArgumentException("The list must not contain null entries.", paramName);
            }
        }

        return copy;
    }
}
