using ContainerSec.Policy;

namespace ContainerSec.Tests.Policy;

/// <summary>
/// Random RBAC policies and requests over small vocabularies full of the edges (case, wildcards,
/// subresources, <c>pods/*</c>, service accounts, broken role references), so that random requests
/// hit rules often and the two evaluators are compared where it matters.
/// </summary>
internal static class RandomPolicies
{
    private static readonly string[] Verbs = ["get", "GET", "list", "create", "*"];
    private static readonly string[] Groups = ["", "apps", "*"];
    private static readonly string[] RuleResources = ["pods", "pods/exec", "pods/*", "*/exec", "*", "secrets", "deployments", "deployments/scale"];
    private static readonly string[] Resources = ["pods", "secrets", "deployments", "Pods"];
    private static readonly string[] Subresources = ["", "", "exec", "scale", "*"];
    private static readonly string[] Names = ["", "a", "b"];
    private static readonly string[] Namespaces = ["", "ns1", "ns2"];
    private static readonly string[] Users = ["alice", "bob", "system:serviceaccount:ns1:sa", "system:serviceaccount:ns2:sa", "*", "g1"];
    private static readonly string[] UserGroups = ["g1", "g2", "system:authenticated", "*"];
    private static readonly string[] Urls = ["*", "/apis/*", "/api", "/healthz*", "/apis"];
    private static readonly string[] Paths = ["/api", "/apis", "/apis/v1", "/healthz", "/healthz/etcd", ""];
    private static readonly string[] RoleNames = ["r1", "r2", "r3", "missing"];

    public static RbacPolicy Policy(Random random)
    {
        var roles = new List<Role>();
        foreach (string ns in Namespaces.Skip(1))
        {
            foreach (string name in RoleNames.Take(2))
            {
                if (random.Next(3) > 0)
                {
                    roles.Add(new Role(ns, name, Rules(random)));
                }
            }
        }

        var clusterRoles = RoleNames.Take(3).Where(_ => random.Next(4) > 0).Select(name => new ClusterRole(name, Rules(random))).ToList();
        var roleBindings = Enumerable.Range(0, random.Next(6)).Select(i => new RoleBinding(
            Pick(random, Namespaces), $"rb{i}", new RoleRef(random.Next(2) == 0 ? RoleRefKind.Role : RoleRefKind.ClusterRole, Pick(random, RoleNames)), Subjects(random))).ToList();
        var clusterRoleBindings = Enumerable.Range(0, random.Next(4)).Select(i => new ClusterRoleBinding($"crb{i}", Pick(random, RoleNames), Subjects(random))).ToList();
        return new RbacPolicy(roles, clusterRoles, roleBindings, clusterRoleBindings);
    }

    public static AccessRequest Request(Random random)
    {
        var user = new UserInfo(Pick(random, Users), UserGroups.Where(_ => random.Next(3) == 0));
        return random.Next(4) == 0
            ? AccessRequest.ForNonResource(user, Pick(random, Verbs), Pick(random, Paths), random.Next(4) == 0 ? "ns1" : "")
            : AccessRequest.ForResource(user, Pick(random, Verbs), Pick(random, Groups), Pick(random, Resources), Pick(random, Namespaces), Pick(random, Names), Pick(random, Subresources));
    }

    private static List<PolicyRule> Rules(Random random) => Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(5) == 0
        ? new PolicyRule(Some(random, Verbs), nonResourceUrls: Some(random, Urls))
        : new PolicyRule(Some(random, Verbs), Some(random, Groups), Some(random, RuleResources), random.Next(3) == 0 ? Some(random, Names.Skip(1).ToArray()) : null)).ToList();

    private static List<Subject> Subjects(Random random) => Enumerable.Range(0, random.Next(1, 3)).Select(_ => random.Next(4) switch
    {
        0 => Subject.User(Pick(random, Users)),
        1 => Subject.Group(Pick(random, UserGroups)),
        2 => Subject.ServiceAccount(Pick(random, Namespaces), "sa"),
        _ => new Subject(SubjectKind.ServiceAccount, Pick(random, ["sa", "other"])),
    }).ToList();

    private static string[] Some(Random random, string[] values) => values.Where(_ => random.Next(3) == 0).DefaultIfEmpty(Pick(random, values)).ToArray();

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];
}
