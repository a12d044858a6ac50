using System.Collections.Frozen;
using System.Collections.Immutable;

namespace ContainerSec.Policy;

/// <summary>
/// The RBAC authorizer compiled into an immutable index: subject (user name, group name, or
/// <c>system:serviceaccount:ns:name</c>) → the rules granted to it cluster-wide and per
/// namespace, indexed by verb and then by resource. <see cref="IsAllowed"/> answers with a handful of frozen-dictionary
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
        private readonly Dictionary<string, ResourceIndexBuilder> _byVerb = new(StringComparer.Ordinal);
        private readonly ResourceIndexBuilder _anyVerb = new();

        public void Add(ImmutableArray<PolicyRule> rules)
        {
            foreach (PolicyRule rule in rules)
            {
                if (!_seen.Add(rule))
                {
                    continue;
                }

                var compiled = new CompiledRule(rule);
                if (PolicyRule.Contains(rule.Verbs, PolicyRule.All, wildcard: false))
                {
                    _anyVerb.Add(compiled);
                    continue;
                }

                foreach (string verb in rule.Verbs.Distinct(StringComparer.Ordinal))
                {
                    if (!_byVerb.TryGetValue(verb, out var index))
                    {
                        _byVerb[verb] = index = new ResourceIndexBuilder();
                    }

                    index.Add(compiled);
                }
            }
        }

        public RuleSet Build() => _seen.Count == 0
            ? RuleSet.Empty
            : new RuleSet(_byVerb.ToFrozenDictionary(p => p.Key, p => p.Value.Build()!, StringComparer.Ordinal), _anyVerb.Build());
    }

    /// <summary>Rules split by verb; rules with verb <c>*</c> apply to every verb.</summary>
    private sealed class RuleSet(FrozenDictionary<string, ResourceIndex> byVerb, ResourceIndex? anyVerb)
    {
        public static RuleSet Empty { get; } = new(FrozenDictionary<string, ResourceIndex>.Empty, null);

        public bool Allows(AccessRequest request) =>
            (byVerb.TryGetValue(request.Verb, out ResourceIndex? index) && index.Allows(request))
            || (anyVerb is not null && anyVerb.Allows(request));
    }

    private sealed class ResourceIndexBuilder
    {
        private readonly Dictionary<string, List<CompiledRule>> _byResource = new(StringComparer.Ordinal);
        private readonly List<CompiledRule> _anyResource = [], _nonResource = [];
        private int _count;

        /// <summary>
        /// Files a rule under every resource it can match: <c>pods</c>, <c>pods/exec</c> and even the
        /// literal <c>pods/*</c> under <c>pods</c>; <c>*</c> and <c>*/exec</c> under "any resource".
        /// A bucket is only a filter: each candidate is still matched in full.
        /// </summary>
        public void Add(CompiledRule rule)
        {
            _count++;
            if (!rule.Rule.NonResourceUrls.IsEmpty)
            {
                _nonResource.Add(rule);
            }

            bool any = false;
            foreach (string entry in rule.Rule.Resources.Distinct(StringComparer.Ordinal))
            {
                int slash = entry.IndexOf('/', StringComparison.Ordinal);
                string resource = slash < 0 ? entry : entry[..slash];
                if (resource == PolicyRule.All)
                {
                    any = true;
                    continue;
                }

                if (!_byResource.TryGetValue(resource, out var list))
                {
                    _byResource[resource] = list = [];
                }

                if (list.Count == 0 || !ReferenceEquals(list[^1], rule))
                {
                    list.Add(rule);
                }
            }

            if (any)
            {
                _anyResource.Add(rule);
            }
        }

        public ResourceIndex? Build() => _count == 0
            ? null
            : new ResourceIndex(_byResource.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal), [.. _anyResource], [.. _nonResource]);
    }

    /// <summary>The rules of one verb, by resource (resource requests) or in one list (non-resource requests).</summary>
    private sealed class ResourceIndex(FrozenDictionary<string, CompiledRule[]> byResource, CompiledRule[] anyResource, CompiledRule[] nonResource)
    {
        public bool Allows(AccessRequest request)
        {
            if (!request.IsResourceRequest)
            {
                return CompiledRule.AnyMatches(nonResource, request);
            }

            return (byResource.TryGetValue(request.Resource, out CompiledRule[]? rules) && CompiledRule.AnyMatches(rules, request))
                || CompiledRule.AnyMatches(anyResource, request);
        }
    }

    /// <summary>A rule with its verb already matched; wildcards precomputed.</summary>
    private sealed class CompiledRule
    {
        private readonly PolicyRule _rule;
        private readonly bool _anyGroup, _anyResource, _anyUrl;

        public CompiledRule(PolicyRule rule)
        {
            _rule = rule;
            _anyGroup = PolicyRule.Contains(rule.ApiGroups, PolicyRule.All, wildcard: false);
            _anyResource = PolicyRule.Contains(rule.Resources, PolicyRule.All, wildcard: false);
            _anyUrl = PolicyRule.Contains(rule.NonResourceUrls, PolicyRule.All, wildcard: false);
        }

        public PolicyRule Rule => _rule;

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
