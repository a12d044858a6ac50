using System.Collections.Immutable;

namespace ContainerSec.Policy;

/// <summary>
/// Kubernetes' escalation check (the rule behind the <c>escalate</c> and <c>bind</c> verbs): a
/// user may only create or bind a role whose rules its own rules cover. Servant rules are broken
/// into atoms of one verb, API group and resource (and resource name), or one URL and verb; each
/// atom must be covered by a single owner rule.
/// </summary>
public static class RbacEscalation
{
    /// <summary>
    /// Whether <paramref name="ownerRules"/> cover <paramref name="servantRules"/> (Kubernetes
    /// <c>Covers</c>), with the atoms they do not cover. Coverage is by enumeration and literal
    /// wildcards: an owner listing every verb does not cover a servant's <c>*</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static bool Covers(IEnumerable<PolicyRule> ownerRules, IEnumerable<PolicyRule> servantRules, out ImmutableArray<PolicyRule> uncoveredRules)
    {
        ArgumentNullException.ThrowIfNull(ownerRules);
        ArgumentNullException.ThrowIfNull(servantRules);
        PolicyRule[] owners = [.. ownerRules];
        var uncovered = new List<PolicyRule>();
        foreach (PolicyRule servant in servantRules)
        {
            foreach (PolicyRule atom in Breakdown(servant))
            {
                if (!owners.Any(owner => RuleCovers(owner, atom)))
                {
                    uncovered.Add(atom);
                }
            }
        }

        uncoveredRules = [.. uncovered];
        return uncovered.Count == 0;
    }

    /// <summary>
    /// Breaks a rule into atoms (Kubernetes <c>BreakdownRule</c>): one per API group × resource ×
    /// verb (× resource name), then one per non-resource URL × verb.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="rule"/> is <see langword="null"/>.</exception>
    public static ImmutableArray<PolicyRule> Breakdown(PolicyRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var atoms = ImmutableArray.CreateBuilder<PolicyRule>();
        foreach (string group in rule.ApiGroups)
        {
            foreach (string resource in rule.Resources)
            {
                foreach (string verb in rule.Verbs)
                {
                    if (rule.ResourceNames.IsEmpty)
                    {
                        atoms.Add(new PolicyRule([verb], [group], [resource]));
                        continue;
                    }

                    foreach (string name in rule.ResourceNames)
                    {
                        atoms.Add(new PolicyRule([verb], [group], [resource], [name]));
                    }
                }
            }
        }

        foreach (string url in rule.NonResourceUrls)
        {
            foreach (string verb in rule.Verbs)
            {
                atoms.Add(new PolicyRule([verb], nonResourceUrls: [url]));
            }
        }

        return atoms.ToImmutable();
    }

    /// <summary>
    /// Whether the owner URL covers the requested one (Kubernetes <c>nonResourceURLCovers</c>):
    /// equal, or the owner ends in <c>*</c> and the request starts with the owner without its
    /// trailing stars. <c>/api/*</c> covers <c>/api/v1</c> but not <c>/api</c>; a <c>*</c> in the
    /// middle is literal.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static bool NonResourceUrlCovers(string owner, string requested)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(requested);
        return string.Equals(owner, requested, StringComparison.Ordinal)
            || (owner.EndsWith('*') && requested.AsSpan().StartsWith(owner.AsSpan().TrimEnd('*'), StringComparison.Ordinal));
    }

    private static bool RuleCovers(PolicyRule owner, PolicyRule atom)
    {
        bool verbs = HasStar(owner.Verbs) || HasAll(owner.Verbs, atom.Verbs);
        bool groups = HasStar(owner.ApiGroups) || HasAll(owner.ApiGroups, atom.ApiGroups);
        bool resources = ResourcesCoverAll(owner.Resources, atom.Resources);
        bool urls = atom.NonResourceUrls.All(path => owner.NonResourceUrls.Any(o => NonResourceUrlCovers(o, path)));
        bool names = atom.ResourceNames.IsEmpty ? owner.ResourceNames.IsEmpty : owner.ResourceNames.IsEmpty || HasAll(owner.ResourceNames, atom.ResourceNames);
        return verbs && groups && resources && names && urls;
    }

    private static bool HasStar(ImmutableArray<string> set) => set.Contains(PolicyRule.All, StringComparer.Ordinal);

    private static bool HasAll(ImmutableArray<string> set, ImmutableArray<string> contains) =>
        contains.All(value => set.Contains(value, StringComparer.Ordinal));

    private static bool ResourcesCoverAll(ImmutableArray<string> owner, ImmutableArray<string> covers)
    {
        if (HasStar(owner) || HasAll(owner, covers))
        {
            return true;
        }

        foreach (string path in covers)
        {
            if (owner.Contains(path, StringComparer.Ordinal))
            {
                continue;
            }

            int slash = path.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !owner.Contains(string.Concat("*/", path.AsSpan(slash + 1)), StringComparer.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
