using ContainerSec.Conformance;
using ContainerSec.Policy;

namespace ContainerSec.Kubernetes.Tests;

/// <summary>
/// The real Kubernetes bootstrap RBAC policy (../shared/realdata/kubernetes-bootstrap-rbac), loaded
/// from its YAML; each expected decision is justified by a rule quoted in the comment.
/// </summary>
public sealed class BootstrapPolicyTests
{
    private static readonly Lazy<PolicyManifests> Manifests = new(() => ManifestLoader.LoadFiles(
        Directory.GetFiles(SharedData.PathOf("realdata", "kubernetes-bootstrap-rbac"), "*.yaml").Order(StringComparer.Ordinal)));

    private static readonly Lazy<RbacPolicy> Resolved = new(() => Manifests.Value.Policy.WithAggregatedClusterRolesResolved());

    public static TheoryData<bool> Evaluators() => new([false, true]);

    private static IRbacAuthorizer Authorizer(bool compiled) => compiled ? new CompiledRbacAuthorizer(Resolved.Value) : new RbacAuthorizer(Resolved.Value);

    [Fact]
    public void LoadFiles_BootstrapPolicy_AllObjectsRead()
    {
        RbacPolicy policy = Manifests.Value.Policy;

        Assert.Equal(31, policy.ClusterRoles.Length);
        Assert.Equal(10, policy.ClusterRoleBindings.Length);
        Assert.NotEmpty(policy.Roles);
        Assert.NotEmpty(policy.RoleBindings);
        Assert.Empty(Manifests.Value.IgnoredDocuments);
        Assert.Empty(Manifests.Value.Overlays);
        Assert.NotNull(policy.FindClusterRole("admin")!.AggregationSelectors);
    }

    [Theory]
    [MemberData(nameof(Evaluators))]
    public void Scheduler_MayCreatePodsBinding(bool compiled)
    {
        // ClusterRoleBinding system:kube-scheduler → ClusterRole system:kube-scheduler:
        //   apiGroups [""], resources [bindings, pods/binding], verbs [create]
        var scheduler = new UserInfo("system:kube-scheduler", ["system:authenticated"]);
        IRbacAuthorizer authorizer = Authorizer(compiled);

        RbacDecision decision = authorizer.Authorize(AccessRequest.ForResource(scheduler, "create", "", "pods", "default", "web-0", "binding"));

        Assert.True(decision.Allowed);
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"system:kube-scheduler\" of ClusterRole \"system:kube-scheduler\" to User \"system:kube-scheduler\"", decision.Reason);
        Assert.False(authorizer.IsAllowed(AccessRequest.ForResource(scheduler, "create", "", "pods", "default"))); // pods: only delete/get/list/watch
        Assert.False(authorizer.IsAllowed(AccessRequest.ForResource(scheduler, "get", "", "secrets", "default")));
    }

    [Theory]
    [MemberData(nameof(Evaluators))]
    public void Scheduler_LeaseResourceNameRestricted(bool compiled)
    {
        // ClusterRole system:kube-scheduler: coordination.k8s.io leases create (any name), get/update only
        // resourceNames [kube-scheduler]. In kube-system the RoleBinding system::leader-locking-kube-scheduler
        // adds Role system::leader-locking-kube-scheduler: leases create/get/list/update/watch, any name.
        var scheduler = new UserInfo("system:kube-scheduler");
        IRbacAuthorizer authorizer = Authorizer(compiled);

        Assert.True(authorizer.IsAllowed(AccessRequest.ForResource(scheduler, "update", "coordination.k8s.io", "leases", "default", "kube-scheduler")));
        Assert.False(authorizer.IsAllowed(AccessRequest.ForResource(scheduler, "update", "coordination.k8s.io", "leases", "default", "kube-controller-manager")));
        Assert.True(authorizer.IsAllowed(AccessRequest.ForResource(scheduler, "create", "coordination.k8s.io", "leases", "default", "anything")));
        RbacDecision inKubeSystem = authorizer.Authorize(AccessRequest.ForResource(scheduler, "update", "coordination.k8s.io", "leases", "kube-system", "kube-controller-manager"));
        Assert.True(inKubeSystem.Allowed);
        Assert.Contains("RoleBinding \"system::leader-locking-kube-scheduler/kube-system\" of Role \"system::leader-locking-kube-scheduler\"", inKubeSystem.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Evaluators))]
    public void Scheduler_ExtensionAuthReaderOnlyInKubeSystem(bool compiled)
    {
        // RoleBinding kube-system/system::extension-apiserver-authentication-reader → Role
        // extension-apiserver-authentication-reader: configmaps named extension-apiserver-authentication.
        var scheduler = new UserInfo("system:kube-scheduler");
        IRbacAuthorizer authorizer = Authorizer(compiled);

        Assert.True(authorizer.IsAllowed(AccessRequest.ForResource(scheduler, "get", "", "configmaps", "kube-system", "extension-apiserver-authentication")));
        Assert.False(authorizer.IsAllowed(AccessRequest.ForResource(scheduler, "get", "", "configmaps", "default", "extension-apiserver-authentication")));
    }

    [Theory]
    [MemberData(nameof(Evaluators))]
    public void NodeProxier_ListsServicesButCannotCreatePods(bool compiled)
    {
        // ClusterRoleBinding system:node-proxier → User system:kube-proxy; endpoints/services list, watch.
        var proxy = new UserInfo("system:kube-proxy", ["system:authenticated"]);
        IRbacAuthorizer authorizer = Authorizer(compiled);

        Assert.True(authorizer.IsAllowed(AccessRequest.ForResource(proxy, "watch", "", "services")));
        Assert.True(authorizer.IsAllowed(AccessRequest.ForResource(proxy, "list", "discovery.k8s.io", "endpointslices")));
        Assert.False(authorizer.IsAllowed(AccessRequest.ForResource(proxy, "get", "", "services", "default", "kubernetes"))); // only list and watch
        Assert.False(authorizer.IsAllowed(AccessRequest.ForResource(proxy, "create", "", "pods", "default")));
    }

    [Theory]
    [MemberData(nameof(Evaluators))]
    public void AuthenticatedAndAnonymous_MayGetVersion(bool compiled)
    {
        // ClusterRoleBinding system:public-info-viewer → Groups system:authenticated, system:unauthenticated;
        // nonResourceURLs [/healthz, /livez, /readyz, /version, /version/], verbs [get].
        IRbacAuthorizer authorizer = Authorizer(compiled);
        var user = new UserInfo("alice", ["system:authenticated"]);
        var anonymous = new UserInfo("system:anonymous", ["system:unauthenticated"]);

        RbacDecision decision = authorizer.Authorize(AccessRequest.ForNonResource(user, "get", "/version"));

        Assert.True(decision.Allowed);
        Assert.Contains("to Group \"system:authenticated\"", decision.Reason, StringComparison.Ordinal);
        Assert.True(authorizer.IsAllowed(AccessRequest.ForNonResource(anonymous, "get", "/version")));
        Assert.False(authorizer.IsAllowed(AccessRequest.ForNonResource(anonymous, "post", "/version")));
        Assert.False(authorizer.IsAllowed(AccessRequest.ForNonResource(anonymous, "get", "/version/extra")));
    }

    [Theory]
    [MemberData(nameof(Evaluators))]
    public void UserWithoutBindings_Denied(bool compiled)
    {
        var nobody = new UserInfo("mallory");
        IRbacAuthorizer authorizer = Authorizer(compiled);

        RbacDecision decision = authorizer.Authorize(AccessRequest.ForResource(nobody, "get", "", "pods", "default"));

        Assert.False(decision.Allowed);
        Assert.Equal("RBAC: no rules authorize user \"mallory\" with groups [] to \"get\" resource \"pods\" in namespace \"default\"", decision.Reason);
        Assert.False(authorizer.IsAllowed(AccessRequest.ForNonResource(nobody, "get", "/version")));
    }

    [Fact]
    public void Aggregation_AdminEditViewResolveThroughLabels()
    {
        // admin aggregates rbac.authorization.k8s.io/aggregate-to-admin (which edit carries), edit aggregates
        // aggregate-to-edit (which view carries), view aggregates aggregate-to-view (system:aggregate-to-view).
        RbacPolicy raw = Manifests.Value.Policy, resolved = Resolved.Value;
        var alice = new UserInfo("alice");
        RbacPolicy Bind(RbacPolicy p, string role) => new(p.Roles, p.ClusterRoles, [.. p.RoleBindings, new RoleBinding("team-a", "alice", new RoleRef(RoleRefKind.ClusterRole, role), [Subject.User("alice")])], p.ClusterRoleBindings);
        AccessRequest getPods = AccessRequest.ForResource(alice, "get", "", "pods", "team-a");
        AccessRequest createDeployment = AccessRequest.ForResource(alice, "create", "apps", "deployments", "team-a");
        AccessRequest createRoleBinding = AccessRequest.ForResource(alice, "create", "rbac.authorization.k8s.io", "rolebindings", "team-a");

        Assert.False(new RbacAuthorizer(Bind(raw, "admin")).IsAllowed(getPods)); // the file ships admin with "rules: null"
        Assert.True(new CompiledRbacAuthorizer(Bind(resolved, "view")).IsAllowed(getPods));
        Assert.False(new CompiledRbacAuthorizer(Bind(resolved, "view")).IsAllowed(createDeployment));
        Assert.True(new CompiledRbacAuthorizer(Bind(resolved, "edit")).IsAllowed(createDeployment));
        Assert.True(new CompiledRbacAuthorizer(Bind(resolved, "edit")).IsAllowed(getPods));
        Assert.False(new CompiledRbacAuthorizer(Bind(resolved, "edit")).IsAllowed(createRoleBinding));
        Assert.True(new CompiledRbacAuthorizer(Bind(resolved, "admin")).IsAllowed(createRoleBinding));
        Assert.True(new CompiledRbacAuthorizer(Bind(resolved, "admin")).IsAllowed(getPods));
        Assert.False(new CompiledRbacAuthorizer(Bind(resolved, "admin")).IsAllowed(AccessRequest.ForResource(alice, "get", "", "pods", "team-b")));
    }

    [Fact]
    public void WhoCan_CreatePodsBinding_ListsSchedulerAfterMasters()
    {
        var subjects = new RbacAuthorizer(Resolved.Value).AllowedSubjects(AccessRequest.ForResource(new UserInfo(""), "create", "", "pods", "default", "", "binding"));

        Assert.Equal(Subject.Group("system:masters"), subjects[0]);
        Assert.Contains(Subject.User("system:kube-scheduler"), subjects);
        Assert.DoesNotContain(Subject.User("system:kube-proxy"), subjects);
    }
}
