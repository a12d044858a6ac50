using System.Collections.Immutable;

namespace ContainerSec.Policy;

/// <summary>Who a forbid rule is about. Every list is optional; see <see cref="ForbidRule"/>.</summary>
public sealed class ForbidSubjects
{
    /// <summary>Matches everyone.</summary>
    public static ForbidSubjects Everyone { get; } = new();

    /// <summary>Creates a subject condition.</summary>
    /// <param name="users">User names the rule applies to.</param>
    /// <param name="groups">Groups the rule applies to.</param>
    /// <param name="serviceAccountNamespaces">Namespaces whose service accounts the rule applies to.</param>
    /// <param name="exceptUsers">Users the rule never applies to.</param>
    /// <param name="exceptGroups">Groups whose members the rule never applies to.</param>
    /// <param name="exceptServiceAccountNamespaces">Namespaces whose service accounts the rule never applies to.</param>
    /// <exception cref="ArgumentException">A list holds a <see langword="null"/> entry.</exception>
    public ForbidSubjects(
        IEnumerable<string>? users = null,
        IEnumerable<string>? groups = null,
        IEnumerable<string>? serviceAccountNamespaces = null,
        IEnumerable<string>? exceptUsers = null,
        IEnumerable<string>? exceptGroups = null,
        IEnumerable<string>? exceptServiceAccountNamespaces = null)
    {
        Users = PolicyRule.Copy(users, nameof(users));
        Groups = PolicyRule.Copy(groups, nameof(groups));
        ServiceAccountNamespaces = PolicyRule.Copy(serviceAccountNamespaces, nameof(serviceAccountNamespaces));
        ExceptUsers = PolicyRule.Copy(exceptUsers, nameof(exceptUsers));
        ExceptGroups = PolicyRule.Copy(exceptGroups, nameof(exceptGroups));
        ExceptServiceAccountNamespaces = PolicyRule.Copy(exceptServiceAccountNamespaces, nameof(exceptServiceAccountNamespaces));
    }

    /// <summary>Users the rule applies to.</summary>
    public ImmutableArray<string> Users { get; }

    /// <summary>Groups the rule applies to.</summary>
    public ImmutableArray<string> Groups { get; }

    /// <summary>Namespaces whose service accounts the rule applies to.</summary>
    public ImmutableArray<string> ServiceAccountNamespaces { get; }

    /// <summary>Users exempt from the rule.</summary>
    public ImmutableArray<string> ExceptUsers { get; }

    /// <summary>Groups whose members are exempt from the rule.</summary>
    public ImmutableArray<string> ExceptGroups { get; }

    /// <summary>Namespaces whose service accounts are exempt from the rule.</summary>
    public ImmutableArray<string> ExceptServiceAccountNamespaces { get; }

    internal bool Matches(UserInfo user)
    {
        bool selected = (Users.IsEmpty && Groups.IsEmpty && ServiceAccountNamespaces.IsEmpty) || Selects(user, Users, Groups, ServiceAccountNamespaces);
        return selected && !Selects(user, ExceptUsers, ExceptGroups, ExceptServiceAccountNamespaces);
    }

    private static bool Selects(UserInfo user, ImmutableArray<string> users, ImmutableArray<string> groups, ImmutableArray<string> saNamespaces)
    {
        if (PolicyRule.Contains(users, user.Name, wildcard: false))
        {
            return true;
        }

        foreach (string group in user.Groups)
        {
            if (PolicyRule.Contains(groups, group, wildcard: false))
            {
                return true;
            }
        }

        return ServiceAccountNamespaceOf(user.Name) is { } ns && PolicyRule.Contains(saNamespaces, ns, wildcard: false);
    }

    /// <summary>The namespace of a <c>system:serviceaccount:ns:name</c> user, or <see langword="null"/>.</summary>
    internal static string? ServiceAccountNamespaceOf(string userName)
    {
        if (!userName.StartsWith(Subject.ServiceAccountUserPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        string rest = userName[Subject.ServiceAccountUserPrefix.Length..];
        int colon = rest.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < rest.Length - 1 ? rest[..colon] : null;
    }
}

/// <summary>
/// When a forbid rule is in force, in UTC: an absolute interval, a daily interval (which may wrap
/// past midnight) and days of the week. Absent parts do not restrict.
/// </summary>
public sealed class ForbidTimeWindow
{
    /// <summary>Creates a window.</summary>
    /// <param name="notBefore">In force from this instant (inclusive).</param>
    /// <param name="notAfter">In force until this instant (exclusive).</param>
    /// <param name="dailyFrom">Daily start, UTC time of day (inclusive).</param>
    /// <param name="dailyTo">Daily end, UTC time of day (exclusive); earlier than <paramref name="dailyFrom"/> wraps past midnight.</param>
    /// <param name="daysOfWeek">UTC days of the week; empty means every day.</param>
    /// <exception cref="ArgumentException">Only one of the daily bounds is given, they are equal, or <paramref name="notAfter"/> is not after <paramref name="notBefore"/>.</exception>
    public ForbidTimeWindow(DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, TimeOnly? dailyFrom = null, TimeOnly? dailyTo = null, IEnumerable<DayOfWeek>? daysOfWeek = null)
    {
        if (dailyFrom.HasValue != dailyTo.HasValue || (dailyFrom.HasValue && dailyFrom == dailyTo))
        {
            throw new ArgumentException("Give both daily bounds, and make them differ.", nameof(dailyTo));
        }

        if (notBefore is { } from && notAfter is { } to && to <= from)
        {
            throw new ArgumentException("notAfter must be later than notBefore.", nameof(notAfter));
        }

        NotBefore = notBefore;
        NotAfter = notAfter;
        DailyFrom = dailyFrom;
        DailyTo = dailyTo;
        DaysOfWeek = daysOfWeek is null ? [] : [.. daysOfWeek.Distinct()];
    }

    /// <summary>Start of the absolute interval.</summary>
    public DateTimeOffset? NotBefore { get; }

    /// <summary>End of the absolute interval (exclusive).</summary>
    public DateTimeOffset? NotAfter { get; }

    /// <summary>Daily start (UTC).</summary>
    public TimeOnly? DailyFrom { get; }

    /// <summary>Daily end (UTC, exclusive).</summary>
    public TimeOnly? DailyTo { get; }

    /// <summary>Days of the week (UTC); empty is every day.</summary>
    public ImmutableArray<DayOfWeek> DaysOfWeek { get; }

    /// <summary>Whether <paramref name="now"/> is inside the window.</summary>
    public bool Contains(DateTimeOffset now)
    {
        DateTime utc = now.UtcDateTime;
        if ((NotBefore is { } from && now < from) || (NotAfter is { } to && now >= to))
        {
            return false;
        }

        if (!DaysOfWeek.IsEmpty && !DaysOfWeek.Contains(utc.DayOfWeek))
        {
            return false;
        }

        if (DailyFrom is { } start && DailyTo is { } end)
        {
            var time = TimeOnly.FromDateTime(utc);
            return start < end ? time >= start && time < end : time >= start || time < end;
        }

        return true;
    }
}

/// <summary>
/// An explicit prohibition that wins over any RBAC allow. Every condition that is present must
/// hold for the rule to match; an absent condition (empty list, <see langword="null"/> selector or
/// window) does not restrict. Resource fields use RBAC's own matching (<c>pods/exec</c>,
/// <c>*/exec</c>, <c>*</c>). A rule with resources applies to resource requests only, one with
/// non-resource URLs to non-resource requests only, one with neither to both.
/// </summary>
/// <remarks>
/// Fail closed: when a rule has a label condition and the caller does not know those labels
/// (<see cref="RequestAttributes"/> without them), the rule matches, and the decision says the
/// labels were unknown. A forbid rule you cannot evaluate must not silently become an allow.
/// </remarks>
public sealed class ForbidRule
{
    /// <summary>Creates a forbid rule.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A list holds a <see langword="null"/> entry, or both resources and non-resource URLs are given.</exception>
    public ForbidRule(
        string name,
        ForbidSubjects? subjects = null,
        IEnumerable<string>? verbs = null,
        IEnumerable<string>? apiGroups = null,
        IEnumerable<string>? resources = null,
        IEnumerable<string>? namespaces = null,
        IEnumerable<string>? names = null,
        IEnumerable<string>? nonResourceUrls = null,
        LabelSelector? objectLabels = null,
        LabelSelector? namespaceLabels = null,
        ForbidTimeWindow? timeWindow = null,
        string description = "")
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(description);
        Name = name;
        Description = description;
        Subjects = subjects ?? ForbidSubjects.Everyone;
        Verbs = PolicyRule.Copy(verbs, nameof(verbs));
        ApiGroups = PolicyRule.Copy(apiGroups, nameof(apiGroups));
        Resources = PolicyRule.Copy(resources, nameof(resources));
        Namespaces = PolicyRule.Copy(namespaces, nameof(namespaces));
        Names = PolicyRule.Copy(names, nameof(names));
        NonResourceUrls = PolicyRule.Copy(nonResourceUrls, nameof(nonResourceUrls));
        if (!Resources.IsEmpty && !NonResourceUrls.IsEmpty)
        {
            throw new ArgumentException("A forbid rule names resources or non-resource URLs, not both.", nameof(nonResourceUrls));
        }

        ObjectLabels = objectLabels;
        NamespaceLabels = namespaceLabels;
        TimeWindow = timeWindow;
    }

    /// <summary>The rule's name, quoted in decisions.</summary>
    public string Name { get; }

    /// <summary>Free text for people.</summary>
    public string Description { get; }

    /// <summary>Who the rule is about.</summary>
    public ForbidSubjects Subjects { get; }

    /// <summary>Verbs (empty or <c>*</c>: any).</summary>
    public ImmutableArray<string> Verbs { get; }

    /// <summary>API groups (empty or <c>*</c>: any).</summary>
    public ImmutableArray<string> ApiGroups { get; }

    /// <summary>Resources, RBAC syntax (empty: any).</summary>
    public ImmutableArray<string> Resources { get; }

    /// <summary>Namespaces (empty: any, including cluster scope).</summary>
    public ImmutableArray<string> Namespaces { get; }

    /// <summary>Object names (empty: any).</summary>
    public ImmutableArray<string> Names { get; }

    /// <summary>Non-resource URLs, RBAC syntax (trailing <c>*</c> is a prefix).</summary>
    public ImmutableArray<string> NonResourceUrls { get; }

    /// <summary>Selector on the object's labels, or <see langword="null"/>.</summary>
    public LabelSelector? ObjectLabels { get; }

    /// <summary>Selector on the namespace's labels, or <see langword="null"/>.</summary>
    public LabelSelector? NamespaceLabels { get; }

    /// <summary>When the rule is in force, or <see langword="null"/> for always.</summary>
    public ForbidTimeWindow? TimeWindow { get; }

    /// <summary>Whether the rule forbids <paramref name="request"/>; <paramref name="note"/> names unknown attributes that were assumed to match.</summary>
    internal bool Matches(AccessRequest request, RequestAttributes attributes, DateTimeOffset now, out string? note)
    {
        note = null;
        if (request.IsResourceRequest ? !NonResourceUrls.IsEmpty : !Resources.IsEmpty)
        {
            return false;
        }

        if (!Subjects.Matches(request.User)
            || (!Verbs.IsEmpty && !PolicyRule.VerbMatches(Verbs, request.Verb))
            || (!Namespaces.IsEmpty && !PolicyRule.Contains(Namespaces, request.Namespace, wildcard: false)))
        {
            return false;
        }

        if (request.IsResourceRequest)
        {
            if ((!ApiGroups.IsEmpty && !PolicyRule.Contains(ApiGroups, request.ApiGroup, wildcard: true))
                || (!Resources.IsEmpty && !PolicyRule.ResourceMatches(Resources, request.Resource, request.Subresource))
                || (!Names.IsEmpty && !PolicyRule.Contains(Names, request.Name, wildcard: false)))
            {
                return false;
            }
        }
        else if (!NonResourceUrls.IsEmpty && !PolicyRule.NonResourceUrlMatches(NonResourceUrls, request.Path))
        {
            return false;
        }

        if (TimeWindow is not null && !TimeWindow.Contains(now))
        {
            return false;
        }

        var unknown = new List<string>(2);
        if (!LabelsMatch(ObjectLabels, attributes.ObjectLabels, "object labels", unknown)
            || !LabelsMatch(NamespaceLabels, attributes.NamespaceLabels, "namespace labels", unknown))
        {
            return false;
        }

        if (unknown.Count > 0)
        {
            note = $"{string.Join(" and ", unknown)} unknown, assumed to match (fail closed)";
        }

        return true;
    }

    private static bool LabelsMatch(LabelSelector? selector, IReadOnlyDictionary<string, string>? labels, string what, List<string> unknown)
    {
        if (selector is null)
        {
            return true;
        }

        if (labels is null)
        {
            unknown.Add(what);
            return true;
        }

        return selector.Matches(labels);
    }
}

/// <summary>What an overlay may look at beyond the RBAC attributes. <see langword="null"/> labels mean "not known".</summary>
public sealed class RequestAttributes
{
    /// <summary>Nothing known.</summary>
    public static RequestAttributes None { get; } = new();

    /// <summary>Creates attributes.</summary>
    /// <param name="objectLabels">The labels of the object acted on (for create: of the new object), or <see langword="null"/> if unknown.</param>
    /// <param name="namespaceLabels">The labels of the request's namespace, or <see langword="null"/> if unknown.</param>
    public RequestAttributes(IReadOnlyDictionary<string, string>? objectLabels = null, IReadOnlyDictionary<string, string>? namespaceLabels = null)
    {
        ObjectLabels = objectLabels;
        NamespaceLabels = namespaceLabels;
    }

    /// <summary>The object's labels, or <see langword="null"/>.</summary>
    public IReadOnlyDictionary<string, string>? ObjectLabels { get; }

    /// <summary>The namespace's labels, or <see langword="null"/>.</summary>
    public IReadOnlyDictionary<string, string>? NamespaceLabels { get; }
}
