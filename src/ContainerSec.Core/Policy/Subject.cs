using System.Collections.Immutable;

namespace ContainerSec.Policy;

/// <summary>The kinds of RBAC subject.</summary>
public enum SubjectKind
{
    /// <summary>A user, matched by exact user name.</summary>
    User,

    /// <summary>A group, matched when the user is a member.</summary>
    Group,

    /// <summary>
    /// A service account, matched when the user name is
    /// <c>system:serviceaccount:&lt;namespace&gt;:&lt;name&gt;</c>.
    /// </summary>
    ServiceAccount,
}

/// <summary>
/// A binding subject (<c>rbac.authorization.k8s.io/v1 Subject</c>). Equality compares all four
/// fields ordinally, as Go's struct equality does.
/// </summary>
/// <remarks>
/// Names are never patterns: a user or group named <c>*</c> matches only a user or group literally
/// called <c>*</c>. To address everyone use the groups <c>system:authenticated</c> and
/// <c>system:unauthenticated</c>.
/// </remarks>
public sealed record Subject
{
    /// <summary>The RBAC API group, which <see cref="SubjectKind.User"/> and <see cref="SubjectKind.Group"/> subjects carry.</summary>
    public const string RbacApiGroup = "rbac.authorization.k8s.io";

    /// <summary>The prefix of service-account user names.</summary>
    public const string ServiceAccountUserPrefix = "system:serviceaccount:";

    /// <summary>Creates a subject.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="name">The user, group or service-account name.</param>
    /// <param name="namespace">A service account's namespace (empty: the binding's namespace); ignored by matching for users and groups.</param>
    /// <param name="apiGroup">The subject's API group as written in the binding (kept for reporting only).</param>
    /// <exception cref="ArgumentNullException">A string is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a defined value.</exception>
    public Subject(SubjectKind kind, string name, string @namespace = "", string apiGroup = "")
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(apiGroup);
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a subject kind.");
        }

        Kind = kind;
        Name = name;
        Namespace = @namespace;
        ApiGroup = apiGroup;
    }

    /// <summary>The kind.</summary>
    public SubjectKind Kind { get; }

    /// <summary>The API group as written (empty when absent).</summary>
    public string ApiGroup { get; }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>The namespace (service accounts only; empty when absent).</summary>
    public string Namespace { get; }

    /// <summary>A user subject (API group <c>rbac.authorization.k8s.io</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public static Subject User(string name) => new(SubjectKind.User, name, "", RbacApiGroup);

    /// <summary>A group subject (API group <c>rbac.authorization.k8s.io</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public static Subject Group(string name) => new(SubjectKind.Group, name, "", RbacApiGroup);

    /// <summary>A service-account subject.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static Subject ServiceAccount(string @namespace, string name) => new(SubjectKind.ServiceAccount, name, @namespace);

    /// <summary>
    /// Whether this subject names <paramref name="user"/> (Kubernetes <c>appliesToUser</c>). A
    /// service account without a namespace takes <paramref name="bindingNamespace"/>; with neither it
    /// matches nobody.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public bool AppliesTo(UserInfo user, string bindingNamespace = "")
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(bindingNamespace);
        return AppliesTo(user.Name, user.Groups, bindingNamespace);
    }

    internal bool AppliesTo(string userName, ImmutableArray<string> groups, string bindingNamespace)
    {
        switch (Kind)
        {
            case SubjectKind.User:
                return string.Equals(userName, Name, StringComparison.Ordinal);
            case SubjectKind.Group:
                return PolicyRule.Contains(groups, Name, wildcard: false);
            default:
                string ns = Namespace.Length > 0 ? Namespace : bindingNamespace;
                return ns.Length > 0 && IsServiceAccountUser(userName, ns, Name);
        }
    }

    /// <summary>Whether <paramref name="userName"/> is <c>system:serviceaccount:ns:name</c>, without building it.</summary>
    internal static bool IsServiceAccountUser(string userName, string ns, string name)
    {
        ReadOnlySpan<char> rest = userName;
        if (rest.Length != ServiceAccountUserPrefix.Length + ns.Length + 1 + name.Length || !rest.StartsWith(ServiceAccountUserPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        rest = rest[ServiceAccountUserPrefix.Length..];
        return rest.StartsWith(ns, StringComparison.Ordinal) && rest[ns.Length] == ':' && rest[(ns.Length + 1)..].SequenceEqual(name);
    }

    /// <summary>Kubernetes' wording: <c>User "alice"</c>, <c>ServiceAccount "name/namespace"</c>.</summary>
    internal string Describe(string bindingNamespace) => Kind == SubjectKind.ServiceAccount
        ? $"ServiceAccount \"{Name}/{(Namespace.Length > 0 ? Namespace : bindingNamespace)}\""
        : $"{Kind} \"{Name}\"";

    /// <summary>The subject as Kubernetes describes it.</summary>
    public override string ToString() => Describe("");
}

/// <summary>An authenticated user: a name and the groups it belongs to.</summary>
public sealed class UserInfo
{
    /// <summary>Creates a user.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="groups"/> holds a <see langword="null"/> entry.</exception>
    public UserInfo(string name, IEnumerable<string>? groups = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Groups = PolicyRule.Copy(groups, nameof(groups));
    }

    /// <summary>The user name (a service account is <c>system:serviceaccount:ns:name</c>).</summary>
    public string Name { get; }

    /// <summary>The groups.</summary>
    public ImmutableArray<string> Groups { get; }

    /// <inheritdoc/>
    public override string ToString() => Groups.IsEmpty ? $"\"{Name}\"" : $"\"{Name}\" (groups [{string.Join(", ", Groups)}])";
}
