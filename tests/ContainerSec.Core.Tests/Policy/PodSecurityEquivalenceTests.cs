using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContainerSec.Conformance;
using ContainerSec.Policy;

namespace ContainerSec.Tests.Policy;

/// <summary>
/// The allocation-free Pod Security evaluation reports exactly what the evaluation before it did
/// (<see cref="PodSecurityReference"/>, a frozen copy): the same violations in the same order with the
/// same check id, path, value, reason and detail, and the same error for a malformed manifest.
/// </summary>
public sealed class PodSecurityEquivalenceTests
{
    private static readonly PodSecurityLevel[] Levels = [PodSecurityLevel.Privileged, PodSecurityLevel.Baseline, PodSecurityLevel.Restricted];

    /// <summary>Every version with its own rules (v1.0 … newest known), one past it, and latest.</summary>
    private static readonly PodSecurityVersion[] Versions =
        [.. Enumerable.Range(0, PodSecurityVersion.NewestKnown.Minor + 2).Select(PodSecurityVersion.V1), PodSecurityVersion.Latest];

    [Fact]
    public void Evaluate_EveryConformanceCase_SameViolationsAsReference()
    {
        int compared = 0, refused = 0;
        foreach (string file in Directory.GetFiles(SharedData.PathOf("conformance", "pod-security"), "*.json"))
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(file));
            foreach (JsonElement test in document.RootElement.GetProperty("cases").EnumerateArray())
            {
                JsonElement manifest = test.GetProperty("object");
                foreach (PodSecurityLevel level in Levels)
                {
                    foreach (PodSecurityVersion version in Versions)
                    {
                        string ours = AssertSame(manifest, level, version, test.GetProperty("id").GetString()!);
                        refused += ours.Length > 0 ? 1 : 0;
                        compared++;
                    }
                }
            }
        }

        // 224 cases × 3 levels × 40 versions; about half of them are refused somewhere.
        Assert.True(compared >= 224 * 3 * 40, $"compared {compared}");
        Assert.True(refused > compared / 4, $"only {refused} of {compared} refused: the comparison would not exercise violations");
    }

    [Fact]
    public void Evaluate_ManyContainersWithViolations_SamePathsAndIndicesAsReference()
    {
        foreach (string kind in (string[])["Pod", "PodTemplate", "Deployment", "CronJob"])
        {
            using JsonDocument document = JsonDocument.Parse(Wrap(ManyContainersPod(), kind).ToJsonString());
            foreach (PodSecurityLevel level in Levels)
            {
                foreach (PodSecurityVersion version in Versions)
                {
                    AssertSame(document.RootElement, level, version, kind);
                }
            }
        }

        using JsonDocument pod = JsonDocument.Parse(ManyContainersPod().ToJsonString());
        PodSecurityResult result = PodSecurityEvaluator.Evaluate(pod.RootElement, PodSecurityLevel.Restricted, PodSecurityVersion.Latest);
        Assert.Contains(result.Violations, v => v.Path == "spec.containers[7].securityContext.capabilities.add[2]");
        Assert.Contains(result.Violations, v => v.Path == "spec.initContainers[10].ports[1].hostPort" && v.Value == "8010");
        Assert.Contains(result.Violations, v => v.Path == "spec.ephemeralContainers[2].lifecycle.preStop.tcpSocket.host");
        Assert.Contains(result.Violations, v => v.Path == "spec.volumes[10].hostPath");
        Assert.Contains(result.Violations, v => v.Path == "spec.securityContext.sysctls[10].name");
    }

    [Fact]
    public void Evaluate_EveryFieldGivenEveryWrongType_SameErrorOrViolationsAsReference()
    {
        JsonObject pod = ManyContainersPod(containers: 2, volumes: 3);
        JsonNode[] replacements = [JsonValue.Create("x"), JsonValue.Create(0), JsonValue.Create(7), JsonValue.Create(true), JsonValue.Create(false), new JsonArray(), new JsonObject(), new JsonArray(1)];
        int errors = 0, cases = 0;
        foreach ((Action<JsonNode?> replace, Action restore) in Positions(pod))
        {
            foreach (JsonNode? replacement in (JsonNode?[])[.. replacements, null])
            {
                replace(replacement?.DeepClone());
                using JsonDocument document = JsonDocument.Parse(pod.ToJsonString());
                foreach (PodSecurityLevel level in Levels)
                {
                    foreach (PodSecurityVersion version in (PodSecurityVersion[])[PodSecurityVersion.V1(0), PodSecurityVersion.V1(24), PodSecurityVersion.V1(34), PodSecurityVersion.Latest])
                    {
                        errors += AssertSame(document.RootElement, level, version, pod.ToJsonString()).StartsWith("throws", StringComparison.Ordinal) ? 1 : 0;
                        cases++;
                    }
                }
            }

            restore();
        }

        Assert.True(errors > cases / 10, $"only {errors} of {cases} mutations were malformed");
    }

    [Theory]
    [InlineData("""{"kind":"Pod","spec":{"containers":[{"name":"a","securityContext":{"privileged":true,"privileged":false}}]}}""")]
    [InlineData("""{"kind":"Pod","spec":{"containers":[{"name":"a","securityContext":{"privileged":false,"privileged":true}}]}}""")]
    [InlineData("""{"kind":"Pod","spec":{"containers":[{"name":"a","securityContext":{"privileged":"x","privileged":null}}]}}""")]
    [InlineData("""{"kind":"Pod","spec":{"containers":[{"n\u0061me":"esc","securityContext":{"privil\u0065ged":true,"capabilities":{"\u0061dd":["SYS_\u0041DMIN"]}}}]}}""")]
    [InlineData("""{"kind":"P\u006fd","spec":{"volumes":[{"name":"v","h\u006fstPath":{"path":"/"}},{"name":"w","n\u0061me":"x","nfs":{}}],"containers":[]}}""")]
    [InlineData("""{"kind":"Pod","metadata":{"annotations":{"container.apparmor.security.beta.kubernetes.io\/a":"unconfined","container.seccomp.security.alpha.kubernetes.io/a":"unconfined"}},"spec":{"containers":[{"name":"a"}]}}""")]
    [InlineData("""{"kind":"Pod","spec":{"containers":[{"name":"a","securityContext":{"seLinuxOptions":{"type":"container_t","user":"","role":"r"},"seccompProfile":{},"appArmorProfile":{}}}]}}""")]
    [InlineData("""{"kind":"Pod","spec":{"os":{"name":"windows"},"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a","securityContext":{"capabilities":{"drop":null,"add":["NET_BIND_SERVICE","KILL"]}}}]}}""")]
    [InlineData("""{"kind":"Pod","spec":{"securityContext":{"sysctls":[{"name":"kernel.msgmax"},{},7,{"name":null}]},"containers":[{"name":"a","ports":[7,{"hostPort":null},{"hostPort":0},{"hostPort":-1}]}]}}""")]
    [InlineData("""{"kind":"Pod","spec":{"containers":[{"securityContext":{"privileged":true}}],"initContainers":"x"}}""")]
    [InlineData("""{"kind":"Pod","spec":{"containers":[7],"initContainers":[{"name":3}]}}""")]
    [InlineData("""{"kind":"Deployment","spec":{"template":7}}""")]
    [InlineData("""{"kind":"CronJob","spec":{"jobTemplate":{"spec":{}}}}""")]
    [InlineData("""{"kind":"Job","spec":{"template":{"metadata":[],"spec":{}}}}""")]
    [InlineData("""{"kind":7}""")]
    [InlineData("""{"kind":"Service"}""")]
    [InlineData("""{"kind":"Pod","spec":{"containers":[{"name":"a","securityContext":{"runAsUser":1.5}}]}}""")]
    [InlineData("""{"kind":"Pod","spec":{"containers":[{"name":"a","securityContext":{"runAsUser":99999999999999999999}}]}}""")]
    public void Evaluate_DuplicateEscapedOrOddFields_SameAsReference(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        foreach (PodSecurityLevel level in Levels)
        {
            foreach (PodSecurityVersion version in Versions)
            {
                AssertSame(document.RootElement, level, version, json);
            }
        }
    }

    [Fact]
    public void Evaluate_AllowedPod_SharedResultWithNoViolations()
    {
        using JsonDocument document = JsonDocument.Parse(ManyContainersPod(containers: 3, volumes: 2, violations: false).ToJsonString());

        PodSecurityResult first = PodSecurityEvaluator.Evaluate(document.RootElement, PodSecurityLevel.Restricted, PodSecurityVersion.Latest);
        PodSecurityResult second = PodSecurityEvaluator.Evaluate(document.RootElement, PodSecurityLevel.Restricted, PodSecurityVersion.Latest);
        PodSecurityResult future = PodSecurityEvaluator.Evaluate(document.RootElement, PodSecurityLevel.Restricted, PodSecurityVersion.V1(99));

        Assert.True(first.Allowed, first.Message);
        Assert.Same(first, second);
        Assert.Empty(first.Violations);
        Assert.Equal(PodSecurityVersion.V1(99), future.Version);
        Assert.Equal("allowed by PodSecurity \"restricted:v1.99\"", future.ToString());
        Assert.Equal(PodSecurityVersion.V1(30), PodSecurityEvaluator.Evaluate(document.RootElement, PodSecurityLevel.Baseline, PodSecurityVersion.V1(30)).Version);
    }

    [Fact]
    public void Evaluate_AllowedPodAfterWarmUp_AllocatesNothing()
    {
        using JsonDocument document = JsonDocument.Parse(ManyContainersPod(containers: 3, volumes: 3, violations: false).ToJsonString());
        JsonElement pod = document.RootElement;
        for (int i = 0; i < 10; i++)
        {
            Assert.True(PodSecurityEvaluator.Evaluate(pod, PodSecurityLevel.Restricted, PodSecurityVersion.Latest).Allowed);
            Assert.True(PodSecurityEvaluator.Evaluate(pod, PodSecurityLevel.Baseline, PodSecurityVersion.V1(30)).Allowed);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            PodSecurityEvaluator.Evaluate(pod, PodSecurityLevel.Restricted, PodSecurityVersion.Latest);
            PodSecurityEvaluator.Evaluate(pod, PodSecurityLevel.Baseline, PodSecurityVersion.V1(30));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Evaluates with both implementations and asserts the same outcome; returns it ("" when allowed).</summary>
    private static string AssertSame(JsonElement manifest, PodSecurityLevel level, PodSecurityVersion version, string label)
    {
        string expected = Outcome(() => PodSecurityReference.Evaluate(manifest, level, version));
        string actual = Outcome(() => PodSecurityEvaluator.Evaluate(manifest, level, version).Violations);
        if (expected != actual)
        {
            Assert.Fail($"{label} at {level}:{version}\nexpected:\n{expected}\nactual:\n{actual}");
        }

        return actual;
    }

    private static string Outcome(Func<IReadOnlyList<PodSecurityViolation>> evaluate)
    {
        try
        {
            return string.Join("\n", evaluate().Select(v => $"{v.CheckId} | {v.Path} | {v.Value} | {v.Reason} | {v.Detail}"));
        }
        catch (ArgumentException ex)
        {
            return $"throws {ex.GetType().Name} ({ex.ParamName}): {ex.Message}";
        }
    }

    /// <summary>Every value position in the tree: replace the value there (null = JSON null), and put the original back.</summary>
    private static List<(Action<JsonNode?> Replace, Action Restore)> Positions(JsonNode root)
    {
        var positions = new List<(Action<JsonNode?>, Action)>();
        void Walk(JsonNode node)
        {
            if (node is JsonObject obj)
            {
                foreach (string key in obj.Select(p => p.Key).ToList())
                {
                    JsonNode? original = obj[key];
                    positions.Add((replacement => obj[key] = replacement, () => obj[key] = original));
                    if (original is not null)
                    {
                        Walk(original);
                    }
                }
            }
            else if (node is JsonArray array)
            {
                for (int i = 0; i < array.Count; i++)
                {
                    int index = i;
                    JsonNode? original = array[i];
                    positions.Add((replacement => array[index] = replacement, () => array[index] = original));
                    if (original is not null)
                    {
                        Walk(original);
                    }
                }
            }
        }

        Walk(root);
        return positions;
    }

    private static JsonObject Wrap(JsonObject pod, string kind)
    {
        var template = new JsonObject { ["metadata"] = pod["metadata"]!.DeepClone(), ["spec"] = pod["spec"]!.DeepClone() };
        return kind switch
        {
            "Pod" => pod,
            "PodTemplate" => new JsonObject { ["kind"] = kind, ["template"] = template },
            "CronJob" => new JsonObject { ["kind"] = kind, ["spec"] = new JsonObject { ["jobTemplate"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = template } } } },
            _ => new JsonObject { ["kind"] = kind, ["spec"] = new JsonObject { ["template"] = template } },
        };
    }

    /// <summary>A pod with many init, regular and ephemeral containers, volumes and sysctls; with <paramref name="violations"/>, most of them break some check.</summary>
    private static JsonObject ManyContainersPod(int containers = 12, int volumes = 14, bool violations = true)
    {
        string[] volumeTypes = ["configMap", "secret", "emptyDir", "hostPath", "nfs", "projected", "csi"];
        string[] sysctls = ["kernel.shm_rmid_forced", "net.ipv4.tcp_rmem", "kernel.msgmax", "net.ipv4.ip_local_reserved_ports"];
        var spec = new JsonObject
        {
            ["securityContext"] = new JsonObject
            {
                ["runAsNonRoot"] = true,
                ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
            },
            ["volumes"] = new JsonArray([.. Enumerable.Range(0, volumes).Select(i => (JsonNode)new JsonObject
            {
                ["name"] = $"v{i}",
                [violations ? volumeTypes[i % volumeTypes.Length] : "emptyDir"] = new JsonObject { ["path"] = "/x" },
            })]),
        };
        if (violations)
        {
            spec["hostPID"] = true;
            spec["hostUsers"] = false;
            spec["securityContext"]!["sysctls"] = new JsonArray([.. Enumerable.Range(0, 12).Select(i => (JsonNode)new JsonObject { ["name"] = sysctls[i % sysctls.Length] })]);
            spec["securityContext"]!["seLinuxOptions"] = new JsonObject { ["type"] = "spc_t" };
        }

        foreach ((string list, int count) in (ReadOnlySpan<(string, int)>)[("initContainers", containers - 1), ("containers", containers), ("ephemeralContainers", 3)])
        {
            spec[list] = new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode)Container(list, i, violations))]);
        }

        var annotations = new JsonObject();
        if (violations)
        {
            annotations["container.apparmor.security.beta.kubernetes.io/containers-1"] = "unconfined";
            annotations["container.seccomp.security.alpha.kubernetes.io/containers-2"] = "unconfined";
            annotations["seccomp.security.alpha.kubernetes.io/pod"] = "runtime/default";
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = new JsonObject { ["name"] = "many", ["annotations"] = annotations }, ["spec"] = spec };
    }

    private static JsonObject Container(string list, int i, bool violations)
    {
        var sc = new JsonObject { ["allowPrivilegeEscalation"] = false, ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") } };
        var container = new JsonObject { ["name"] = string.Create(CultureInfo.InvariantCulture, $"{list}-{i}"), ["image"] = "registry.example/app@sha256:00", ["securityContext"] = sc };
        if (!violations)
        {
            container["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 8080 + i });
            container["livenessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/", ["port"] = 8080 } };
            return container;
        }

        switch (i % 6)
        {
            case 0: sc["privileged"] = true; sc["runAsUser"] = 0; break;
            case 1: sc["capabilities"]!["add"] = new JsonArray("NET_BIND_SERVICE", "KILL", "SYS_ADMIN"); sc.Remove("allowPrivilegeEscalation"); break;
            case 2: sc["procMount"] = "Unmasked"; sc["seccompProfile"] = new JsonObject { ["type"] = "Unconfined" }; sc["runAsNonRoot"] = false; break;
            case 3: sc["appArmorProfile"] = new JsonObject { ["type"] = "Unconfined" }; sc["windowsOptions"] = new JsonObject { ["hostProcess"] = true }; sc["capabilities"]!["drop"] = new JsonArray("NET_RAW"); break;
            case 4: sc["seLinuxOptions"] = new JsonObject { ["user"] = "u", ["role"] = "", ["type"] = "container_engine_t" }; sc.Remove("capabilities"); break;
            default: container.Remove("securityContext"); break;
        }

        container["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 80 }, new JsonObject { ["containerPort"] = 81, ["hostPort"] = 8000 + i });
        container["livenessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["host"] = i % 2 == 0 ? "10.0.0.1" : "", ["port"] = 80 } };
        container["lifecycle"] = new JsonObject { ["preStop"] = new JsonObject { ["tcpSocket"] = new JsonObject { ["host"] = "evil", ["port"] = 1 } } };
        return container;
    }
}
