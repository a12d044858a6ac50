using System.Text.Json;
using ContainerSec.Policy;
using static ContainerSec.Tests.Policy.ResourceLimitRangeTests;
using static ContainerSec.Tests.Policy.ResourceManifests;

namespace ContainerSec.Tests.Policy;

public sealed class ResourceQuotaTests
{
    // tasks/administer-cluster/manage-resources/quota-memory-cpu-namespace
    private const string MemCpuDemo = """
        {"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"mem-cpu-demo"},
         "spec":{"hard":{"requests.cpu":"1","requests.memory":"1Gi","limits.cpu":"2","limits.memory":"2Gi"}}}
        """;

    // tasks/administer-cluster/manage-resources/quota-pod-namespace
    private const string PodDemo = """{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"pod-demo"},"spec":{"hard":{"pods":"2"}}}""";

    /// <summary>
    /// Truth table from the quota-memory-cpu page: used amounts before the pod, the pod's requests and limits,
    /// and the refusal text (null = admitted).
    /// </summary>
    public static TheoryData<string, string, string, string?> MemCpuCases => new()
    {
        // quota-mem-cpu-pod: admitted into the empty namespace.
        { "", "memory=600Mi,cpu=400m", "memory=800Mi,cpu=800m", null },
        // quota-mem-cpu-pod-2 after the first pod: refused on requests.memory alone, with the docs' wording.
        { "requests.cpu=400m,requests.memory=600Mi,limits.cpu=800m,limits.memory=800Mi", "memory=700Mi,cpu=400m", "memory=1Gi,cpu=800m",
            "exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi, limited: requests.memory=1Gi" },
        // Exactly reaching every hard total is allowed (≤, not <).
        { "requests.cpu=600m,requests.memory=424Mi,limits.cpu=1200m,limits.memory=1248Mi", "memory=600Mi,cpu=400m", "memory=800Mi,cpu=800m", null },
        // One milli-CPU over.
        { "requests.cpu=601m", "memory=600Mi,cpu=400m", "memory=800Mi,cpu=800m",
            "exceeded quota: mem-cpu-demo, requested: requests.cpu=400m, used: requests.cpu=601m, limited: requests.cpu=1" },
        { "limits.memory=1.5Gi", "memory=600Mi,cpu=400m", "memory=800Mi,cpu=800m",
            "exceeded quota: mem-cpu-demo, requested: limits.memory=800Mi, used: limits.memory=1536Mi, limited: limits.memory=2Gi" },
    };

    [Theory]
    [MemberData(nameof(MemCpuCases))]
    public void Evaluate_QuotaMemoryCpuDocs_TruthTable(string used, string requests, string limits, string? refusal)
    {
        ResourceQuotaPolicy quota = ResourceQuotaPolicy.Parse(Parse(MemCpuDemo)).WithUsed(Quantities(used));

        ResourceAdmissionResult result = quota.Evaluate(Pod(Container("quota-mem-cpu-demo-ctr", requests, limits)));

        if (refusal is null)
        {
            Assert.True(result.Allowed, result.Message);
            return;
        }

        ResourceViolation v = Assert.Single(result.Violations);
        Assert.Equal(ResourceViolationKind.QuotaExceeded, v.Kind);
        Assert.Equal("ResourceQuota/mem-cpu-demo", v.Source);
        Assert.StartsWith(refusal, v.Message, StringComparison.Ordinal);
        Assert.EndsWith("(container \"quota-mem-cpu-demo-ctr\" " + v.Value + ")", v.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_FirstDocsPod_UsageIsWhatTheDocsShowAsUsed()
    {
        ResourceQuotaPolicy quota = ResourceQuotaPolicy.Parse(Parse(MemCpuDemo));

        ResourceAdmissionResult result = quota.Evaluate(Pod(Container("c", "memory=600Mi,cpu=400m", "memory=800Mi,cpu=800m")));

        Assert.Equal(
            "count/pods=1,cpu=400m,limits.cpu=800m,limits.memory=800Mi,memory=600Mi,pods=1,requests.cpu=400m,requests.memory=600Mi",
            Format(result.QuotaUsage));
    }

    [Fact]
    public void Evaluate_QuotaOnCpuAndMemory_ContainersMustSpecifyThem()
    {
        ResourceQuotaPolicy quota = ResourceQuotaPolicy.Parse(Parse(MemCpuDemo));

        ResourceAdmissionResult result = quota.Evaluate(Pod(Container("full", "cpu=100m,memory=100Mi", "cpu=100m,memory=100Mi"), Container("nginx", "cpu=100m")));

        Assert.All(result.Violations, v => Assert.Equal((ResourceViolationKind.QuotaRequiresValue, "nginx"), (v.Kind, v.Container)));
        Assert.Equal(
            ["failed quota: mem-cpu-demo: must specify limits.cpu for: nginx", "failed quota: mem-cpu-demo: must specify limits.memory for: nginx", "failed quota: mem-cpu-demo: must specify requests.memory for: nginx"],
            result.Violations.Select(v => v.Message));
        Assert.Equal("spec.containers[1].resources.limits.cpu", result.Violations[0].Path);
    }

    [Fact]
    public void Evaluate_LimitRangeDefaultsSatisfyTheQuota_AsTheDocsAdvise()
    {
        var policy = new ResourceAdmissionPolicy(
            [LimitRangePolicy.Parse(Parse("""{"kind":"LimitRange","metadata":{"name":"defaults"},"spec":{"limits":[{"type":"Container","default":{"cpu":"500m","memory":"512Mi"},"defaultRequest":{"cpu":"250m","memory":"256Mi"}}]}}"""))],
            [ResourceQuotaPolicy.Parse(Parse(MemCpuDemo))]);

        ResourceAdmissionResult result = policy.Evaluate(Pod(Container("nginx")));

        Assert.True(result.Allowed, result.Message);
        Assert.Equal("250m", result.QuotaUsage["requests.cpu"].ToString());
        Assert.Equal("512Mi", result.QuotaUsage["limits.memory"].ToString());
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("pods=1", true)]
    [InlineData("pods=2", false)]   // the third replica of the docs' Deployment
    public void Evaluate_PodCountQuota_TruthTable(string used, bool allowed)
    {
        ResourceQuotaPolicy quota = ResourceQuotaPolicy.Parse(Parse(PodDemo)).WithUsed(Quantities(used));

        ResourceAdmissionResult result = quota.Evaluate(Deployment(Container("pod-quota-demo")));

        Assert.Equal(allowed, result.Allowed);
        if (!allowed)
        {
            ResourceViolation v = Assert.Single(result.Violations);
            Assert.Equal("exceeded quota: pod-demo, requested: pods=1, used: pods=2, limited: pods=2", v.Message);
            Assert.Equal(("pods", "1", "2", "spec.template.spec"), (v.Resource, v.Value, v.Bound, v.Path));
        }
    }

    [Theory]
    [InlineData("3", "1", true)]
    [InlineData("3", "2", false)]
    [InlineData("0", "4", true)]
    public void Evaluate_ExtendedResourceQuota_RequestsPrefix(string used, string gpus, bool allowed)
    {
        // concepts/policy/resource-quotas: "requests.nvidia.com/gpu: 4"
        var quota = new ResourceQuotaPolicy("gpu", Q("requests.nvidia.com/gpu", "4"), Q("requests.nvidia.com/gpu", used));

        ResourceAdmissionResult result = quota.Evaluate(Pod(Container("cuda", null, "nvidia.com/gpu=" + gpus)));

        Assert.Equal(allowed, result.Allowed);
        Assert.Equal(gpus, result.QuotaUsage["requests.nvidia.com/gpu"].ToString());
    }

    [Theory]
    [InlineData(ResourceQuotaScope.BestEffort, null, false)]               // best-effort pod counted, quota full
    [InlineData(ResourceQuotaScope.BestEffort, "cpu=100m", true)]          // burstable pod: quota does not apply
    [InlineData(ResourceQuotaScope.NotBestEffort, null, true)]
    [InlineData(ResourceQuotaScope.NotBestEffort, "cpu=100m", false)]
    [InlineData(ResourceQuotaScope.Terminating, null, true)]
    [InlineData(ResourceQuotaScope.NotTerminating, null, false)]
    public void Evaluate_Scopes_OnlyMatchingPodsCounted(ResourceQuotaScope scope, string? requests, bool allowed)
    {
        var quota = new ResourceQuotaPolicy("scoped", Q("pods", "1"), Q("pods", "1"), [scope]);

        Assert.Equal(allowed, quota.Evaluate(Pod(Container("app", requests))).Allowed);
    }

    [Fact]
    public void Evaluate_TerminatingPod_MatchesTerminatingScope()
    {
        var quota = new ResourceQuotaPolicy("jobs", Q("pods", "1"), Q("pods", "1"), [ResourceQuotaScope.Terminating]);

        Assert.False(quota.Evaluate(PodWith("\"activeDeadlineSeconds\":600", Container("app"))).Allowed);
    }

    [Fact]
    public void Evaluate_InitContainersAndOverhead_CountAsKubernetesDoes()
    {
        var quota = new ResourceQuotaPolicy("cpu", Q("requests.cpu", "2"));
        string init = Container("migrate", "cpu=1500m", "cpu=1500m");

        // effective request: max(app 1, init 1.5) = 1.5, plus overhead 250m = 1750m
        ResourceAdmissionResult ok = quota.Evaluate(PodWith($"\"initContainers\":[{init}],\"overhead\":{{\"cpu\":\"250m\"}}", Container("app", "cpu=1", "cpu=1")));
        ResourceAdmissionResult refused = quota.Evaluate(PodWith($"\"initContainers\":[{init}],\"overhead\":{{\"cpu\":\"750m\"}}", Container("app", "cpu=1", "cpu=1")));

        Assert.True(ok.Allowed, ok.Message);
        Assert.Equal("1750m", ok.QuotaUsage["requests.cpu"].ToString());
        Assert.Equal("1500m", ok.PodRequests["cpu"].ToString());
        Assert.Equal("2250m", Assert.Single(refused.Violations).Value);
    }

    [Fact]
    public void Evaluate_SeveralQuotas_EveryViolationReported()
    {
        var policy = new ResourceAdmissionPolicy(quotas:
        [
            ResourceQuotaPolicy.Parse(Parse(PodDemo)).WithUsed(Q("pods", "2")),
            ResourceQuotaPolicy.Parse(Parse(MemCpuDemo)).WithUsed(Q("requests.cpu", "1")),
        ]);

        ResourceAdmissionResult result = policy.Evaluate(Pod(Container("app", "cpu=1m,memory=1Mi", "cpu=1m,memory=1Mi")));

        Assert.Equal(["ResourceQuota/pod-demo", "ResourceQuota/mem-cpu-demo"], result.Violations.Select(v => v.Source));
        Assert.Equal(["pods", "requests.cpu"], result.Violations.Select(v => v.Resource));
    }

    [Fact]
    public void Parse_StatusUsedAndScopes_Read()
    {
        ResourceQuotaPolicy quota = ResourceQuotaPolicy.Parse(Parse("""
            {"kind":"ResourceQuota","metadata":{"name":"q"},"spec":{"hard":{"pods":"10","requests.cpu":"4"},"scopes":["NotTerminating","NotBestEffort"]},
             "status":{"hard":{"pods":"10"},"used":{"pods":"3","requests.cpu":"1500m"}}}
            """));

        Assert.Equal(("q", "pods=10,requests.cpu=4", "pods=3,requests.cpu=1500m"), (quota.Name, Format(quota.Hard), Format(quota.Used)));
        Assert.Equal([ResourceQuotaScope.NotTerminating, ResourceQuotaScope.NotBestEffort], quota.Scopes);
    }

    [Theory]
    [InlineData("""{"kind":"ResourceQuota","spec":{"hard":{"pods":"1.5"}}}""", "spec.hard.pods", "must be an integer")]
    [InlineData("""{"kind":"ResourceQuota","spec":{"hard":{"requests.cpu":"-1"}}}""", "spec.hard.requests.cpu", "negative")]
    [InlineData("""{"kind":"ResourceQuota","spec":{"hard":{"requests.cpu":"1 cpu"}}}""", "spec.hard.requests.cpu", "not a valid resource quantity")]
    [InlineData("""{"kind":"ResourceQuota","spec":{"hard":[]}}""", "spec.hard", "must be an object")]
    [InlineData("""{"kind":"ResourceQuota","spec":{"hard":{},"scopes":["PriorityClass"]}}""", "spec.scopes[0]", "not supported")]
    [InlineData("""{"kind":"ResourceQuota","spec":{"hard":{},"scopeSelector":{"matchExpressions":[]}}}""", "spec.scopeSelector", "not supported")]
    [InlineData("""{"kind":"ResourceQuota","spec":{"hard":{}},"status":{"used":{"count/pods":"0.5"}}}""", "status.used.count/pods", "must be an integer")]
    [InlineData("""{"kind":"LimitRange","spec":{}}""", "kind", "must be ResourceQuota")]
    [InlineData("""{"kind":"ResourceQuota"}""", "spec", "is required")]
    public void Parse_Malformed_ThrowsNamingTheField(string json, string field, string reason)
    {
        var e = Assert.Throws<ArgumentException>("manifest", () => ResourceQuotaPolicy.Parse(Parse(json)));

        Assert.Contains($"'{field}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidAmounts_Throw()
    {
        Assert.Throws<ArgumentException>("hard", () => new ResourceQuotaPolicy("q", Q("pods", "-1")));
        Assert.Throws<ArgumentException>("used", () => new ResourceQuotaPolicy("q", Q("pods", "1"), Q("pods", "500m")));
        Assert.Throws<ArgumentException>("scopes", () => new ResourceQuotaPolicy("q", Q("pods", "1"), scopes: [(ResourceQuotaScope)9]));
    }

    [Fact]
    public void Evaluate_UsedNearMaximum_NoOverflowAndRefused()
    {
        var quota = new ResourceQuotaPolicy("huge", Q("requests.memory", "9223372036854775807"), Q("requests.memory", "9223372036854775807"));

        ResourceAdmissionResult result = quota.Evaluate(Pod(Container("app", "memory=1", "memory=1")));

        Assert.Equal(ResourceViolationKind.QuotaExceeded, Assert.Single(result.Violations).Kind);
    }

    private static Dictionary<string, ResourceQuantity> Quantities(string compact) =>
        compact.Length == 0
            ? []
            : compact.Split(',').Select(p => p.Split('=', 2)).ToDictionary(kv => kv[0], kv => ResourceQuantity.Parse(kv[1]));

    private static JsonElement Parse(string json) => ResourceManifests.Parse(json);
}
