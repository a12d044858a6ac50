using System.Collections.Immutable;

namespace ContainerSec.Policy;

/// <summary>Where an allowing rule came from: the binding, the role it refers to, and the subject that named the user.</summary>
public sealed class RbacGrant
{
    internal RbacGrant(bool isClusterRoleBinding, string bindingName, string bindingNamespace, RoleRef roleRef, Subject subject, PolicyRule rule)
    {
        IsClusterRoleBinding = isClusterRoleBinding;
        BindingName = bindingName;
        BindingNamespace = bindingNamespace;
        RoleRef = roleRef;
        Subject = subject;
        Rule = rule;
    }

    /// <summary>Whether the binding is a ClusterRoleBinding (otherwise a RoleBinding).</summary>
    public bool IsClusterRoleBinding { get; }

    /// <summary>The binding's name.</summary>
    public string BindingName { get; }

    /// <summary>The RoleBinding's namespace (empty for a ClusterRoleBinding).</summary>
    public string BindingNamespace { get; }

    /// <summary>The role the binding refers to.</summary>
    public RoleRef RoleRef { get; }

    /// <summary>The first subject of the binding that applies to the user.</summary>
    public Subject Subject { get; }

    /// <summary>The rule that allowed the request.</summary>
    public PolicyRule Rule { get; }

    /// <summary>
    /// Kubernetes' description: <c>ClusterRoleBinding "name" of ClusterRole "role" to User "alice"</c> or
    /// <c>RoleBinding "name/namespace" of Role "role" to ServiceAccount "sa/namespace"</c>.
    /// </summary>
    public override string ToString() => IsClusterRoleBinding
        ? $"ClusterRoleBinding \"{BindingName}\" of {RoleRef.Kind} \"{RoleRef.Name}\" to {Subject.Describe("")}"
        : $"RoleBinding \"{BindingName}/{BindingNamespace}\" of {RoleRef.Kind} \"{RoleRef.Name}\" to {Subject.Describe(BindingNamespace)}";
}

/// <summary>
/// The RBAC authorizer's answer: Allow, or no opinion (RBAC only ever adds permissions, so "not
/// allowed" means no rule allowed it and another authorizer may still decide). Carries the reason
/// in Kubernetes' words and the role references that could not be resolved on the way.
/// </summary>
public sealed class RbacDecision
{
    internal RbacDecision(bool allowed, string reason, RbacGrant? grant, ImmutableArray<string> brokenRoleReferences)
    {
        Allowed = allowed;
        Reason = reason;
        Grant = grant;
        BrokenRoleReferences = brokenRoleReferences;
    }

    /// <summary>Whether a rule allowed the request.</summary>
    public bool Allowed { get; }

    /// <summary>
    /// <c>RBAC: allowed by ClusterRoleBinding "…" of ClusterRole "…" to User "…"</c>, or
    /// <c>RBAC: no rules authorize user "…" with groups [...] to "verb" resource "…" in namespace "…"</c>
    /// followed by the errors of broken role references.
    /// </summary>
    public string Reason { get; }

    /// <summary>The binding, role and subject that allowed the request; <see langword="null"/> when nothing did.</summary>
    public RbacGrant? Grant { get; }

    /// <summary>
    /// Errors for bindings that applied to the user but referred to a role that does not exist
    /// (<c>clusterrole.rbac.authorization.k8s.io "x" not found</c>), in visiting order. Only
    /// collected up to the allowing rule, as Kubernetes stops there.
    /// </summary>
    public ImmutableArray<string> BrokenRoleReferences { get; }

    /// <inheritdoc/>
    public override string ToString() => Reason;
}

/// <summary>The rules in effect for a user in a namespace, and the role references that could not be resolved.</summary>
public sealed class EffectiveRules
{
    internal EffectiveRules(ImmutableArray<PolicyRule> rules, ImmutableArray<string> brokenRoleReferences)
    {
        Rules = rules;
        BrokenRoleReferences = brokenRoleReferences;
    }

    /// <summary>The rules, ClusterRoleBinding rules first, then the namespace's RoleBinding rules.</summary>
    public ImmutableArray<PolicyRule> Rules { get; }

    /// <summary>Errors for applicable bindings whose role does not exist.</summary>
    public ImmutableArray<string> BrokenRoleReferences { get; }
}
