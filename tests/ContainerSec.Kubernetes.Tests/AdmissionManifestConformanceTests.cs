using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContainerSec.Conformance;

namespace ContainerSec.Kubernetes.Tests;

/// <summary>
/// The shared conformance objects (upstream pod-security-admission fixtures, cyclonus NetworkPolicies)
/// written as block YAML, loaded through <see cref="AdmissionManifestLoader"/>, put back into the case
/// file in place of the originals and run by the conformance runner's own suites: every object must
/// pass the model check, keep its JSON unchanged, and give the expected decision.
/// </summary>
public sealed class AdmissionManifestConformanceTests
{
    [Fact]
    public void PodSecurityFixtures_LoadedFromYaml_UnchangedAndPassTheSuite()
    {
        JsonNode root = JsonNode.Parse(File.ReadAllText(SharedData.PathOf("conformance", "pod-security", "pod-security-cases.json")))!;
        JsonArray cases = root["cases"]!.AsArray();
        int evaluations = 0;
        foreach (JsonNode? test in cases)
        {
            JsonNode original = test!["object"]!;
            ManifestObject loaded = Assert.Single(AdmissionManifestLoader.Load(Yaml(original), test["id"]!.GetValue<string>()).Workloads);
            Assert.True(JsonNode.DeepEquals(original, JsonNode.Parse(loaded.Manifest.GetRawText())), $"{test["id"]}: the loaded JSON differs");
            test["object"] = JsonNode.Parse(loaded.Manifest.GetRawText());
            evaluations += test["versions"]!.AsArray().Count;
        }

        FileResult result = Run(root, PodSecuritySuite.Run);

        Assert.True(cases.Count >= 224, $"only {cases.Count} cases");
        Assert.Equal((evaluations, 0), (result.Passed, result.Failed));
    }

    [Fact]
    public void NetworkPolicyCases_LoadedFromYaml_PassTheSuite()
    {
        JsonNode root = JsonNode.Parse(File.ReadAllText(SharedData.PathOf("conformance", "netpol", "cyclonus-matcher-cases.json")))!;
        JsonArray cases = root["cases"]!.AsArray();
        foreach (JsonNode? test in cases)
        {
            JsonArray policies = test!["policies"]!.AsArray();
            string yaml = string.Join("---\n", policies.Select(p => Yaml(p!)));
            AdmissionManifests loaded = AdmissionManifestLoader.Load(yaml, test["id"]!.GetValue<string>());
            Assert.Equal(policies.Count, loaded.NetworkPolicies.Policies.Count);
            test["policies"] = new JsonArray([.. loaded.NetworkPolicyObjects.Select(o => JsonNode.Parse(o.Manifest.GetRawText()))]);
        }

        FileResult result = Run(root, NetworkPolicySuite.Run);

        Assert.Equal((cases.Count, 0), (result.Passed, result.Failed));
    }

    private static FileResult Run(JsonNode root, Action<JsonElement, FileResult> suite)
    {
        var result = new FileResult("loaded");
        using JsonDocument document = JsonDocument.Parse(root.ToJsonString());
        suite(document.RootElement, result);
        Assert.True(result.Failures.Count == 0, string.Join("\n", result.Failures));
        return result;
    }

    /// <summary>Block-style YAML for a JSON value: keys and strings double-quoted (JSON strings are YAML), numbers and booleans plain.</summary>
    private static string Yaml(JsonNode node)
    {
        var yaml = new StringBuilder();
        Write(yaml, node, 0);
        return yaml.ToString();

        static void Write(StringBuilder yaml, JsonNode? node, int indent)
        {
            string pad = new(' ', indent);
            switch (node)
            {
                case JsonObject { Count: > 0 } map:
                    foreach (var (key, value) in map)
                    {
                        yaml.Append(pad).Append(JsonSerializer.Serialize(key)).Append(':');
                        Nested(yaml, value, indent);
                    }

                    break;
                case JsonArray { Count: > 0 } list:
                    foreach (JsonNode? item in list)
                    {
                        yaml.Append(pad).Append('-');
                        Nested(yaml, item, indent);
                    }

                    break;
                default:
                    yaml.Append(pad).Append(Scalar(node)).Append('\n');
                    break;
            }
        }

        static void Nested(StringBuilder yaml, JsonNode? value, int indent)
        {
            if (value is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
            {
                yaml.Append('\n');
                Write(yaml, value, indent + 2);
            }
            else
            {
                yaml.Append(' ').Append(Scalar(value)).Append('\n');
            }
        }

        static string Scalar(JsonNode? value) => value switch
        {
            null => "null",
            JsonObject => "{}",
            JsonArray => "[]",
            _ => value.ToJsonString(),
        };
    }
}
