using System.Text.Json.Nodes;
using ContainerSec.Policy;

namespace ContainerSec.Tests.Policy;

public sealed class PodSecurityEvaluatorTests
{
    private static readonly PodSecurityVersion Latest = PodSecurityVersion.Latest;

    [Fact]
    public void Evaluate_RestrictedCompliantPod_Allowed()
    {
        PodSecurityResult result = PodSecurityEvaluator.Evaluate(RestrictedPod().ToJsonString(), PodSecurityLevel.Restricted, Latest);

        Assert.True(result.Allowed, result.Message);
        Assert.Empty(result.Violations);
        Assert.Equal("", result.Message);
    }

    [Fact]
    public void Evaluate_PrivilegedContainer_ViolationNamesCheckPathValueAndReason()
    {
        JsonObject pod = RestrictedPod();
        Container(pod)["securityContext"]!["privileged"] = true;

        PodSecurityResult result = PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, Latest);

        PodSecurityViolation violation = Assert.Single(result.Violations);
        Assert.Equal("privileged", violation.CheckId);
        Assert.Equal("spec.containers[0].securityContext.privileged", violation.Path);
        Assert.Equal("true", violation.Value);
        Assert.Equal("privileged (container \"app\" must not set securityContext.privileged=true)", violation.Message);
        Assert.StartsWith("violates PodSecurity \"baseline:latest\": privileged", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_PrivilegedLevel_AllowsEverything()
    {
        JsonObject pod = RestrictedPod();
        pod["spec"]!["hostNetwork"] = true;
        Container(pod)["securityContext"]!["privileged"] = true;

        Assert.True(PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Privileged, Latest).Allowed);
        Assert.False(PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, Latest).Allowed);
    }

    [Fact]
    public void Evaluate_BarePod_RestrictedListsEveryMissingSetting()
    {
        var pod = JsonNode.Parse("""{"kind":"Pod","spec":{"containers":[{"name":"app","image":"x"}]}}""")!;

        PodSecurityResult result = PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Restricted, Latest);

        Assert.Equal(["allowPrivilegeEscalation", "runAsNonRoot", "seccompProfile_restricted", "capabilities_restricted"], result.Violations.Select(v => v.CheckId));
        Assert.All(result.Violations, v => Assert.Equal("<unset>", v.Value));
        Assert.True(PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, Latest).Allowed);
    }

    [Theory]
    [InlineData("Deployment", "spec.template.spec.containers[0].securityContext.privileged")]
    [InlineData("ReplicaSet", "spec.template.spec.containers[0].securityContext.privileged")]
    [InlineData("StatefulSet", "spec.template.spec.containers[0].securityContext.privileged")]
    [InlineData("DaemonSet", "spec.template.spec.containers[0].securityContext.privileged")]
    [InlineData("Job", "spec.template.spec.containers[0].securityContext.privileged")]
    [InlineData("CronJob", "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged")]
    public void Evaluate_WorkloadTemplate_EvaluatesPodTemplateWithPath(string kind, string path)
    {
        JsonObject pod = RestrictedPod();
        Container(pod)["securityContext"]!["privileged"] = true;
        var template = new JsonObject { ["metadata"] = new JsonObject(), ["spec"] = pod["spec"]!.DeepClone() };
        JsonObject spec = kind == "CronJob"
            ? new JsonObject { ["jobTemplate"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = template } } }
            : new JsonObject { ["template"] = template };
        var workload = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = kind, ["metadata"] = new JsonObject { ["name"] = "w" }, ["spec"] = spec };

        PodSecurityResult result = PodSecurityEvaluator.Evaluate(workload.ToJsonString(), PodSecurityLevel.Restricted, Latest);

        Assert.Equal(path, Assert.Single(result.Violations).Path);
    }

    [Fact]
    public void Evaluate_EphemeralAndInitContainers_AreChecked()
    {
        JsonObject pod = RestrictedPod();
        JsonNode init = Container(pod).DeepClone(), ephemeral = Container(pod).DeepClone();
        init["securityContext"]!["capabilities"]!["add"] = new JsonArray("SYS_ADMIN");
        ephemeral["securityContext"]!["procMount"] = "Unmasked";
        pod["spec"]!["initContainers"] = new JsonArray(init);
        pod["spec"]!["ephemeralContainers"] = new JsonArray(ephemeral);

        PodSecurityResult result = PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, Latest);

        Assert.Equal(["spec.initContainers[0].securityContext.capabilities.add[0]", "spec.ephemeralContainers[0].securityContext.procMount"], result.Violations.Select(v => v.Path));
    }

    [Theory]
    [InlineData("net.ipv4.ip_local_reserved_ports", 26, false)]
    [InlineData("net.ipv4.ip_local_reserved_ports", 27, true)]
    [InlineData("net.ipv4.tcp_keepalive_time", 28, false)]
    [InlineData("net.ipv4.tcp_keepalive_time", 29, true)]
    [InlineData("net.ipv4.tcp_rmem", 31, false)]
    [InlineData("net.ipv4.tcp_rmem", 32, true)]
    [InlineData("kernel.shm_rmid_forced", 0, true)]
    [InlineData("kernel.msgmax", 37, false)]
    public void Evaluate_Sysctl_AllowedFromItsVersion(string sysctl, int minor, bool allowed)
    {
        JsonObject pod = RestrictedPod();
        pod["spec"]!["securityContext"]!["sysctls"] = new JsonArray(new JsonObject { ["name"] = sysctl, ["value"] = "1" });

        Assert.Equal(allowed, PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, PodSecurityVersion.V1(minor)).Allowed);
    }

    [Theory]
    [InlineData("container_engine_t", 30, false)]
    [InlineData("container_engine_t", 31, true)]
    [InlineData("container_t", 0, true)]
    [InlineData("spc_t", 37, false)]
    public void Evaluate_SeLinuxType_AllowedFromItsVersion(string type, int minor, bool allowed)
    {
        JsonObject pod = RestrictedPod();
        pod["spec"]!["securityContext"]!["seLinuxOptions"] = new JsonObject { ["type"] = type };

        Assert.Equal(allowed, PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, PodSecurityVersion.V1(minor)).Allowed);
    }

    [Theory]
    [InlineData(24, false)]
    [InlineData(25, true)]
    public void Evaluate_WindowsPodWithoutLinuxHardening_ExemptFromV1Dot25(int minor, bool allowed)
    {
        var pod = JsonNode.Parse("""{"kind":"Pod","spec":{"os":{"name":"windows"},"securityContext":{"runAsNonRoot":true},"containers":[{"name":"app","image":"x"}]}}""")!;

        Assert.Equal(allowed, PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Restricted, PodSecurityVersion.V1(minor)).Allowed);
    }

    [Theory]
    [InlineData(false, 34, false)]
    [InlineData(false, 35, true)]
    [InlineData(true, 35, false)]
    public void Evaluate_UnmaskedProcMount_BaselineAllowsInUserNamespaceFromV1Dot35(bool hostUsers, int minor, bool allowed)
    {
        JsonObject pod = RestrictedPod();
        pod["spec"]!["hostUsers"] = hostUsers;
        Container(pod)["securityContext"]!["procMount"] = "Unmasked";

        Assert.Equal(allowed, PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, PodSecurityVersion.V1(minor)).Allowed);
        Assert.False(PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Restricted, PodSecurityVersion.V1(minor)).Allowed);
    }

    [Theory]
    [InlineData("hostPath", false)]
    [InlineData("nfs", false)]
    [InlineData("emptyDir", true)]
    [InlineData("projected", true)]
    [InlineData("ephemeral", true)]
    public void Evaluate_VolumeType_RestrictedAllowsOnlyListedTypes(string type, bool allowed)
    {
        JsonObject pod = RestrictedPod();
        pod["spec"]!["volumes"] = new JsonArray(new JsonObject { ["name"] = "v", [type] = new JsonObject() });

        PodSecurityResult result = PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Restricted, Latest);

        Assert.Equal(allowed, result.Allowed);
        if (!allowed)
        {
            Assert.Contains(result.Violations, v => v.CheckId == "restrictedVolumes" && v.Path == $"spec.volumes[0].{type}");
        }
    }

    [Theory]
    [InlineData("runAsUser", 22, true)]
    [InlineData("runAsUser", 23, false)]
    public void Evaluate_RunAsUserZero_RefusedFromV1Dot23(string field, int minor, bool allowed)
    {
        JsonObject pod = RestrictedPod();
        Container(pod)["securityContext"]![field] = 0;

        Assert.Equal(allowed, PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Restricted, PodSecurityVersion.V1(minor)).Allowed);
    }

    [Fact]
    public void Evaluate_HostProbe_RefusedFromV1Dot34()
    {
        JsonObject pod = RestrictedPod();
        Container(pod)["livenessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["host"] = "10.0.0.1", ["port"] = 80 } };

        Assert.True(PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, PodSecurityVersion.V1(33)).Allowed);
        PodSecurityResult result = PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, PodSecurityVersion.V1(34));
        Assert.Equal("spec.containers[0].livenessProbe.httpGet.host", Assert.Single(result.Violations).Path);
    }

    [Fact]
    public void Evaluate_WrongFieldType_ThrowsNamingTheField()
    {
        JsonObject pod = RestrictedPod();
        Container(pod)["securityContext"]!["privileged"] = "true";

        var ex = Assert.Throws<ArgumentException>(() => PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, Latest));

        Assert.Contains("spec.containers[0].securityContext.privileged", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"kind":"Service","spec":{}}""")]
    [InlineData("""{"kind":"Deployment","spec":{}}""")]
    [InlineData("""[1]""")]
    [InlineData("""{"kind":""")]
    public void Evaluate_NotAPodOrWorkload_Throws(string json) =>
        Assert.Throws<ArgumentException>(() => PodSecurityEvaluator.Evaluate(json, PodSecurityLevel.Baseline, Latest));

    [Theory]
    [InlineData("v1.0", 0)]
    [InlineData("v1.37", 37)]
    [InlineData("v1.120", 120)]
    public void VersionParse_Valid_RoundTrips(string text, int minor)
    {
        PodSecurityVersion version = PodSecurityVersion.Parse(text);

        Assert.Equal(minor, version.Minor);
        Assert.Equal(text, version.ToString());
        Assert.True(version < PodSecurityVersion.Latest);
    }

    [Theory]
    [InlineData("1.25")]
    [InlineData("v2.0")]
    [InlineData("v1.")]
    [InlineData("v1.01")]
    [InlineData("v1.-1")]
    [InlineData("Latest")]
    public void VersionParse_Invalid_Throws(string text) => Assert.Throws<ArgumentException>(() => PodSecurityVersion.Parse(text));

    [Theory]
    [InlineData("unconfined", 18, false)]
    [InlineData("unconfined", 19, true)]   // from v1.19 only the fields are read
    [InlineData("docker/default", 0, true)]
    [InlineData("localhost/profile.json", 0, true)]
    [InlineData("something-else", 0, false)]
    public void Evaluate_SeccompAnnotation_ReadUntilV1Dot19(string value, int minor, bool allowed)
    {
        JsonObject pod = RestrictedPod();
        pod["spec"]!["securityContext"]!.AsObject().Remove("seccompProfile");
        pod["metadata"]!["annotations"] = new JsonObject { ["container.seccomp.security.alpha.kubernetes.io/app"] = value };

        Assert.Equal(allowed, PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, PodSecurityVersion.V1(minor)).Allowed);
    }

    [Theory]
    [InlineData("Unconfined", false)]
    [InlineData("RuntimeDefault", true)]
    [InlineData("Localhost", true)]
    public void Evaluate_AppArmorProfileField_OnlyRuntimeDefaultOrLocalhost(string type, bool allowed)
    {
        JsonObject pod = RestrictedPod();
        Container(pod)["securityContext"]!["appArmorProfile"] = new JsonObject { ["type"] = type };

        PodSecurityResult result = PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, PodSecurityVersion.V1(0));

        Assert.Equal(allowed, result.Allowed);
        Assert.All(result.Violations, v => Assert.Equal("spec.containers[0].securityContext.appArmorProfile.type", v.Path));
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(8080, false)]
    public void Evaluate_HostPort_ZeroAllowed(int hostPort, bool allowed)
    {
        JsonObject pod = RestrictedPod();
        Container(pod)["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 80, ["hostPort"] = hostPort });

        Assert.Equal(allowed, PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, PodSecurityVersion.Latest).Allowed);
    }

    [Fact]
    public void Evaluate_PodRunAsNonRootFalse_ContainerTrueStillRefused()
    {
        JsonObject pod = RestrictedPod();
        pod["spec"]!["securityContext"]!["runAsNonRoot"] = false;
        Container(pod)["securityContext"]!["runAsNonRoot"] = true;

        PodSecurityResult result = PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Restricted, PodSecurityVersion.Latest);

        PodSecurityViolation violation = Assert.Single(result.Violations);
        Assert.Equal(("runAsNonRoot", "spec.securityContext.runAsNonRoot", "false"), (violation.CheckId, violation.Path, violation.Value));
    }

    [Fact]
    public void Evaluate_WindowsPodAddingCapability_RestrictedOverridesBaselineFromV1Dot25()
    {
        // capabilities_restricted overrides capabilities_baseline and exempts Windows pods from v1.25, as upstream.
        var pod = JsonNode.Parse("""{"kind":"Pod","spec":{"os":{"name":"windows"},"securityContext":{"runAsNonRoot":true},"containers":[{"name":"app","image":"x","securityContext":{"capabilities":{"add":["SYS_ADMIN"]}}}]}}""")!;

        Assert.True(PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Restricted, PodSecurityVersion.V1(25)).Allowed);
        Assert.False(PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Baseline, PodSecurityVersion.V1(25)).Allowed);
    }

    [Fact]
    public void Evaluate_VersionBeyondNewestKnown_SameAsLatest()
    {
        JsonObject pod = RestrictedPod();
        pod["spec"]!["securityContext"]!["sysctls"] = new JsonArray(new JsonObject { ["name"] = "net.ipv4.tcp_wmem", ["value"] = "1" });

        PodSecurityResult future = PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Restricted, PodSecurityVersion.V1(99));
        PodSecurityResult latest = PodSecurityEvaluator.Evaluate(pod.ToJsonString(), PodSecurityLevel.Restricted, PodSecurityVersion.Latest);

        Assert.Equal(latest.Allowed, future.Allowed);
        Assert.True(future.Allowed);
    }

    private static JsonObject RestrictedPod() => JsonNode.Parse("""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
         "spec":{"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
                 "containers":[{"name":"app","image":"registry.example/app@sha256:00",
                   "securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}}
        """)!.AsObject();

    private static JsonNode Container(JsonObject pod) => pod["spec"]!["containers"]![0]!;
}
