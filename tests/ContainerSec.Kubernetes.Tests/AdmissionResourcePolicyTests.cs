using ContainerSec.Policy;

namespace ContainerSec.Kubernetes.Tests;

/// <summary>LimitRange and ResourceQuota documents loaded from YAML drive the Core resource admission policy of their namespace.</summary>
public sealed class AdmissionResourcePolicyTests
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "Manifests");

    [Fact]
    public void ResourcePolicy_ShopNamespace_DefaultsLimitsFromTheLoadedLimitRange()
    {
        AdmissionManifests shop = AdmissionManifestLoader.LoadFile(Path.Combine(Samples, "shop.yaml"));
        ResourceAdmissionPolicy policy = shop.ResourcePolicy("shop", ResourceRequirement.CpuAndMemory);

        ManifestObject report = shop.Workloads.Single(w => w.Name == "report");
        ResourceAdmissionResult result = policy.Evaluate(report.Manifest);

        Assert.True(result.Allowed, result.Message);
        ContainerResources container = Assert.Single(result.Containers);
        Assert.Equal(ResourceQuantity.Parse("500m"), container.Limits["cpu"]);
        Assert.Equal(ResourceQuantity.Parse("256Mi"), container.Limits["memory"]);
        Assert.Contains("cpu", container.DefaultedLimits);
    }

    [Fact]
    public void ResourcePolicy_OtherNamespace_HasNoLimitRangeSoRequirementRefuses()
    {
        AdmissionManifests shop = AdmissionManifestLoader.LoadFile(Path.Combine(Samples, "shop.yaml"));

        ResourceAdmissionResult result = shop.ResourcePolicy("elsewhere", ResourceRequirement.CpuAndMemory)
            .Evaluate(shop.Workloads.Single(w => w.Name == "report").Manifest);

        Assert.False(result.Allowed);
        Assert.Contains(result.Violations, v => v.Kind == ResourceViolationKind.Required && v.Resource == "cpu"
            && v.Path == "spec.jobTemplate.spec.template.spec.containers[0].resources.limits.cpu");
    }

    [Fact]
    public void ResourcePolicy_QuotaWithUsage_RefusesThePodThatWouldExceedIt()
    {
        const string Yaml = """
            apiVersion: v1
            kind: ResourceQuota
            metadata: {name: q, namespace: team}
            spec:
              hard: {requests.memory: 1Gi, limits.memory: 2Gi}
            status:
              hard: {requests.memory: 1Gi, limits.memory: 2Gi}
              used: {requests.memory: 900Mi, limits.memory: 1Gi}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: team}
            spec:
              containers:
              - name: app
                image: example.com/app@sha256:4c8d1b8f6c2e8a0f1b7e3d5a9c6b2e1f0a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b
                resources:
                  requests: {memory: 200Mi}
                  limits: {memory: 200Mi}
            """;
        AdmissionManifests manifests = AdmissionManifestLoader.Load(Yaml, "team.yaml");

        ResourceAdmissionResult result = manifests.ResourcePolicy("team").Evaluate(Assert.Single(manifests.Workloads).Manifest);

        ResourceViolation violation = Assert.Single(result.Violations);
        Assert.Equal(ResourceViolationKind.QuotaExceeded, violation.Kind);
        Assert.Equal("requests.memory", violation.Resource);
        Assert.Equal("1Gi", violation.Bound);
    }

    [Fact]
    public void Load_LimitRangeTheCoreRefuses_ManifestExceptionAtTheField()
    {
        const string Yaml = """
            apiVersion: v1
            kind: LimitRange
            metadata: {name: lr, namespace: team}
            spec:
              limits:
              - type: Container
                min: {cpu: "2"}
                max: {cpu: "1"}
            """;

        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(Yaml, "lr.yaml"));

        Assert.Equal(0, ex.DocumentIndex);
        Assert.StartsWith("spec.limits[0]", ex.Field, StringComparison.Ordinal);
    }
}
