using System.Collections.Frozen;
using System.Collections.Immutable;

namespace ContainerSec.Policy;

/// <summary>
/// The RBAC authorizer compiled into an immutable index: subject (user name, group name, or
/// <c>system:serviceaccount:ns:name</c>) → the rules granted to it cluster-wide and per
/// namespace, split by verb. <see cref="IsAllowed"/> answers with a handful of frozen-dictionary
/// lookups and no allocation; it agrees with <see cref="RbacAuthorizer"/> on every request (a
/// differential test checks this). <see cref="Authorize"/> explains a decision by replaying the
/// Kubernetes visit order on the same snapshot, which allocates.
/// </summary>
/// <remarks>
/// Updates (<see cref="Update"/>, <see cref="Replace"/>) compile a new snapshot and swap it in
/// atomically; readers never wait and each call sees one consistent snapshot. Names are interned
/// in a per-snapshot table, so equal strings from many manifests share one instance.
/// </remarks>
public sealed class CompiledRbacAuthorizer : IRbacAuthorizer
{
    private Snapshot _current;

    /// <summary>Compiles <paramref name="policy"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="policy"/> is <see langword="null"/>.</exception>
    public CompiledRbacAuthorizer(RbacPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _current = new Snapshot(policy);
    }

    /// <summary>The policy of the current snapshot.</summary>
    public RbacPolicy Policy => Volatile.Read(ref _current).Policy;

    /// <summary>Replaces the policy with a newly compiled snapshot; concurrent readers keep using the previous one until the swap.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="policy"/> is <see langword="null"/>.</exception>
    public void Replace(RbacPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Volatile.Write(ref _current, new Snapshot(policy));
    }

    /// <summary>
    /// Applies <paramref name="change"/> (for example adding or removing a binding or role) to the
    /// current policy and swaps in the compiled result with <see cref="Interlocked.CompareExchange{T}(ref T, T, T)"/>;
    /// if another update won the race the change is re-applied to the newer policy, so no update is lost.
    /// Readers are never blocked.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="change"/> is <see langword="null"/> or returned <see langword="null"/>.</exception>
    public void Update(Func<RbacPolicy, RbacPolicy> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        while (true)
        {
            Snapshot seen = Volatile.Read(ref _current);
            RbacPolicy next = change(seen.Policy) ?? throw new ArgumentNullException(nameof(change), "The change returned null.");
            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, new Snapshot(next), seen), seen))
            {
                return;
            }
        }
    }

    /// <inheritdoc/>
    public bool IsAllowed(AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Volatile.Read(ref _current).IsAllowed(request);
    }

    /// <inheritdoc/>
    public RbacDecision Authorize(AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Volatile.Read(ref _current).Explainer.Authorize(request);
    }

    private sealed class Snapshot
    {
        private readonly FrozenDictionary<string, Grants> _cluster;
        private readonly FrozenDictionary<string, FrozenDictionary<string, Grants>> _namespaced;

        public Snapshot(RbacPolicy policy)
        {
            Policy = policy;
            Explainer = new RbacAuthorizer(policy);
            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            string Intern(string s) => names.TryGetValue(s, out string? seen) ? seen : names[s] = s;

            var cluster = new Dictionary<string, GrantsBuilder>(StringComparer.Ordinal);
            foreach (ClusterRoleBinding binding in policy.ClusterRoleBindings)
            {
                ImmutableArray<PolicyRule> rules = policy.ResolveRoleRef(binding.RoleRef, "", out string? error);
                if (error is null)
                {
                    AddSubjects(cluster, binding.Subjects, "", rules, Intern);
                }
            }

            var namespaced = new Dictionary<string, Dictionary<string, GrantsBuilder>>(StringComparer.Ordinal);
            foreach (RoleBinding binding in policy.RoleBindings)
            {
                if (binding.Namespace.Length == 0)
                {
                    continue; // Never visited: Kubernetes only reads RoleBindings of a non-empty request namespace.
                }

                ImmutableArray<PolicyRule> rules = policy.ResolveRoleRef(binding.RoleRef, binding.Namespace, out string? error);
                if (error is not null)
                {
                    continue;
                }

                if (!namespaced.TryGetValue(binding.Namespace, out var map))
                {
                    namespaced[Intern(binding.Namespace)] = map = new Dictionary<string, GrantsBuilder>(StringComparer.Ordinal);
                }

                AddSubjects(map, binding.Subjects, binding.Namespace, rules, Intern);
            }

            _cluster = Freeze(cluster);
            _namespaced = namespaced.ToFrozenDictionary(p => p.Key, p => Freeze(p.Value), StringComparer.Ordinal);
        }

        public RbacPolicy Policy { get; }

        public RbacAuthorizer Explainer { get; }

        public bool IsAllowed(AccessRequest request)
        {
            UserInfo user = request.User;
            if (Allows(_cluster, user, request))
            {
                return true;
            }

            return request.Namespace.Length > 0
                && _namespaced.TryGetValue(request.Namespace, out var map)
                && Allows(map, user, request);
        }

        private static bool Allows(FrozenDictionary<string, Grants> map, UserInfo user, AccessRequest request)
        {
            if (map.TryGetValue(user.Name, out Grants? grants) && grants.AsUser.Allows(request))
            {
                return true;
            }

            foreach (string group in user.Groups)
            {
                if (map.TryGetValue(group, out grants) && grants.AsGroup.Allows(request))
                {
                    return true;
                }
            }

            return false;
        }

        private static FrozenDictionary<string, Grants> Freeze(Dictionary<string, GrantsBuilder> map) =>
            map.ToFrozenDictionary(p => p.Key, p => p.Value.Build(), StringComparer.Ordinal);

        /// <summary>
        /// Users and service accounts are keyed by user name, groups by group name. A user and a
        /// group may share a name, so each entry keeps user grants and group grants apart, and a
        /// lookup by user name reads only the user side, a lookup by group only the group side.
        /// </summary>
        private static void AddSubjects(Dictionary<string, GrantsBuilder> map, ImmutableArray<Subject> subjects, string bindingNamespace, ImmutableArray<PolicyRule> rules, Func<string, string> intern)
        {
            foreach (Subject subject in subjects)
            {
                string key;
                bool isGroup = false;
                switch (subject.Kind)
                {
                    case SubjectKind.User:
                        key = subject.Name;
                        break;
                    case SubjectKind.Group:
                        key = subject.Name;
                        isGroup = true;
                        break;
                    default:
                        string ns = subject.Namespace.Length > 0 ? subject.Namespace : bindingNamespace;
                        if (ns.Length == 0)
                        {
                            continue; // Kubernetes: a service account without any namespace matches nobody.
                        }

                        key = $"{Subject.ServiceAccountUserPrefix}{ns}:{subject.Name}";
                        break;
                }

                key = intern(key);
                if (!map.TryGetValue(key, out GrantsBuilder? builder))
                {
                    map[key] = builder = new GrantsBuilder();
                }

                builder.Add(isGroup, rules);
            }
        }
    }

    private sealed class GrantsBuilder
    {
        private readonly RuleSetBuilder _user = new(), _group = new();

        public void Add(bool isGroup, ImmutableArray<PolicyRule> rules) => (isGroup ? _group : _user).Add(rules);

        public Grants Build() => new(_user.Build(), _group.Build());
    }

    /// <summary>Rules granted to one name: as a user (or service-account user name) and as a group.</summary>
    private sealed class Grants(RuleSet asUser, RuleSet asGroup)
    {
        public RuleSet AsUser { get; } = asUser;

        public RuleSet AsGroup { get; } = asGroup;
    }

    private sealed class RuleSetBuilder
    {
        private readonly HashSet<PolicyRule> _seen = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<string, List<PolicyRule>> _byVerb = new(StringComparer.Ordinal);
        private readonly List<PolicyRule> _anyVerb = [];

        public void Add(ImmutableArray<PolicyRule> rules)
        {
            foreach (PolicyRule rule in rules)
            {
                if (!_seen.Add(rule))
                {
                    continue;
                }

                if (PolicyRule.Contains(rule.Verbs, PolicyRule.All, wildcard: false))
                {
                    _anyVerb.Add(rule);
                    continue;
                }

                foreach (string verb in rule.Verbs.Distinct(StringComparer.Ordinal))
                {
                    if (!_byVerb.TryGetValue(verb, out var list))
                    {
                        _byVerb[verb] = list = [];
                    }

                    list.Add(rule);
                }
            }
        }

        public RuleSet Build() => _seen.Count == 0
            ? RuleSet.Empty
            : new RuleSet(_byVerb.ToFrozenDictionary(p => p.Key, p => CompiledRule.Of(p.Value), StringComparer.Ordinal), CompiledRule.Of(_anyVerb));
    }

    /// <summary>Rules split by verb; rules with verb <c>*</c> apply to every verb.</summary>
    private sealed class RuleSet(FrozenDictionary<string, CompiledRule[]> byVerb, CompiledRule[] anyVerb)
    {
        public static RuleSet Empty { get; } = new(FrozenDictionary<string, CompiledRule[]>.Empty, []);

        public bool Allows(AccessRequest request)
        {
            if (byVerb.TryGetValue(request.Verb, out CompiledRule[]? rules) && CompiledRule.AnyMatches(rules, request))
            {
                return true;
            }

            return CompiledRule.AnyMatches(anyVerb, request);
        }
    }

    /// <summary>A rule with its verb already matched; wildcards precomputed.</summary>
    private sealed class CompiledRule
    {
        private readonly PolicyRule _rule;
        private readonly bool _anyGroup, _anyResource, _anyUrl;

        private CompiledRule(PolicyRule rule)
        {
            _rule = rule;
            _anyGroup = PolicyRule.Contains(rule.ApiGroups, PolicyRule.All, wildcard: false);
            _anyResource = PolicyRule.Contains(rule.Resources, PolicyRule.All, wildcard: false);
            _anyUrl = PolicyRule.Contains(rule.NonResourceUrls, PolicyRule.All, wildcard: false);
        }

        public static CompiledRule[] Of(List<PolicyRule> rules) => [.. rules.Select(r => new CompiledRule(r))];

        public static bool AnyMatches(CompiledRule[] rules, AccessRequest request)
        {
            foreach (CompiledRule rule in rules)
            {
                if (rule.Matches(request))
                {
                    return true;
                }
            }

            return false;
        }

        private bool Matches(AccessRequest request)
        {
            if (!request.IsResourceRequest)
            {
                return _anyUrl || PolicyRule.NonResourceUrlMatches(_rule.NonResourceUrls, request.Path);
            }

            return (_anyGroup || PolicyRule.Contains(_rule.ApiGroups, request.ApiGroup, wildcard: false))
                && (_anyResource || PolicyRule.ResourceMatches(_rule.Resources, request.Resource, request.Subresource))
                && (_rule.ResourceNames.IsEmpty || PolicyRule.Contains(_rule.ResourceNames, request.Name, wildcard: false));
        }
    }
}
