namespace ContainerSec.Policy;

/// <summary>
/// The attributes of one API request, as the Kubernetes authorizer sees them: who (user and
/// groups) and what (verb plus API group, resource, subresource, name and namespace for a resource
/// request; verb and path for a non-resource request). Immutable; build it with
/// <see cref="ForResource"/> or <see cref="ForNonResource"/>.
/// </summary>
public sealed class AccessRequest
{
    private AccessRequest(UserInfo user, string verb, bool isResourceRequest)
    {
        User = user;
        Verb = verb;
        IsResourceRequest = isResourceRequest;
    }

    /// <summary>The requesting user.</summary>
    public UserInfo User { get; }

    /// <summary>The verb, compared case-sensitively (<c>get</c>, <c>list</c>, <c>create</c>, …).</summary>
    public string Verb { get; }

    /// <summary>Whether this is a resource request (otherwise <see cref="Path"/> is what is asked for).</summary>
    public bool IsResourceRequest { get; }

    /// <summary>The API group (<c>""</c> is the core group).</summary>
    public string ApiGroup { get; private init; } = "";

    /// <summary>The resource (<c>pods</c>).</summary>
    public string Resource { get; private init; } = "";

    /// <summary>The subresource (<c>exec</c>, <c>status</c>) or empty.</summary>
    public string Subresource { get; private init; } = "";

    /// <summary>The object name or empty.</summary>
    public string Name { get; private init; } = "";

    /// <summary>The namespace or empty (cluster-scoped or all namespaces).</summary>
    public string Namespace { get; private init; } = "";

    /// <summary>The request path (non-resource requests).</summary>
    public string Path { get; private init; } = "";

    /// <summary>A resource request.</summary>
    /// <param name="user">Who asks.</param>
    /// <param name="verb">The verb.</param>
    /// <param name="apiGroup">The API group (<c>""</c>: core).</param>
    /// <param name="resource">The resource.</param>
    /// <param name="namespace">The namespace, empty for cluster scope.</param>
    /// <param name="name">The object name, empty for collections.</param>
    /// <param name="subresource">The subresource, empty for none.</param>
    /// <param name="path">The request path, when known (not used by RBAC for resource requests).</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static AccessRequest ForResource(UserInfo user, string verb, string apiGroup, string resource, string @namespace = "", string name = "", string subresource = "", string path = "")
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(verb);
        ArgumentNullException.ThrowIfNull(apiGroup);
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(subresource);
        ArgumentNullException.ThrowIfNull(path);
        return new AccessRequest(user, verb, isResourceRequest: true)
        {
            ApiGroup = apiGroup, Resource = resource, Namespace = @namespace, Name = name, Subresource = subresource, Path = path,
        };
    }

    /// <summary>A non-resource request (<c>get /healthz</c>).</summary>
    /// <param name="user">Who asks.</param>
    /// <param name="verb">The verb.</param>
    /// <param name="path">The URL path.</param>
    /// <param name="namespace">
    /// Normally empty. Kubernetes still visits the RoleBindings of a namespace set on a
    /// non-resource request, so a RoleBinding to a role with <c>nonResourceURLs</c> can then apply.
    /// </param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static AccessRequest ForNonResource(UserInfo user, string verb, string path, string @namespace = "")
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(verb);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(@namespace);
        return new AccessRequest(user, verb, isResourceRequest: false) { Path = path, Namespace = @namespace };
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        if (!IsResourceRequest)
        {
            return $"user {User} {Verb} {Path}";
        }

        string resource = Subresource.Length > 0 ? $"{Resource}/{Subresource}" : Resource;
        string group = ApiGroup.Length > 0 ? $"{resource}.{ApiGroup}" : resource;
        string name = Name.Length > 0 ? $" \"{Name}\"" : "";
        string scope = Namespace.Length > 0 ? $" in namespace \"{Namespace}\"" : " cluster-wide";
        return $"user {User} {Verb} {group}{name}{scope}";
    }
}
