using System.Collections.Immutable;
using System.Text;

namespace ContainerSec.Policy;

/// <summary>
/// One Kubernetes RBAC policy rule (<c>rbac.authorization.k8s.io/v1 PolicyRule</c>): verbs, API
/// groups, resources and resource names for resource requests, or verbs and non-resource URLs.
/// Immutable; every list is copied on construction and never <see langword="null"/>.
/// </summary>
/// <remarks>
/// Matching is exactly the Kubernetes authorizer's and therefore has edges that surprise:
/// strings are compared ordinally and case-sensitively (<c>GET</c> is not <c>get</c>); <c>*</c>
/// is a wildcard only as a whole entry (<c>pods/*</c> matches nothing but a literal
/// <c>pods/*</c>, while <c>*/status</c> matches the <c>status</c> subresource of any resource);
/// a non-resource URL ending in <c>*</c> is a prefix (<c>/apis/*</c> matches <c>/apis/v1</c> but
/// not <c>/apis</c>). See docs/policy.md.
/// </remarks>
public sealed class PolicyRule : IEquatable<PolicyRule>
{
    /// <summary>The wildcard entry, valid in every list (<c>*</c>).</summary>
    public const string All = "*";

    /// <summary>Creates a rule; <see langword="null"/> lists are empty.</summary>
    /// <param name="verbs">Verbs (<c>get</c>, <c>list</c>, … or <c>*</c>).</param>
    /// <param name="apiGroups">API groups (<c>""</c> is the core group, <c>*</c> any).</param>
    /// <param name="resources">Resources, <c>resource/subresource</c>, <c>*/subresource</c> or <c>*</c>.</param>
    /// <param name="resourceNames">Object names; empty means any name.</param>
    /// <param name="nonResourceUrls">Non-resource URLs (<c>/healthz</c>, <c>/apis/*</c>, <c>*</c>).</param>
    /// <exception cref="ArgumentException">A list contains a <see langword="null"/> entry.</exception>
    public PolicyRule(
        IEnumerable<string>? verbs = null,
        IEnumerable<string>? apiGroups = null,
        IEnumerable<string>? resources = null,
        IEnumerable<string>? resourceNames = null,
        IEnumerable<string>? nonResourceUrls = null)
    {
        Verbs = Copy(verbs, nameof(verbs));
        ApiGroups = Copy(apiGroups, nameof(apiGroups));
        Resources = Copy(resources, nameof(resources));
        ResourceNames = Copy(resourceNames, nameof(resourceNames));
        NonResourceUrls = Copy(nonResourceUrls, nameof(nonResourceUrls));
    }

    /// <summary>The verbs.</summary>
    public ImmutableArray<string> Verbs { get; }

    /// <summary>The API groups.</summary>
    public ImmutableArray<string> ApiGroups { get; }

    /// <summary>The resources.</summary>
    public ImmutableArray<string> Resources { get; }

    /// <summary>The resource names (empty: any name).</summary>
    public ImmutableArray<string> ResourceNames { get; }

    /// <summary>The non-resource URLs.</summary>
    public ImmutableArray<string> NonResourceUrls { get; }

    /// <summary>
    /// Whether this rule alone allows <paramref name="request"/> (Kubernetes <c>RuleAllows</c>): for a
    /// resource request verb, API group, <c>resource[/subresource]</c> and name must match; for a
    /// non-resource request verb and path. The user and namespace are not looked at.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    public bool Allows(AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.IsResourceRequest)
        {
            return VerbMatches(Verbs, request.Verb)
                && Contains(ApiGroups, request.ApiGroup, wildcard: true)
                && ResourceMatches(Resources, request.Resource, request.Subresource)
                && (ResourceNames.IsEmpty || Contains(ResourceNames, request.Name, wildcard: false));
        }

        return VerbMatches(Verbs, request.Verb) && NonResourceUrlMatches(NonResourceUrls, request.Path);
    }

    internal static bool VerbMatches(ImmutableArray<string> verbs, string verb) => Contains(verbs, verb, wildcard: true);

    internal static bool Contains(ImmutableArray<string> set, string value, bool wildcard)
    {
        foreach (string entry in set)
        {
            if ((wildcard && entry.Length == 1 && entry[0] == '*') || string.Equals(entry, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Kubernetes <c>ResourceMatches</c>: <c>*</c>, the combined <c>resource/subresource</c>, or <c>*/subresource</c>.</summary>
    internal static bool ResourceMatches(ImmutableArray<string> resources, string resource, string subresource)
    {
        foreach (string entry in resources)
        {
            if (entry == All)
            {
                return true;
            }

            if (subresource.Length == 0)
            {
                if (string.Equals(entry, resource, StringComparison.Ordinal))
                {
                    return true;
                }

                continue;
            }

            // entry == resource + "/" + subresource, without building the combined string.
            if (entry.Length == resource.Length + 1 + subresource.Length
                && entry.AsSpan(0, resource.Length).SequenceEqual(resource)
                && entry[resource.Length] == '/'
                && entry.AsSpan(resource.Length + 1).SequenceEqual(subresource))
            {
                return true;
            }

            if (entry.Length == subresource.Length + 2 && entry.StartsWith("*/", StringComparison.Ordinal)
                && entry.AsSpan(2).SequenceEqual(subresource))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Kubernetes <c>NonResourceURLMatches</c>: <c>*</c>, exact, or a prefix when the entry ends in <c>*</c>.</summary>
    internal static bool NonResourceUrlMatches(ImmutableArray<string> urls, string path)
    {
        foreach (string entry in urls)
        {
            if (entry == All || string.Equals(entry, path, StringComparison.Ordinal))
            {
                return true;
            }

            if (entry.EndsWith('*') && path.AsSpan().StartsWith(entry.AsSpan().TrimEnd('*'), StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public bool Equals(PolicyRule? other) =>
        other is not null
        && Verbs.AsSpan().SequenceEqual(other.Verbs.AsSpan())
        && ApiGroups.AsSpan().SequenceEqual(other.ApiGroups.AsSpan())
        && Resources.AsSpan().SequenceEqual(other.Resources.AsSpan())
        && ResourceNames.AsSpan().SequenceEqual(other.ResourceNames.AsSpan())
        && NonResourceUrls.AsSpan().SequenceEqual(other.NonResourceUrls.AsSpan());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PolicyRule);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var list in new[] { Verbs, ApiGroups, Resources, ResourceNames, NonResourceUrls })
        {
            hash.Add(list.Length);
            foreach (string s in list)
            {
                hash.Add(s, StringComparer.Ordinal);
            }
        }

        return hash.ToHashCode();
    }

    /// <summary>The rule in the compact form Kubernetes prints (<c>{APIGroups:["apps"], Resources:["pods"], Verbs:["get"]}</c>).</summary>
    public override string ToString()
    {
        var text = new StringBuilder("{");
        Append(text, "APIGroups", ApiGroups);
        Append(text, "Resources", Resources);
        Append(text, "ResourceNames", ResourceNames);
        Append(text, "NonResourceURLs", NonResourceUrls);
        Append(text, "Verbs", Verbs);
        return text.Append('}').ToString();

        static void Append(StringBuilder text, string name, ImmutableArray<string> values)
        {
            if (values.IsEmpty)
            {
                return;
            }

            if (text.Length > 1)
            {
                text.Append(", ");
            }

            text.Append(name).Append(":[");
            for (int i = 0; i < values.Length; i++)
            {
                text.Append(i == 0 ? "\"" : ", \"").Append(values[i]).Append('"');
            }

            text.Append(']');
        }
    }

    internal static ImmutableArray<string> Copy(IEnumerable<string>? values, string paramName)
    {
        if (values is null)
        {
            return [];
        }

        ImmutableArray<string> copy = [.. values];
        foreach (string value in copy)
        {
            if (value is null)
            {
                throw new ArgumentException("The list must not contain null entries.", paramName);
            }
        }

        return copy;
    }
}
