using System.Text.Json;
using ContainerSec.Policy;
using static ContainerSec.Tests.Policy.ResourceManifests;

namespace ContainerSec.Tests.Policy;

public sealed class ResourceLimitRangeTests
{
    /// <summary>The LimitRanges of the Kubernetes documentation (tasks "Configure Default/Minimum and Maximum … for a Namespace", concepts "Limit Ranges").</summary>
    private static readonly Dictionary<string, string> Ranges = new()
    {
        // tasks/administer-cluster/manage-resources/cpu-default-namespace
        ["cpu-limit-range"] = """{"kind":"LimitRange","metadata":{"name":"cpu-limit-range"},"spec":{"limits":[{"default":{"cpu":"1"},"defaultRequest":{"cpu":"0.5"},"type":"Container"}]}}""",
        // memory-default-namespace
        ["mem-limit-range"] = """{"kind":"LimitRange","metadata":{"name":"mem-limit-range"},"spec":{"limits":[{"default":{"memory":"512Mi"},"defaultRequest":{"memory":"256Mi"},"type":"Container"}]}}""",
        // memory-constraint-namespace
        ["mem-min-max-demo-lr"] = """{"kind":"LimitRange","metadata":{"name":"mem-min-max-demo-lr"},"spec":{"limits":[{"max":{"memory":"1Gi"},"min":{"memory":"500Mi"},"type":"Container"}]}}""",
        // cpu-constraint-namespace
        ["cpu-min-max-demo-lr"] = """{"kind":"LimitRange","metadata":{"name":"cpu-min-max-demo-lr"},"spec":{"limits":[{"max":{"cpu":"800m"},"min":{"cpu":"200m"},"type":"Container"}]}}""",
        // concepts/policy/limit-range
        ["cpu-resource-constraint"] = """{"kind":"LimitRange","metadata":{"name":"cpu-resource-constraint"},"spec":{"limits":[{"default":{"cpu":"500m"},"defaultRequest":{"cpu":"500m"},"max":{"cpu":"1"},"min":{"cpu":"100m"},"type":"Container"}]}}""",
        // the LimitRange admin example (Pod and Container items)
        ["mylimits"] = """
            {"kind":"LimitRange","metadata":{"name":"mylimits"},"spec":{"limits":[
              {"max":{"cpu":"2","memory":"1Gi"},"min":{"cpu":"200m","memory":"6Mi"},"type":"Pod"},
              {"default":{"cpu":"300m","memory":"200Mi"},"defaultRequest":{"cpu":"200m","memory":"100Mi"},
               "max":{"cpu":"2","memory":"1Gi"},"min":{"cpu":"100m","memory":"3Mi"},"type":"Container"}]}}
            """,
        // LimitRanger's ratio semantics (limit / request ≤ maxLimitRequestRatio)
        ["ratio"] = """{"kind":"LimitRange","metadata":{"name":"ratio"},"spec":{"limits":[{"maxLimitRequestRatio":{"cpu":"2"},"type":"Container"}]}}""",
        ["ratio-mem"] = """{"kind":"LimitRange","metadata":{"name":"ratio-mem"},"spec":{"limits":[{"maxLimitRequestRatio":{"memory":"1500m"},"type":"Container"}]}}""",
        ["pod-max"] = """{"kind":"LimitRange","metadata":{"name":"pod-max"},"spec":{"limits":[{"max":{"cpu":"2"},"type":"Pod"}]}}""",
        ["min-1m"] = """{"kind":"LimitRange","metadata":{"name":"min-1m"},"spec":{"limits":[{"min":{"cpu":"1m"},"type":"Container"}]}}""",
    };

    /// <summary>
    /// Truth table: LimitRange, the container's requests and limits (null = not written), whether it is admitted,
    /// the requests and limits admission writes, and the refusal (kind, field, value, bound, message) if any.
    /// </summary>
    public static TheoryData<string, string?, string?, bool, string, string, string?> Cases => new()
    {
        // cpu-default-namespace: no resources → request 500m (defaultRequest), limit 1 (default).
        { "cpu-limit-range", null, null, true, "cpu=500m", "cpu=1", null },
        // "What if you specify a container's limit, but not its request?" → the request is the limit.
        { "cpu-limit-range", null, "cpu=1", true, "cpu=1", "cpu=1", null },
        // "What if you specify a container's request, but not its limit?" → limit is the default.
        { "cpu-limit-range", "cpu=0.75", null, true, "cpu=750m", "cpu=1", null },
        { "mem-limit-range", null, null, true, "memory=256Mi", "memory=512Mi", null },
        { "mem-limit-range", null, "memory=1Gi", true, "memory=1Gi", "memory=1Gi", null },
        { "mem-limit-range", "memory=128Mi", null, true, "memory=128Mi", "memory=512Mi", null },
        // memory-constraint-namespace: defaults come from max (1Gi); the four pods of the page.
        { "mem-min-max-demo-lr", "memory=600Mi", "memory=800Mi", true, "memory=600Mi", "memory=800Mi", null },
        { "mem-min-max-demo-lr", "memory=800Mi", "memory=1.5Gi", false, "memory=800Mi", "memory=1536Mi",
            "AboveMaximum|spec.containers[0].resources.limits.memory|1536Mi|1Gi|maximum memory usage per Container is 1Gi, but limit is 1536Mi" },
        { "mem-min-max-demo-lr", "memory=100Mi", "memory=800Mi", false, "memory=100Mi", "memory=800Mi",
            "BelowMinimum|spec.containers[0].resources.requests.memory|100Mi|500Mi|minimum memory usage per Container is 500Mi, but request is 100Mi" },
        { "mem-min-max-demo-lr", null, null, true, "memory=1Gi", "memory=1Gi", null },
        // cpu-constraint-namespace
        { "cpu-min-max-demo-lr", "cpu=500m", "cpu=800m", true, "cpu=500m", "cpu=800m", null },
        { "cpu-min-max-demo-lr", "cpu=500m", "cpu=1.5", false, "cpu=500m", "cpu=1500m",
            "AboveMaximum|spec.containers[0].resources.limits.cpu|1500m|800m|maximum cpu usage per Container is 800m, but limit is 1500m" },
        { "cpu-min-max-demo-lr", "cpu=100m", "cpu=800m", false, "cpu=100m", "cpu=800m",
            "BelowMinimum|spec.containers[0].resources.requests.cpu|100m|200m|minimum cpu usage per Container is 200m, but request is 100m" },
        { "cpu-min-max-demo-lr", null, null, true, "cpu=800m", "cpu=800m", null },
        // concepts/policy/limit-range: a request above the defaulted limit fails pod validation.
        { "cpu-resource-constraint", "cpu=700m", null, false, "cpu=700m", "cpu=500m",
            "RequestExceedsLimit|spec.containers[0].resources.requests.cpu|700m|500m|spec.containers[0].resources.requests: Invalid value: \"700m\": must be less than or equal to cpu limit of 500m" },
        { "cpu-resource-constraint", "cpu=700m", "cpu=700m", true, "cpu=700m", "cpu=700m", null },
        // maxLimitRequestRatio
        { "ratio", "cpu=500m", "cpu=1", true, "cpu=500m", "cpu=1", null },   // exactly 2
        { "ratio-mem", "memory=1Gi", "memory=1.5Gi", true, "memory=1Gi", "memory=1536Mi", null },   // exactly 1.5
        { "ratio-mem", "memory=1Gi", "memory=1537Mi", false, "memory=1Gi", "memory=1537Mi",
            "LimitRequestRatio|spec.containers[0].resources.limits.memory|1.500977|1500m|memory max limit to request ratio per Container is 1500m, but provided ratio is 1.500977" },
        { "ratio", "cpu=250m", "cpu=1", false, "cpu=250m", "cpu=1",
            "LimitRequestRatio|spec.containers[0].resources.limits.cpu|4.000000|2|cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000" },
        { "ratio", "cpu=0", "cpu=1", false, "cpu=0", "cpu=1",
            "LimitRequestRatio|spec.containers[0].resources.requests.cpu|0|2|cpu max limit to request ratio per Container is 2, but no request is specified or request is 0" },
        { "ratio", "cpu=1", null, false, "cpu=1", "",
            "LimitRequestRatio|spec.containers[0].resources.limits.cpu|<unset>|2|cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0" },
        // Values are compared in milli units rounded up, as LimitRanger does: 500u counts as 1m.
        { "min-1m", "cpu=500u", null, true, "cpu=500u", "", null },
        // API defaulting of the LimitRange: a min without defaultRequest becomes the default request.
        { "min-1m", null, null, true, "cpu=1m", "", null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluate_KubernetesDocsExamples_TruthTable(string range, string? requests, string? limits, bool allowed, string writtenRequests, string writtenLimits, string? refusal)
    {
        LimitRangePolicy policy = LimitRangePolicy.Parse(Parse(Ranges[range]));

        ResourceAdmissionResult result = policy.Evaluate(Pod(Container("app", requests, limits)));

        Assert.Equal(allowed, result.Allowed);
        ContainerResources c = Assert.Single(result.Containers);
        Assert.Equal(writtenRequests, Format(c.Requests));
        Assert.Equal(writtenLimits, Format(c.Limits));
        if (refusal is null)
        {
            Assert.Empty(result.Violations);
            return;
        }

        ResourceViolation v = Assert.Single(result.Violations);
        Assert.Equal(refusal, $"{v.Kind}|{v.Path}|{v.Value}|{v.Bound}|{v.Message}");
        Assert.Equal("app", v.Container);
        Assert.Equal(v.Kind == ResourceViolationKind.RequestExceedsLimit ? "pod validation" : "LimitRange/" + range, v.Source);
    }

    [Fact]
    public void Evaluate_PodAndContainerMaximum_BothReportedAsTheDocsShow()
    {
        // "maximum cpu usage per Pod is 2, but limit is 3, maximum cpu usage per Container is 2, but limit is 3"
        LimitRangePolicy policy = LimitRangePolicy.Parse(Parse(Ranges["mylimits"]));

        ResourceAdmissionResult result = policy.Evaluate(Pod(Container("kubernetes-serve-hostname", null, "cpu=3,memory=100Mi")));

        Assert.Equal(
            ["maximum cpu usage per Pod is 2, but limit is 3", "maximum cpu usage per Container is 2, but limit is 3"],
            result.Violations.Select(v => v.Message).Order(StringComparer.Ordinal).Reverse());
        ResourceViolation pod = result.Violations.Single(v => v.Container.Length == 0);
        Assert.Equal("spec.containers[*].resources.limits.cpu", pod.Path);
        Assert.Equal("kubernetes-serve-hostname", result.Violations.Single(v => v.Container.Length > 0).Container);
    }

    [Fact]
    public void Evaluate_DefaultsSummedPerPod_SeventhContainerBreaksPodMaximum()
    {
        LimitRangePolicy policy = LimitRangePolicy.Parse(Parse(Ranges["mylimits"]));
        string[] five = Enumerable.Range(0, 5).Select(i => Container("c" + i)).ToArray();

        ResourceAdmissionResult ok = policy.Evaluate(Pod(five));
        ResourceAdmissionResult refused = policy.Evaluate(Pod([.. five, Container("c5")]));

        Assert.True(ok.Allowed, ok.Message);
        Assert.Equal("1500m", ok.PodLimits["cpu"].ToString());            // 5 × default 300m
        Assert.Equal("500Mi", ok.PodRequests["memory"].ToString());       // 5 × defaultRequest 100Mi
        ResourceViolation v = Assert.Single(refused.Violations);          // 6 × 200Mi = 1200Mi > 1Gi
        Assert.Equal((ResourceViolationKind.AboveMaximum, "", "1200Mi", "1Gi"), (v.Kind, v.Container, v.Value, v.Bound));
        Assert.Equal("spec.containers[*].resources.limits.memory", v.Path);
        Assert.Equal(["cpu", "memory"], refused.Containers[5].DefaultedLimits.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Evaluate_PodMinimumWithoutRequests_NoRequestSpecified()
    {
        LimitRangePolicy policy = LimitRangePolicy.Parse(Parse("""{"kind":"LimitRange","metadata":{"name":"pod-min"},"spec":{"limits":[{"min":{"cpu":"1m"},"type":"Pod"}]}}"""));

        ResourceViolation v = Assert.Single(policy.Evaluate(Pod(Container("app"))).Violations);

        Assert.Equal((ResourceViolationKind.BelowMinimum, "", "<unset>", "1m"), (v.Kind, v.Container, v.Value, v.Bound));
        Assert.Equal("minimum cpu usage per Pod is 1m.  No request is specified", v.Message);
    }

    [Fact]
    public void Evaluate_SecondContainer_PathAndNameOfThatContainer()
    {
        LimitRangePolicy policy = LimitRangePolicy.Parse(Parse(Ranges["mem-min-max-demo-lr"]));

        ResourceAdmissionResult result = policy.Evaluate(Pod(Container("app", "memory=600Mi", "memory=1Gi"), Container("log", "memory=600Mi", "memory=2Gi")));

        ResourceViolation v = Assert.Single(result.Violations);
        Assert.Equal(("log", "spec.containers[1].resources.limits.memory", "memory", "2Gi", "1Gi"), (v.Container, v.Path, v.Resource, v.Value, v.Bound));
        Assert.Contains("container \"log\"", v.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_Deployment_PathsUnderTheTemplate()
    {
        LimitRangePolicy policy = LimitRangePolicy.Parse(Parse(Ranges["cpu-min-max-demo-lr"]));

        ResourceAdmissionResult result = policy.Evaluate(Deployment(Container("web", "cpu=100m", "cpu=800m")));

        Assert.Equal("spec.template.spec.containers[0].resources.requests.cpu", Assert.Single(result.Violations).Path);
    }

    [Theory]
    [InlineData(false, "1800m", true)]   // init 1.8 vs app 1 + 0.5: effective 1.8 ≤ 2
    [InlineData(false, "2500m", false)]  // an init container alone above the pod maximum
    [InlineData(true, "1", false)]       // a sidecar runs beside the app containers: 1.5 + 1 = 2.5
    [InlineData(true, "500m", true)]     // 1.5 + 0.5 = 2
    public void Evaluate_InitContainersAndSidecars_PodEffectiveLimit(bool sidecar, string initLimit, bool allowed)
    {
        LimitRangePolicy policy = LimitRangePolicy.Parse(Parse(Ranges["pod-max"]));
        string init = Container("init", null, "cpu=" + initLimit, sidecar ? ",\"restartPolicy\":\"Always\"" : "");

        ResourceAdmissionResult result = policy.Evaluate(PodWith($"\"initContainers\":[{init}]", Container("a", null, "cpu=1"), Container("b", null, "cpu=500m")));

        Assert.Equal(allowed, result.Allowed);
        Assert.True(result.Containers[2].IsInitContainer);
        Assert.Equal(sidecar, result.Containers[2].IsSidecar);
    }

    [Fact]
    public void Evaluate_InitContainerGetsDefaultsAndIsChecked()
    {
        LimitRangePolicy policy = LimitRangePolicy.Parse(Parse(Ranges["cpu-min-max-demo-lr"]));

        ResourceAdmissionResult result = policy.Evaluate(PodWith($"\"initContainers\":[{Container("setup", "cpu=50m")}]", Container("app")));

        Assert.Equal("800m", result.Containers[1].Limits["cpu"].ToString());
        ResourceViolation v = Assert.Single(result.Violations);
        Assert.Equal(("setup", "spec.initContainers[0].resources.requests.cpu"), (v.Container, v.Path));
    }

    [Fact]
    public void Parse_ContainerItem_ApiDefaultingFromMaxAndMin()
    {
        LimitRangePolicy policy = LimitRangePolicy.Parse(Parse(Ranges["mem-min-max-demo-lr"]));
        LimitRangeItem item = Assert.Single(policy.Limits);

        Assert.Equal("mem-min-max-demo-lr", policy.Name);
        Assert.Equal("memory=1Gi", Format(item.Default));          // default ← max
        Assert.Equal("memory=1Gi", Format(item.DefaultRequest));   // defaultRequest ← default
        var fromMin = new LimitRangeItem(LimitRangeType.Container, min: Q("cpu", "100m"));
        Assert.Equal("cpu=100m", Format(fromMin.DefaultRequest));  // defaultRequest ← min
        Assert.Empty(fromMin.Default);
    }

    [Theory]
    [InlineData("""{"type":"Container","min":{"cpu":"2"},"max":{"cpu":"1"}}""", "spec.limits[0].min.cpu", "min value 2 is greater than max value 1")]
    [InlineData("""{"type":"Container","default":{"cpu":"2"},"max":{"cpu":"1"}}""", "spec.limits[0].defaultRequest.cpu", "default request value 2 is greater than max value 1")]
    [InlineData("""{"type":"Container","default":{"cpu":"1"},"defaultRequest":{"cpu":"2"}}""", "spec.limits[0].defaultRequest.cpu", "greater than default limit value 1")]
    [InlineData("""{"type":"Container","maxLimitRequestRatio":{"cpu":"500m"}}""", "spec.limits[0].maxLimitRequestRatio.cpu", "ratio 500m is less than 1")]
    [InlineData("""{"type":"Container","min":{"cpu":"1"},"max":{"cpu":"2"},"maxLimitRequestRatio":{"cpu":"3"}}""", "spec.limits[0].maxLimitRequestRatio.cpu", "is greater than max/min = 2.000000")]
    [InlineData("""{"type":"Pod","default":{"cpu":"1"}}""", "spec.limits[0].default", "may not be specified when `type` is 'Pod'")]
    [InlineData("""{"type":"Container","default":{"example.com/gpu":"2"},"defaultRequest":{"example.com/gpu":"1"}}""", "spec.limits[0].default.example.com/gpu", "must equal to defaultRequest value 1")]
    [InlineData("""{"type":"PersistentVolumeClaim","max":{"cpu":"1"}}""", "spec.limits[0]", "either minimum or maximum storage value is required")]
    [InlineData("""{"type":"PersistentVolumeClaim","min":{}}""", "spec.limits[0]", "either minimum or maximum storage value is required")]
    [InlineData("""{"type":"Container","max":{"cpus":"1"}}""", "spec.limits[0].max.cpus", "must be a standard resource")]
    [InlineData("""{"type":"Container","max":{"cpu":"-1"}}""", "spec.limits[0].max.cpu", "negative")]
    [InlineData("""{"type":"Container","max":{"cpu":"1.5.5"}}""", "spec.limits[0].max.cpu", "not a valid resource quantity")]
    [InlineData("""{"type":"Container","max":{"cpu":true}}""", "spec.limits[0].max.cpu", "must be a quantity")]
    [InlineData("""{"type":"Container","max":["cpu"]}""", "spec.limits[0].max", "must be an object")]
    [InlineData("""{"type":"Node","max":{"cpu":"1"}}""", "spec.limits[0].type", "not supported")]
    [InlineData("""{"max":{"cpu":"1"}}""", "spec.limits[0].type", "is required")]
    public void Parse_InvalidItem_ThrowsNamingTheField(string item, string field, string reason)
    {
        JsonElement manifest = Parse($$$"""{"kind":"LimitRange","metadata":{"name":"x"},"spec":{"limits":[{{{item}}}]}}""");

        var e = Assert.Throws<ArgumentException>("manifest", () => LimitRangePolicy.Parse(manifest));

        Assert.Contains($"'{field}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NotALimitRangeOrDuplicateType_Throws()
    {
        Assert.Throws<ArgumentException>("manifest", () => LimitRangePolicy.Parse(Parse("""{"kind":"ResourceQuota","spec":{}}""")));
        Assert.Throws<ArgumentException>("manifest", () => LimitRangePolicy.Parse(Parse("[]")));
        var e = Assert.Throws<ArgumentException>("manifest", () => LimitRangePolicy.Parse(Parse(
            """{"kind":"LimitRange","spec":{"limits":[{"type":"Container","max":{"cpu":"1"}},{"type":"Container","max":{"cpu":"2"}}]}}""")));
        Assert.Contains("spec.limits[1].type", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_MalformedPodResources_ThrowsNamingTheField()
    {
        LimitRangePolicy policy = LimitRangePolicy.Parse(Parse(Ranges["cpu-limit-range"]));

        var negative = Assert.Throws<ArgumentException>("manifest", () => policy.Evaluate(Pod(Container("app", "cpu=-1"))));
        var malformed = Assert.Throws<ArgumentException>("manifest", () => policy.Evaluate(Pod(Container("app", null, "memory=1GB"))));
        var podLevel = Assert.Throws<ArgumentException>("manifest", () => policy.Evaluate(PodWith("\"resources\":{\"limits\":{\"cpu\":\"1\"}}", Container("app"))));

        Assert.Contains("spec.containers[0].resources.requests.cpu", negative.Message, StringComparison.Ordinal);
        Assert.Contains("spec.containers[0].resources.limits.memory", malformed.Message, StringComparison.Ordinal);
        Assert.Contains("spec.resources", podLevel.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_QuantitiesAsJsonNumbersAndPaddedStrings_AcceptedAsKubernetesDoes()
    {
        LimitRangePolicy policy = LimitRangePolicy.Parse(Parse("""{"kind":"LimitRange","spec":{"limits":[{"type":"Container","max":{"cpu":2}}]}}"""));

        ResourceAdmissionResult result = policy.Evaluate(Parse("""{"kind":"Pod","spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":0.5,"memory":" 1Gi "}}}]}}"""));

        Assert.True(result.Allowed);
        Assert.Equal("cpu=500m,memory=1Gi", Format(result.Containers[0].Requests));
    }

    [Fact]
    public void Constructor_InCode_SameAsParsed()
    {
        var item = new LimitRangeItem(LimitRangeType.Container, max: Q("memory", "1Gi"), min: Q("memory", "500Mi"));
        var policy = new LimitRangePolicy("in-code", [item]);

        ResourceAdmissionResult result = policy.Evaluate(Pod(Container("app", "memory=100Mi", "memory=800Mi")));

        Assert.Equal("minimum memory usage per Container is 500Mi, but request is 100Mi", Assert.Single(result.Violations).Message);
        Assert.Equal("LimitRange/in-code", result.Violations[0].Source);
        Assert.Throws<ArgumentException>("limits", () => new LimitRangePolicy("x", [item, item]));
        Assert.Throws<ArgumentException>("limits", () => new LimitRangeItem(LimitRangeType.Container, min: Q("memory", "2Gi"), max: Q("memory", "1Gi")));
    }

    [Fact]
    public void Requirements_CpuAndMemory_MissingOnesReportedPerContainer()
    {
        var policy = new ResourceAdmissionPolicy(required: ResourceRequirement.CpuAndMemory);

        ResourceAdmissionResult result = policy.Evaluate(Pod(Container("full", "cpu=1,memory=1Gi", "cpu=1,memory=1Gi"), Container("bare", "cpu=100m")));

        Assert.Equal(
            ["spec.containers[1].resources.limits.cpu", "spec.containers[1].resources.limits.memory", "spec.containers[1].resources.requests.memory"],
            result.Violations.Select(v => v.Path).Order(StringComparer.Ordinal));
        Assert.All(result.Violations, v => Assert.Equal((ResourceViolationKind.Required, "bare"), (v.Kind, v.Container)));
    }

    [Fact]
    public void Requirements_SatisfiedByLimitRangeDefaults()
    {
        var policy = new ResourceAdmissionPolicy(
            [LimitRangePolicy.Parse(Parse(Ranges["cpu-limit-range"])), LimitRangePolicy.Parse(Parse(Ranges["mem-limit-range"]))],
            required: ResourceRequirement.CpuAndMemory);

        ResourceAdmissionResult result = policy.Evaluate(Pod(Container("app")));

        Assert.True(result.Allowed, result.Message);
        Assert.Equal("cpu=500m,memory=256Mi", Format(result.Containers[0].Requests));
        Assert.Equal(["cpu", "memory"], result.Containers[0].DefaultedRequests.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Evaluate_ExtendedResourceRequestWithoutEqualLimit_RefusedByPodValidation()
    {
        ResourceAdmissionResult result = new ResourceAdmissionPolicy().Evaluate(Pod(Container("gpu", "example.com/gpu=1", "example.com/gpu=2")));

        ResourceViolation v = Assert.Single(result.Violations);
        Assert.Equal(ResourceViolationKind.RequestExceedsLimit, v.Kind);
        Assert.Contains("must be equal to example.com/gpu limit of 2", v.Message, StringComparison.Ordinal);
        Assert.True(new ResourceAdmissionPolicy().Evaluate(Pod(Container("gpu", null, "example.com/gpu=2"))).Allowed);
    }

    internal static Dictionary<string, ResourceQuantity> Q(string name, string value) => new() { [name] = ResourceQuantity.Parse(value) };

    internal static string Format(IReadOnlyDictionary<string, ResourceQuantity> list) =>
        string.Join(",", list.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}
