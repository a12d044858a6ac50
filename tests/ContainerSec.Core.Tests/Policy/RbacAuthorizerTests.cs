using ContainerSec.Policy;

namespace ContainerSec.Tests.Policy;

public sealed class RbacAuthorizerTests
{
    private static readonly UserInfo Alice = new("alice", ["dev"]);

    private static RbacPolicy ReaderPolicy(params PolicyRule[] rules) => new(
        clusterRoles: [new ClusterRole("reader", rules)],
        clusterRoleBindings: [new ClusterRoleBinding("alice-reads", "reader", [Subject.User("alice")])]);

    [Fact]
    public void Authorize_ClusterRoleBindingAllows_ReasonNamesBindingRoleAndSubject()
    {
        var authorizer = new RbacAuthorizer(ReaderPolicy(new PolicyRule(["get"], [""], ["pods"])));

        RbacDecision decision = authorizer.Authorize(AccessRequest.ForResource(Alice, "get", "", "pods", "ns1"));

        Assert.True(decision.Allowed);
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"alice-reads\" of ClusterRole \"reader\" to User \"alice\"", decision.Reason);
        Assert.Equal("alice-reads", decision.Grant!.BindingName);
    }

    [Fact]
    public void Authorize_VerbDiffersInCase_NoOpinion()
    {
        var authorizer = new RbacAuthorizer(ReaderPolicy(new PolicyRule(["get"], [""], ["pods"])));

        RbacDecision decision = authorizer.Authorize(AccessRequest.ForResource(Alice, "GET", "", "pods", "ns1"));

        Assert.False(decision.Allowed);
        Assert.Equal("RBAC: no rules authorize user \"alice\" with groups [\"dev\"] to \"GET\" resource \"pods\" in namespace \"ns1\"", decision.Reason);
        Assert.Null(decision.Grant);
    }

    [Theory]
    [InlineData("pods/*", "pods", "exec", false)] // pods/* is not a wildcard
    [InlineData("pods/*", "pods", "*", true)] // ...it matches only the literal subresource "*"
    [InlineData("*/exec", "pods", "exec", true)]
    [InlineData("*/exec", "pods", "", false)]
    [InlineData("pods", "pods", "exec", false)] // a resource does not grant its subresources
    [InlineData("pods/exec", "pods", "exec", true)]
    [InlineData("*", "pods", "exec", true)]
    public void RuleAllows_SubresourceForms_MatchExactlyAsKubernetes(string ruleResource, string resource, string subresource, bool allowed)
    {
        var rule = new PolicyRule(["create"], [""], [ruleResource]);

        Assert.Equal(allowed, rule.Allows(AccessRequest.ForResource(Alice, "create", "", resource, "ns", "", subresource)));
    }

    [Theory]
    [InlineData("/apis/*", "/apis", false)]
    [InlineData("/apis/*", "/apis/", true)]
    [InlineData("/apis/*", "/apis/v1/x", true)]
    [InlineData("/apis*", "/apisomething", true)]
    [InlineData("*", "/anything", true)]
    [InlineData("/healthz", "/healthz/etcd", false)]
    public void RuleAllows_NonResourceUrls_TrailingStarIsPrefix(string ruleUrl, string path, bool allowed)
    {
        var rule = new PolicyRule(["get"], nonResourceUrls: [ruleUrl]);

        Assert.Equal(allowed, rule.Allows(AccessRequest.ForNonResource(Alice, "get", path)));
    }

    [Fact]
    public void RuleAllows_ResourceNames_RestrictToNamedObjects()
    {
        var rule = new PolicyRule(["get"], [""], ["secrets"], ["db"]);

        Assert.True(rule.Allows(AccessRequest.ForResource(Alice, "get", "", "secrets", "ns", "db")));
        Assert.False(rule.Allows(AccessRequest.ForResource(Alice, "get", "", "secrets", "ns", "other")));
        Assert.False(rule.Allows(AccessRequest.ForResource(Alice, "list", "", "secrets", "ns")));
    }

    [Fact]
    public void Authorize_RoleBindingToClusterRole_AppliesOnlyInItsNamespace()
    {
        var policy = new RbacPolicy(
            clusterRoles: [new ClusterRole("edit", [new PolicyRule(["*"], ["*"], ["*"])])],
            roleBindings: [new RoleBinding("team-a", "alice-edits", new RoleRef(RoleRefKind.ClusterRole, "edit"), [Subject.User("alice")])]);
        var authorizer = new RbacAuthorizer(policy);

        RbacDecision inside = authorizer.Authorize(AccessRequest.ForResource(Alice, "delete", "", "pods", "team-a"));

        Assert.True(inside.Allowed);
        Assert.Equal("RBAC: allowed by RoleBinding \"alice-edits/team-a\" of ClusterRole \"edit\" to User \"alice\"", inside.Reason);
        Assert.False(authorizer.IsAllowed(AccessRequest.ForResource(Alice, "delete", "", "pods", "team-b")));
        Assert.False(authorizer.IsAllowed(AccessRequest.ForResource(Alice, "delete", "", "pods")));
    }

    [Fact]
    public void Authorize_ServiceAccountSubjectWithoutNamespace_TakesBindingNamespace()
    {
        var policy = new RbacPolicy(
            roles: [new Role("ns1", "r", [new PolicyRule(["get"], [""], ["configmaps"])])],
            roleBindings: [new RoleBinding("ns1", "b", new RoleRef(RoleRefKind.Role, "r"), [new Subject(SubjectKind.ServiceAccount, "builder")])]);
        var authorizer = new RbacAuthorizer(policy);
        var sa = new UserInfo("system:serviceaccount:ns1:builder");

        RbacDecision decision = authorizer.Authorize(AccessRequest.ForResource(sa, "get", "", "configmaps", "ns1"));

        Assert.True(decision.Allowed);
        Assert.EndsWith("to ServiceAccount \"builder/ns1\"", decision.Reason, StringComparison.Ordinal);
        Assert.False(authorizer.IsAllowed(AccessRequest.ForResource(new UserInfo("system:serviceaccount:ns2:builder"), "get", "", "configmaps", "ns1")));
        Assert.False(authorizer.IsAllowed(AccessRequest.ForResource(new UserInfo("builder"), "get", "", "configmaps", "ns1")));
    }

    [Fact]
    public void Authorize_SubjectNamedStar_IsNotEveryone()
    {
        var policy = new RbacPolicy(
            clusterRoles: [new ClusterRole("all", [new PolicyRule(["*"], ["*"], ["*"])])],
            clusterRoleBindings: [new ClusterRoleBinding("star", "all", [Subject.User("*"), Subject.Group("*")])]);

        Assert.False(new RbacAuthorizer(policy).IsAllowed(AccessRequest.ForResource(Alice, "get", "", "pods", "ns")));
        Assert.True(new RbacAuthorizer(policy).IsAllowed(AccessRequest.ForResource(new UserInfo("*"), "get", "", "pods", "ns")));
    }

    [Fact]
    public void Authorize_BrokenRoleReferences_ListedInReason()
    {
        var policy = new RbacPolicy(
            roleBindings: [new RoleBinding("ns1", "b1", new RoleRef(RoleRefKind.Role, "gone"), [Subject.User("alice")])],
            clusterRoleBindings: [new ClusterRoleBinding("b2", "also-gone", [Subject.Group("dev")]), new ClusterRoleBinding("b3", "not-for-alice", [Subject.User("bob")])]);

        RbacDecision decision = new RbacAuthorizer(policy).Authorize(AccessRequest.ForResource(Alice, "get", "", "pods", "ns1"));

        Assert.False(decision.Allowed);
        Assert.Equal(["clusterrole.rbac.authorization.k8s.io \"also-gone\" not found", "role.rbac.authorization.k8s.io \"gone\" not found"], decision.BrokenRoleReferences.ToArray());
        Assert.EndsWith("; RBAC: [clusterrole.rbac.authorization.k8s.io \"also-gone\" not found, role.rbac.authorization.k8s.io \"gone\" not found]", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Authorize_NoBindingsAtAll_NoOpinion()
    {
        Assert.False(new RbacAuthorizer(RbacPolicy.Empty).Authorize(AccessRequest.ForNonResource(Alice, "get", "/healthz")).Allowed);
    }

    [Fact]
    public void AllowedSubjects_MastersFirstThenSuperUserThenClusterThenNamespace()
    {
        var all = new ClusterRole("all", [new PolicyRule(["*"], ["*"], ["*"])]);
        var policy = new RbacPolicy(
            clusterRoles: [all],
            roleBindings: [new RoleBinding("ns1", "rb", new RoleRef(RoleRefKind.ClusterRole, "all"), [Subject.User("carol")])],
            clusterRoleBindings: [new ClusterRoleBinding("crb", "all", [Subject.Group("admins")])]);

        var subjects = new RbacAuthorizer(policy).AllowedSubjects(AccessRequest.ForResource(Alice, "get", "", "pods", "ns1"), "root");

        Assert.Equal([Subject.Group("system:masters"), Subject.User("root"), Subject.Group("admins"), Subject.User("carol")], subjects.ToArray());
    }

    [Fact]
    public void RulesFor_ClusterThenNamespaceRules()
    {
        PolicyRule clusterRule = new(["get"], [""], ["nodes"]), nsRule = new(["list"], [""], ["pods"]);
        var policy = new RbacPolicy(
            roles: [new Role("ns1", "r", [nsRule])],
            clusterRoles: [new ClusterRole("c", [clusterRule])],
            roleBindings: [new RoleBinding("ns1", "rb", new RoleRef(RoleRefKind.Role, "r"), [Subject.Group("dev")])],
            clusterRoleBindings: [new ClusterRoleBinding("crb", "c", [Subject.User("alice")])]);
        var authorizer = new RbacAuthorizer(policy);

        Assert.Equal([clusterRule, nsRule], authorizer.RulesFor(Alice, "ns1").Rules.ToArray());
        Assert.Equal([clusterRule], authorizer.RulesFor(Alice, "").Rules.ToArray());
    }

    [Fact]
    public void Covers_EnumeratedVerbsDoNotCoverStar_UncoveredAtomReported()
    {
        bool covered = RbacEscalation.Covers([new PolicyRule(["get", "list"], [""], ["pods"])], [new PolicyRule(["get", "delete"], [""], ["pods", "pods/exec"])], out var uncovered);

        Assert.False(covered);
        Assert.Equal(
            [new PolicyRule(["delete"], [""], ["pods"]), new PolicyRule(["get"], [""], ["pods/exec"]), new PolicyRule(["delete"], [""], ["pods/exec"])],
            uncovered.ToArray());
    }

    [Fact]
    public void Covers_StarSubresourceCoversAnyResourcesSubresource()
    {
        Assert.True(RbacEscalation.Covers([new PolicyRule(["get"], [""], ["*/status"])], [new PolicyRule(["get"], [""], ["pods/status", "nodes/status"])], out var uncovered));
        Assert.Empty(uncovered);
    }

    [Fact]
    public void WithAggregatedClusterRolesResolved_NestedAggregation_ReachesFixedPoint()
    {
        var view = new ClusterRole("view", [], new Dictionary<string, string> { ["to-edit"] = "true" }, [new LabelSelector(new Dictionary<string, string> { ["to-view"] = "true" })]);
        var edit = new ClusterRole("edit", [], new Dictionary<string, string> { ["to-admin"] = "true" }, [new LabelSelector(new Dictionary<string, string> { ["to-edit"] = "true" })]);
        var admin = new ClusterRole("admin", [], null, [new LabelSelector(new Dictionary<string, string> { ["to-admin"] = "true" })]);
        var reads = new ClusterRole("reads", [new PolicyRule(["get"], [""], ["pods"])], new Dictionary<string, string> { ["to-view"] = "true" });

        RbacPolicy once = new RbacPolicy(clusterRoles: [admin, edit, view, reads]).WithAggregatedClusterRoles();
        RbacPolicy resolved = new RbacPolicy(clusterRoles: [admin, edit, view, reads]).WithAggregatedClusterRolesResolved();

        Assert.Empty(once.FindClusterRole("admin")!.Rules);
        Assert.Equal([new PolicyRule(["get"], [""], ["pods"])], resolved.FindClusterRole("admin")!.Rules.ToArray());
    }

    [Fact]
    public void LabelSelector_Expressions_FollowKubernetes()
    {
        var labels = new Dictionary<string, string> { ["tier"] = "prod" };

        Assert.True(new LabelSelector().Matches(labels));
        Assert.True(new LabelSelector(matchExpressions: [new LabelSelectorRequirement("tier", LabelSelectorOperator.In, ["prod", "stage"])]).Matches(labels));
        Assert.False(new LabelSelector(matchExpressions: [new LabelSelectorRequirement("tier", LabelSelectorOperator.NotIn, ["prod"])]).Matches(labels));
        Assert.True(new LabelSelector(matchExpressions: [new LabelSelectorRequirement("team", LabelSelectorOperator.NotIn, ["a"])]).Matches(labels));
        Assert.False(new LabelSelector(matchExpressions: [new LabelSelectorRequirement("tier", LabelSelectorOperator.DoesNotExist)]).Matches(labels));
        Assert.Throws<ArgumentException>(() => new LabelSelectorRequirement("tier", LabelSelectorOperator.In));
    }

    [Fact]
    public void Constructors_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>("policy", () => new RbacAuthorizer(null!));
        Assert.Throws<ArgumentException>("verbs", () => new PolicyRule([null!]));
        Assert.Throws<ArgumentNullException>("name", () => Subject.User(null!));
        Assert.Throws<ArgumentOutOfRangeException>("kind", () => new Subject((SubjectKind)7, "x"));
        Assert.Throws<ArgumentOutOfRangeException>("Kind", () => new RoleRef((RoleRefKind)9, "r"));
        Assert.Throws<ArgumentNullException>("Name", () => new RoleRef(RoleRefKind.Role, null!));
    }
}
