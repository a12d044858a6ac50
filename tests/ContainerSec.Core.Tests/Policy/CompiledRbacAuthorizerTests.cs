using ContainerSec.Policy;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Policy;

public sealed class CompiledRbacAuthorizerTests
{
    [Fact]
    public void IsAllowed_RandomPoliciesAndRequests_AgreesWithBaselineOnEveryDecision()
    {
        var property = Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var random = new Random(seed);
            RbacPolicy policy = RandomPolicies.Policy(random);
            var baseline = new RbacAuthorizer(policy);
            var compiled = new CompiledRbacAuthorizer(policy);
            for (int i = 0; i < 200; i++)
            {
                AccessRequest request = RandomPolicies.Request(random);
                bool expected = baseline.Authorize(request).Allowed;
                if (compiled.IsAllowed(request) != expected || compiled.Authorize(request).Allowed != expected || baseline.IsAllowed(request) != expected)
                {
                    throw new InvalidOperationException($"seed {seed}: disagreement on {request} (baseline {expected})");
                }
            }
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    [Fact]
    public void IsAllowed_RandomPolicies_SomeRequestsAllowedSomeNot()
    {
        // Guards the differential test against a generator that never allows (or always allows).
        var random = new Random(42);
        int allowed = 0, total = 0;
        for (int p = 0; p < 50; p++)
        {
            var compiled = new CompiledRbacAuthorizer(RandomPolicies.Policy(random));
            for (int i = 0; i < 100; i++, total++)
            {
                allowed += compiled.IsAllowed(RandomPolicies.Request(random)) ? 1 : 0;
            }
        }

        Assert.InRange(allowed, total / 50, total - (total / 50));
    }

    [Fact]
    public void IsAllowed_WarmedUp_AllocatesNothing()
    {
        var policy = new RbacPolicy(
            roles: [new Role("ns1", "r", [new PolicyRule(["get", "list"], [""], ["pods", "pods/log"])])],
            clusterRoles: [new ClusterRole("c", [new PolicyRule(["get"], nonResourceUrls: ["/healthz*"])])],
            roleBindings: [new RoleBinding("ns1", "rb", new RoleRef(RoleRefKind.Role, "r"), [Subject.Group("dev")])],
            clusterRoleBindings: [new ClusterRoleBinding("crb", "c", [Subject.Group("system:authenticated")])]);
        var compiled = new CompiledRbacAuthorizer(policy);
        var user = new UserInfo("alice", ["system:authenticated", "dev"]);
        AccessRequest allowed = AccessRequest.ForResource(user, "get", "", "pods", "ns1", "", "log");
        AccessRequest denied = AccessRequest.ForResource(user, "delete", "", "pods", "ns1");
        AccessRequest url = AccessRequest.ForNonResource(user, "get", "/healthz/etcd");
        Assert.True(compiled.IsAllowed(allowed) && !compiled.IsAllowed(denied) && compiled.IsAllowed(url));

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool all = true;
        for (int i = 0; i < 1000; i++)
        {
            all &= compiled.IsAllowed(allowed) & !compiled.IsAllowed(denied) & compiled.IsAllowed(url);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(all);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Update_AddAndRemoveBinding_NewSnapshotAnswers()
    {
        var role = new ClusterRole("reader", [new PolicyRule(["get"], [""], ["pods"])]);
        var compiled = new CompiledRbacAuthorizer(new RbacPolicy(clusterRoles: [role]));
        AccessRequest request = AccessRequest.ForResource(new UserInfo("alice"), "get", "", "pods", "ns1");
        Assert.False(compiled.IsAllowed(request));

        compiled.Update(p => new RbacPolicy(p.Roles, p.ClusterRoles, p.RoleBindings, [.. p.ClusterRoleBindings, new ClusterRoleBinding("b", "reader", [Subject.User("alice")])]));
        Assert.True(compiled.IsAllowed(request));
        Assert.StartsWith("RBAC: allowed by ClusterRoleBinding \"b\"", compiled.Authorize(request).Reason, StringComparison.Ordinal);

        compiled.Update(p => new RbacPolicy(p.Roles, p.ClusterRoles, p.RoleBindings, p.ClusterRoleBindings.Where(b => b.Name != "b")));
        Assert.False(compiled.IsAllowed(request));
    }

    [Fact]
    public async Task Update_ConcurrentWritersAndReaders_NoUpdateLostAndReadersNeverFail()
    {
        var role = new ClusterRole("reader", [new PolicyRule(["get"], [""], ["pods"])]);
        var compiled = new CompiledRbacAuthorizer(new RbacPolicy(clusterRoles: [role]));
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            var request = AccessRequest.ForResource(new UserInfo("user0"), "get", "", "pods", "ns");
            while (!stop.IsCancellationRequested)
            {
                _ = compiled.IsAllowed(request);
            }
        });

        Parallel.For(0, 40, i => compiled.Update(p => new RbacPolicy(p.Roles, p.ClusterRoles, p.RoleBindings, [.. p.ClusterRoleBindings, new ClusterRoleBinding($"b{i}", "reader", [Subject.User($"user{i}")])])));
        await stop.CancelAsync();
        await reader;

        Assert.Equal(40, compiled.Policy.ClusterRoleBindings.Length);
        Assert.All(Enumerable.Range(0, 40), i => Assert.True(compiled.IsAllowed(AccessRequest.ForResource(new UserInfo($"user{i}"), "get", "", "pods", "ns"))));
    }

    [Fact]
    public void IsAllowed_UserAndGroupShareName_KeptApart()
    {
        var policy = new RbacPolicy(
            clusterRoles: [new ClusterRole("c", [new PolicyRule(["get"], [""], ["pods"])])],
            clusterRoleBindings: [new ClusterRoleBinding("b", "c", [Subject.Group("ops")])]);
        var compiled = new CompiledRbacAuthorizer(policy);

        Assert.False(compiled.IsAllowed(AccessRequest.ForResource(new UserInfo("ops"), "get", "", "pods")));
        Assert.True(compiled.IsAllowed(AccessRequest.ForResource(new UserInfo("x", ["ops"]), "get", "", "pods")));
    }
}
