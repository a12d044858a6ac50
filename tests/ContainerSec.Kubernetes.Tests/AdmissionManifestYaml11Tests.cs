using System.Text.Json;

namespace ContainerSec.Kubernetes.Tests;

/// <summary>
/// Plain YAML scalars read as Kubernetes (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1) reads them, where
/// the text and its resolved value differ: integer quantities and map keys.
/// </summary>
public sealed class AdmissionManifestYaml11Tests
{
    private static string Pod(string labelKey, string memory) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          namespace: shop
          labels:
            {labelKey}: web
        spec:
          containers:
          - name: c
            image: x
            resources:
              requests:
                memory: {memory}
              limits:
                memory: {memory}
        """;

    private static string LoadedMemory(string memory)
    {
        JsonElement resources = AdmissionManifestLoader.Load(Pod("app", memory)).Workloads[0].Manifest
            .GetProperty("spec").GetProperty("containers")[0].GetProperty("resources");
        Assert.Equal(resources.GetProperty("requests").GetProperty("memory").GetString(), resources.GetProperty("limits").GetProperty("memory").GetString());
        return resources.GetProperty("limits").GetProperty("memory").GetString()!;
    }

    [Theory]
    [InlineData("0100", "64")] // YAML 1.1 octal: Kubernetes stores 64 bytes, not 100.
    [InlineData("0o17", "15")]
    [InlineData("0x10", "16")]
    [InlineData("0b101", "5")]
    [InlineData("1_000", "1000")]
    [InlineData("+7", "7")]
    [InlineData("100", "100")]
    [InlineData("\"0100\"", "0100")] // Quoted: a quantity string, which Kubernetes reads as decimal 100.
    [InlineData("128Mi", "128Mi")]
    public void Load_PlainIntegerQuantity_WrittenAsResolvedValue(string yaml, string expected) =>
        Assert.Equal(expected, LoadedMemory(yaml));

    [Theory]
    [InlineData("0.5")]
    [InlineData("1e3")]
    [InlineData("1.5E+2")]
    [InlineData(".25")]
    [InlineData("0.1")]
    public void Load_PlainFloatQuantityExactAsDouble_Kept(string yaml) =>
        Assert.Equal(yaml, LoadedMemory(yaml));

    [Theory]
    [InlineData("0.30000000000000001")] // The double is 0.3.
    [InlineData("123456789012345678901")] // Beyond 64-bit integers: a float, 1.2345678901234568E+20.
    [InlineData("9007199254740993.0")] // 2^53 + 1: the double is 2^53.
    public void Load_PlainFloatQuantityNotExactAsDouble_RefusedWithQuoteHint(string yaml)
    {
        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(Pod("app", yaml)));

        Assert.Equal("spec.containers[0].resources.requests.memory", ex.Field);
        Assert.Contains("quote it", ex.Problem, StringComparison.Ordinal);
        Assert.Equal(yaml, AdmissionManifestLoader.Load(Pod("app", $"\"{yaml}\"")).Workloads[0].Manifest
            .GetProperty("spec").GetProperty("containers")[0].GetProperty("resources").GetProperty("limits").GetProperty("memory").GetString());
    }

    [Theory]
    [InlineData("on")] // Kubernetes: "true".
    [InlineData("y")]
    [InlineData("Yes")]
    [InlineData("OFF")]
    [InlineData("True")]
    [InlineData("010")] // Kubernetes: "8".
    [InlineData("0x1F")]
    [InlineData("1_0")]
    [InlineData("1.0")] // Kubernetes: "1".
    [InlineData("~")] // Kubernetes refuses a null key.
    [InlineData("null")]
    public void Load_PlainKeyKubernetesRewrites_RefusedWithQuoteHint(string key)
    {
        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(Pod(key, "1Gi")));

        Assert.Equal($"metadata.labels.{key}", ex.Field);
        Assert.Contains("quote it", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"on\"", "on")]
    [InlineData("'010'", "010")]
    [InlineData("!!str y", "y")]
    [InlineData("true", "true")] // Resolved to the same text Kubernetes writes.
    [InlineData("false", "false")]
    [InlineData("80", "80")]
    [InlineData("app", "app")]
    public void Load_KeyKubernetesReadsVerbatim_Accepted(string key, string expected)
    {
        ManifestObject pod = AdmissionManifestLoader.Load(Pod(key, "1Gi")).Workloads[0];

        Assert.Equal("web", pod.Labels[expected]);
        Assert.Single(pod.Labels);
    }

    [Fact]
    public void Load_Yaml11KeyInTypedObject_RefusedWithQuoteHint()
    {
        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(Pod("app", "1Gi").Replace("  name: p\n", "  name: p\n  on: x\n", StringComparison.Ordinal)));

        Assert.Equal("metadata.on", ex.Field);
        Assert.Contains("quote it", ex.Problem, StringComparison.Ordinal);
    }
}
