using System.Collections.Immutable;
using System.Text;

namespace ContainerSec.Policy;

/// <summary>What every RBAC evaluator answers.</summary>
public interface IRbacAuthorizer
{
    /// <summary>Whether RBAC allows the request. Does not allocate in the compiled evaluator.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    bool IsAllowed(AccessRequest request);

    /// <summary>The decision with its reason.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    RbacDecision Authorize(AccessRequest request);
}

/// <summary>
/// The Kubernetes RBAC authorizer, written the way upstream is: visit every ClusterRoleBinding,
/// then every RoleBinding of the request's namespace; for each binding with a subject that applies
/// to the user, resolve its role and test each rule; the first allowing rule wins. No rule means no
/// opinion. Straightforward and allocation-light rather than fast; <see cref="CompiledRbacAuthorizer"/>
/// answers the same questions from an index.
/// </summary>
public sealed class RbacAuthorizer : IRbacAuthorizer
{
    /// <summary>The group every Kubernetes API server lets do anything (<c>system:masters</c>).</summary>
    public const string SystemPrivilegedGroup = "system:masters";

    /// <summary>Creates an authorizer over <paramref name="policy"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="policy"/> is <see langword="null"/>.</exception>
    public RbacAuthorizer(RbacPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Policy = policy;
    }

    /// <summary>The policy.</summary>
    public RbacPolicy Policy { get; }

    /// <inheritdoc/>
    public bool IsAllowed(AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Visit(request.User, request.Namespace, request, errors: null) is not null;
    }

    /// <inheritdoc/>
    public RbacDecision Authorize(AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<string>();
        RbacGrant? grant = Visit(request.User, request.Namespace, request, errors);
        return grant is not null
            ? new RbacDecision(true, $"RBAC: allowed by {grant}", grant, [.. errors])
            : new RbacDecision(false, DenialReason(request, errors), null, [.. errors]);
    }

    /// <summary>
    /// Every rule that applies to <paramref name="user"/> in <paramref name="namespace"/> (Kubernetes
    /// <c>RulesFor</c>): the rules of matching ClusterRoleBindings, then, when
    /// <paramref name="namespace"/> is not empty, of matching RoleBindings there.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public EffectiveRules RulesFor(UserInfo user, string @namespace)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(@namespace);
        var rules = new List<PolicyRule>();
        var errors = new List<string>();
        Visit(user, @namespace, request: null, errors, rules);
        return new EffectiveRules([.. rules], [.. errors]);
    }

    /// <summary>
    /// Who can do <paramref name="request"/> (the user in it is ignored), in the order of Kubernetes'
    /// subject locator: the group <c>system:masters</c>, then <paramref name="superUser"/> if not
    /// empty, then the subjects of each ClusterRoleBinding whose role allows the action, then those
    /// of the RoleBindings in the request's namespace. Subjects are listed as written in the
    /// bindings; groups are not expanded.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public ImmutableArray<Subject> AllowedSubjects(AccessRequest request, string superUser = "")
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(superUser);
        var subjects = new List<Subject> { Subject.Group(SystemPrivilegedGroup) };
        if (superUser.Length > 0)
        {
            subjects.Add(Subject.User(superUser));
        }

        foreach (ClusterRoleBinding binding in Policy.ClusterRoleBindings)
        {
            if (AnyAllows(Policy.ResolveRoleRef(binding.RoleRef, "", out _), request))
            {
                subjects.AddRange(binding.Subjects);
            }
        }

        if (request.Namespace.Length > 0)
        {
            foreach (RoleBinding binding in Policy.RoleBindingsIn(request.Namespace))
            {
                if (AnyAllows(Policy.ResolveRoleRef(binding.RoleRef, request.Namespace, out _), request))
                {
                    subjects.AddRange(binding.Subjects);
                }
            }
        }

        return [.. subjects];
    }

    /// <summary>
    /// Whether any of <paramref name="subjects"/> names <paramref name="user"/> (Kubernetes
    /// <c>appliesTo</c>), and the index of the first that does (0 when none does).
    /// <paramref name="bindingNamespace"/> is the namespace service-account subjects default to.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static bool AppliesTo(IReadOnlyList<Subject> subjects, UserInfo user, string bindingNamespace, out int subjectIndex)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(bindingNamespace);
        for (int i = 0; i < subjects.Count; i++)
        {
            if (subjects[i].AppliesTo(user.Name, user.Groups, bindingNamespace))
            {
                subjectIndex = i;
                return true;
            }
        }

        subjectIndex = 0;
        return false;
    }

    private static bool AnyAllows(ImmutableArray<PolicyRule> rules, AccessRequest request)
    {
        foreach (PolicyRule rule in rules)
        {
            if (rule.Allows(request))
            {
                return true;
            }
        }

        return false;
    }

    private static int FirstApplying(ImmutableArray<Subject> subjects, UserInfo user, string bindingNamespace)
    {
        for (int i = 0; i < subjects.Length; i++)
        {
            if (subjects[i].AppliesTo(user.Name, user.Groups, bindingNamespace))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Kubernetes <c>VisitRulesFor</c>: stops at the first rule allowing <paramref name="request"/> (when given) and returns its grant.</summary>
    private RbacGrant? Visit(UserInfo user, string @namespace, AccessRequest? request, List<string>? errors, List<PolicyRule>? collect = null)
    {
        foreach (ClusterRoleBinding binding in Policy.ClusterRoleBindings)
        {
            int subject = FirstApplying(binding.Subjects, user, "");
            if (subject < 0)
            {
                continue;
            }

            ImmutableArray<PolicyRule> rules = Policy.ResolveRoleRef(binding.RoleRef, "", out string? error);
            if (error is not null)
            {
                errors?.Add(error);
                continue;
            }

            collect?.AddRange(rules);
            if (request is not null && Find(rules, request) is { } rule)
            {
                return new RbacGrant(true, binding.Name, "", binding.RoleRef, binding.Subjects[subject], rule);
            }
        }

        if (@namespace.Length == 0)
        {
            return null;
        }

        foreach (RoleBinding binding in Policy.RoleBindingsIn(@namespace))
        {
            int subject = FirstApplying(binding.Subjects, user, @namespace);
            if (subject < 0)
            {
                continue;
            }

            ImmutableArray<PolicyRule> rules = Policy.ResolveRoleRef(binding.RoleRef, @namespace, out string? error);
            if (error is not null)
            {
                errors?.Add(error);
                continue;
            }

            collect?.AddRange(rules);
            if (request is not null && Find(rules, request) is { } rule)
            {
                return new RbacGrant(false, binding.Name, binding.Namespace, binding.RoleRef, binding.Subjects[subject], rule);
            }
        }

        return null;
    }

    private static PolicyRule? Find(ImmutableArray<PolicyRule> rules, AccessRequest request)
    {
        foreach (PolicyRule rule in rules)
        {
            if (rule.Allows(request))
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>Kubernetes' denial wording, then the aggregated errors as <c>RBAC: [e1, e2]</c>.</summary>
    internal static string DenialReason(AccessRequest request, IReadOnlyList<string> errors)
    {
        var text = new StringBuilder("RBAC: no rules authorize user \"").Append(request.User.Name).Append("\" with groups [");
        for (int i = 0; i < request.User.Groups.Length; i++)
        {
            text.Append(i == 0 ? "\"" : " \"").Append(request.User.Groups[i]).Append('"');
        }

        text.Append("] to ");
        if (request.IsResourceRequest)
        {
            text.Append('"').Append(request.Verb).Append("\" resource \"").Append(request.Resource);
            if (request.ApiGroup.Length > 0)
            {
                text.Append('.').Append(request.ApiGroup);
            }

            if (request.Subresource.Length > 0)
            {
                text.Append('/').Append(request.Subresource);
            }

            text.Append('"');
            if (request.Name.Length > 0)
            {
                text.Append(" named \"").Append(request.Name).Append('"');
            }
        }
        else
        {
            text.Append('"').Append(request.Verb).Append("\" nonResourceURL \"").Append(request.Path).Append('"');
        }

        text.Append(request.Namespace.Length > 0 ? $" in namespace \"{request.Namespace}\"" : " cluster-wide");
        if (errors.Count == 1)
        {
            text.Append("; RBAC: ").Append(errors[0]);
        }
        else if (errors.Count > 1)
        {
            text.Append("; RBAC: [").AppendJoin(", ", errors).Append(']');
        }

        return text.ToString();
    }
}
