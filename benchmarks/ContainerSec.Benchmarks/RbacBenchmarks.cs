using BenchmarkDotNet.Attributes;
using ContainerSec.Kubernetes;
using ContainerSec.Policy;

namespace ContainerSec.Benchmarks;

/// <summary>
/// One RBAC decision, averaged over a fixed mix of allowed and denied requests. Baseline: the
/// straightforward <see cref="RbacAuthorizer"/> (Kubernetes' algorithm: visit every
/// ClusterRoleBinding and every RoleBinding of the namespace, every rule). Against it: the compiled
/// index (<see cref="CompiledRbacAuthorizer.IsAllowed"/>, no allocation) and the compiled evaluator
/// asked for its reason. Workloads: the real Kubernetes bootstrap policy loaded from
/// ../shared/realdata/kubernetes-bootstrap-rbac with aggregation resolved, and a synthetic
/// cluster of 10,000 rules, 1,000 bindings and 1,000 users. Setup checks that both evaluators
/// agree on every request and that the mix holds allowed and denied requests.
/// </summary>
[MemoryDiagnoser]
public class RbacBenchmarks
{
    private const int Requests = 512;

    private RbacAuthorizer _baseline = null!;
    private CompiledRbacAuthorizer _compiled = null!;
    private AccessRequest[] _requests = null!;

    [Params("bootstrap", "synthetic")]
    public string Workload { get; set; } = "synthetic";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20261128);
        RbacPolicy policy = Workload == "bootstrap" ? Bootstrap() : RbacWorkloads.Synthetic(random);
        _baseline = new RbacAuthorizer(policy);
        _compiled = new CompiledRbacAuthorizer(policy);
        _requests = [.. RbacWorkloads.Requests(policy, random, Requests)];

        int allowed = 0;
        foreach (AccessRequest request in _requests)
        {
            bool expected = _baseline.Authorize(request).Allowed;
            if (_compiled.IsAllowed(request) != expected || _compiled.Authorize(request).Allowed != expected)
            {
                throw new InvalidOperationException($"The evaluators disagree on {request}.");
            }

            allowed += expected ? 1 : 0;
        }

        if (allowed < Requests / 10 || allowed > Requests - (Requests / 10))
        {
            throw new InvalidOperationException($"The request mix is lopsided: {allowed} of {Requests} allowed.");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Requests, Description = "RbacAuthorizer.IsAllowed (Kubernetes algorithm)")]
    public int Baseline()
    {
        int allowed = 0;
        foreach (AccessRequest request in _requests)
        {
            allowed += _baseline.IsAllowed(request) ? 1 : 0;
        }

        return allowed;
    }

    [Benchmark(OperationsPerInvoke = Requests, Description = "CompiledRbacAuthorizer.IsAllowed")]
    public int Compiled()
    {
        int allowed = 0;
        foreach (AccessRequest request in _requests)
        {
            allowed += _compiled.IsAllowed(request) ? 1 : 0;
        }

        return allowed;
    }

    [Benchmark(OperationsPerInvoke = Requests, Description = "CompiledRbacAuthorizer.Authorize (with reason)")]
    public int CompiledWithReason()
    {
        int allowed = 0;
        foreach (AccessRequest request in _requests)
        {
            allowed += _compiled.Authorize(request).Allowed ? 1 : 0;
        }

        return allowed;
    }

    private static RbacPolicy Bootstrap()
    {
        string folder = Path.Combine(RbacWorkloads.SharedRoot(), "realdata", "kubernetes-bootstrap-rbac");
        return ManifestLoader.LoadFiles(Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal)).Policy.WithAggregatedClusterRolesResolved();
    }
}

/// <summary>Policies and request mixes for <see cref="RbacBenchmarks"/>; setup only.</summary>
internal static class RbacWorkloads
{
    private static readonly string[] Verbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
    private static readonly string[] ApiGroups = ["", "apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "policy", "storage.k8s.io", "autoscaling", "coordination.k8s.io", "example.com"];
    private static readonly string[] Resources = [.. Enumerable.Range(0, 40).Select(i => $"resource{i}")];
    private static readonly string[] Subresources = ["status", "scale", "exec", "log"];

    /// <summary>../shared beside the repository root (or $CONTAINERSEC_SHARED).</summary>
    public static string SharedRoot()
    {
        if (Environment.GetEnvironmentVariable("CONTAINERSEC_SHARED") is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string shared = Path.Combine(dir.FullName, "..", "shared");
                if (File.Exists(Path.Combine(dir.FullName, "ContainerSec.Core.sln")) && Directory.Exists(shared))
                {
                    return Path.GetFullPath(shared);
                }
            }
        }

        throw new DirectoryNotFoundException("No ../shared folder beside the repository; set CONTAINERSEC_SHARED.");
    }

    /// <summary>
    /// 10,000 rules (200 cluster roles and 200 namespaced roles, 25 rules each), 1,000 bindings
    /// (500 ClusterRoleBindings, 500 RoleBindings over 50 namespaces) and 1,000 users in 100 groups;
    /// each binding names one user, a fifth of them also a group.
    /// </summary>
    public static RbacPolicy Synthetic(Random random)
    {
        var clusterRoles = Enumerable.Range(0, 200).Select(i => new ClusterRole($"cluster-role-{i}", Rules(random, 25))).ToList();
        var roles = Enumerable.Range(0, 200).Select(i => new Role($"ns{i % 50}", $"role-{i}", Rules(random, 25))).ToList();
        var clusterRoleBindings = Enumerable.Range(0, 500).Select(i => new ClusterRoleBinding($"crb-{i}", $"cluster-role-{random.Next(200)}", Subjects(random, i))).ToList();
        var roleBindings = Enumerable.Range(0, 500).Select(i =>
        {
            int role = random.Next(200);
            return random.Next(2) == 0
                ? new RoleBinding($"ns{role % 50}", $"rb-{i}", new RoleRef(RoleRefKind.Role, $"role-{role}"), Subjects(random, 500 + i))
                : new RoleBinding($"ns{random.Next(50)}", $"rb-{i}", new RoleRef(RoleRefKind.ClusterRole, $"cluster-role-{role}"), Subjects(random, 500 + i));
        }).ToList();
        return new RbacPolicy(roles, clusterRoles, roleBindings, clusterRoleBindings);
    }

    /// <summary>
    /// Requests derived from the policy's own bindings: a subject of a binding asking for
    /// something one of its role's rules names (often allowed), or the same with another verb,
    /// resource or namespace (often denied), plus users with no binding at all.
    /// </summary>
    public static IEnumerable<AccessRequest> Requests(RbacPolicy policy, Random random, int count)
    {
        var grants = new List<(UserInfo User, string Namespace, PolicyRule Rule)>();
        foreach (ClusterRoleBinding binding in policy.ClusterRoleBindings)
        {
            foreach (PolicyRule rule in policy.FindClusterRole(binding.RoleRef.Name)?.Rules ?? [])
            {
                grants.AddRange(binding.Subjects.Select(s => (User(s, ""), Pick(random, ["default", "kube-system", "ns1"]), rule)));
            }
        }

        foreach (RoleBinding binding in policy.RoleBindings)
        {
            var rules = binding.RoleRef.Kind == RoleRefKind.Role ? policy.FindRole(binding.Namespace, binding.RoleRef.Name)?.Rules : policy.FindClusterRole(binding.RoleRef.Name)?.Rules;
            foreach (PolicyRule rule in rules ?? [])
            {
                grants.AddRange(binding.Subjects.Select(s => (User(s, binding.Namespace), binding.Namespace, rule)));
            }
        }

        for (int i = 0; i < count; i++)
        {
            if (i % 10 == 9)
            {
                yield return AccessRequest.ForResource(new UserInfo($"stranger{i}", ["system:authenticated"]), "get", "", "pods", "default");
                continue;
            }

            var (user, ns, rule) = grants[random.Next(grants.Count)];
            bool mutate = random.Next(3) == 0;
            if (!rule.NonResourceUrls.IsEmpty)
            {
                string url = Concrete(Pick(random, [.. rule.NonResourceUrls]), "/healthz");
                yield return AccessRequest.ForNonResource(user, mutate ? "delete" : Concrete(Pick(random, [.. rule.Verbs]), "get"), url);
                continue;
            }

            string verb = Concrete(Pick(random, [.. rule.Verbs]), "get");
            string group = Concrete(Pick(random, [.. rule.ApiGroups]), "");
            string[] resource = Concrete(Pick(random, [.. rule.Resources]), "pods").Split('/', 2);
            string name = rule.ResourceNames.IsEmpty ? "" : Pick(random, [.. rule.ResourceNames]);
            if (resource[0] == "*")
            {
                resource[0] = "pods";
            }

            switch (mutate ? random.Next(3) : -1)
            {
                case 0: verb = verb == "escalate" ? "bind" : "escalate"; break;
                case 1: resource = ["secrets"]; break;
                case 2: ns = "elsewhere"; break;
            }

            yield return AccessRequest.ForResource(user, verb, group, resource[0], ns, name, resource.Length > 1 ? resource[1] : "");
        }
    }

    private static UserInfo User(Subject subject, string bindingNamespace) => subject.Kind switch
    {
        SubjectKind.User => new UserInfo(subject.Name, ["system:authenticated"]),
        SubjectKind.Group => new UserInfo("member-of-" + subject.Name, [subject.Name, "system:authenticated"]),
        _ => new UserInfo($"system:serviceaccount:{(subject.Namespace.Length > 0 ? subject.Namespace : bindingNamespace)}:{subject.Name}", ["system:serviceaccounts", "system:authenticated"]),
    };

    private static List<PolicyRule> Rules(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => new PolicyRule(
        Some(random, Verbs, 3),
        [Pick(random, ApiGroups)],
        [.. Some(random, Resources, 2).Select(r => random.Next(5) == 0 ? $"{r}/{Pick(random, Subresources)}" : r)],
        random.Next(8) == 0 ? [$"name{random.Next(10)}"] : null))];

    private static List<Subject> Subjects(Random random, int index)
    {
        var subjects = new List<Subject> { Subject.User($"user{index % 1000}") };
        if (random.Next(5) == 0)
        {
            subjects.Add(Subject.Group($"group{random.Next(100)}"));
        }

        return subjects;
    }

    private static string[] Some(Random random, string[] values, int max) => [.. values.OrderBy(_ => random.Next()).Take(random.Next(1, max + 1))];

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];

    private static string Concrete(string value, string instead) => value == "*" ? instead : value.TrimEnd('*') is { Length: > 0 } trimmed && value.EndsWith('*') ? trimmed : value;
}
