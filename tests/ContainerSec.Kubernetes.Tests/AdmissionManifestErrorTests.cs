using System.Text;

namespace ContainerSec.Kubernetes.Tests;

public sealed class AdmissionManifestErrorTests
{
    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
          labels: {app: web}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: web
                image: nginx:1.27
                env:
                - {name: PORT, value: "8080"}
                ports:
                - {name: http, containerPort: 8080}
                readinessProbe:
                  httpGet: {path: /, port: 8080}
                resources:
                  limits: {cpu: 500m, memory: 128Mi}
                securityContext:
                  privileged: false
        """;

    private const string Policy = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p, namespace: shop}
        spec:
          podSelector: {}
          ingress:
          - from:
            - ipBlock: {cidr: 10.0.0.0/8}
            ports:
            - {protocol: TCP, port: 443}
        """;

    [Theory]
    // Unknown fields, at any depth, with a suggestion when one is close.
    [InlineData("    privileged: false", "    privilegd: false", "spec.template.spec.containers[0].securityContext.privilegd", "unknown field at line 31, column 11; did you mean \"privileged\"?")]
    [InlineData("  replicas: 2", "  replicas: 2\n  paused: false\n  minReadySecond: 5", "spec.minReadySecond", "did you mean \"minReadySeconds\"?")]
    [InlineData("  labels: {app: web}\nspec:", "  labels: {app: web}\n  annotation: {a: b}\nspec:", "metadata.annotation", "did you mean \"annotations\"?")]
    [InlineData("      containers:", "      container:", "spec.template.spec.container", "unknown field")]
    // Wrong types, as the API server types YAML scalars.
    [InlineData("  replicas: 2", "  replicas: two", "spec.replicas", "must be an integer, not the string \"two\"")]
    [InlineData("  replicas: 2", "  replicas: \"2\"", "spec.replicas", "must be an integer")]
    [InlineData("value: \"8080\"", "value: 8080", "spec.template.spec.containers[0].env[0].value", "must be a string, not the number 8080")]
    [InlineData("  labels: {app: web}\nspec:", "  labels: {app: yes}\nspec:", "metadata.labels.app", "not the boolean yes")]
    [InlineData("    privileged: false", "    privileged: \"false\"", "spec.template.spec.containers[0].securityContext.privileged", "must be a boolean")]
    [InlineData("memory: 128Mi", "memory: 128MB", "spec.template.spec.containers[0].resources.limits.memory", "is not a quantity")]
    [InlineData("memory: 128Mi", "memory: 1e99999", "spec.template.spec.containers[0].resources.limits.memory", "out of the range accepted here")]
    [InlineData("memory: 128Mi", "memory: 9999999999999999999999999999999Ei", "spec.template.spec.containers[0].resources.limits.memory", "out of the range accepted here")]
    [InlineData("memory: 128Mi", "memory: true", "spec.template.spec.containers[0].resources.limits.memory", "must be a quantity")]
    [InlineData("memory: 128Mi", "memory: \"128Mi\\n\"", "spec.template.spec.containers[0].resources.limits.memory", "is not a quantity")] // '$' matched before a final line break
    [InlineData("port: 8080}", "port: {number: 8080}}", "spec.template.spec.containers[0].readinessProbe.httpGet.port", "must be an integer or a string, not a mapping")]
    [InlineData("port: 8080}", "port: 1.5}", "spec.template.spec.containers[0].readinessProbe.httpGet.port", "must be an integer or a string, not the number 1.5")]
    [InlineData("containerPort: 8080", "containerPort: 4294967296", "spec.template.spec.containers[0].ports[0].containerPort", "outside the 32-bit integer range")]
    [InlineData("      - name: web", "      - null\n      - name: web", "spec.template.spec.containers[0]", "must not be null")]
    [InlineData("      containers:", "      containers: {}\n      initContainers:", "spec.template.spec.containers", "must be a list, not a mapping")]
    // Beyond the structure.
    [InlineData("apiVersion: apps/v1", "apiVersion: extensions/v1beta1", "apiVersion", "a Deployment must be apps/v1")]
    [InlineData("  name: web\n", "  nam: web\n", "metadata.nam", "did you mean \"name\"?")]
    [InlineData("  template:", "  templates:", "spec.templates", "did you mean \"template\"?")]
    [InlineData("  replicas: 2", "  replicas: 2\n  replicas: 3", "spec.replicas", "duplicate key (line 13, column 3)")]
    [InlineData("  replicas: 2", "  <<: {replicas: 2}", "spec.<<", "merge keys are not supported")]
    [InlineData("  replicas: 2", "  replicas: !!binary AAAA", "spec.replicas", "not supported")]
    public void Load_BadDeployment_ErrorNamesFileDocumentAndField(string from, string to, string field, string problem)
    {
        Assert.Contains(from, Deployment, StringComparison.Ordinal);
        string yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n" + Deployment.Replace(from, to, StringComparison.Ordinal);

        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(yaml, "web.yaml"));

        Assert.Equal(("web.yaml", 1, field), (ex.Source, ex.DocumentIndex, ex.Field));
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"web.yaml: document 1: {field}: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_GoodSamples_LoadUnchanged()
    {
        AdmissionManifests m = AdmissionManifestLoader.Load(Deployment + "\n---\n" + Policy);

        Assert.Single(m.Workloads);
        Assert.Single(m.NetworkPolicies.Policies);
    }

    [Theory]
    [InlineData("{cidr: 10.0.0.0/8}", "{cidr: 10.0.0.0/33}", "spec.ingress[0].from[0].ipBlock.cidr", "prefix longer than the address")]
    [InlineData("{protocol: TCP, port: 443}", "{protocol: ICMP, port: 443}", "spec.ingress[0].ports[0].protocol", "must be TCP, UDP or SCTP")]
    [InlineData("{protocol: TCP, port: 443}", "{protocol: TCP, port: 443, endport: 500}", "spec.ingress[0].ports[0].endport", "did you mean \"endPort\"?")]
    [InlineData("networking.k8s.io/v1", "networking.k8s.io/v1beta1", "apiVersion", "a NetworkPolicy must be networking.k8s.io/v1")]
    public void Load_BadNetworkPolicy_ErrorNamesField(string from, string to, string field, string problem)
    {
        string yaml = Policy.Replace(from, to, StringComparison.Ordinal);

        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(yaml, "np.yaml"));

        Assert.Equal(("np.yaml", 0, field), (ex.Source, ex.DocumentIndex, ex.Field));
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadItemInsideList_FieldPathIncludesTheItem()
    {
        string yaml = "apiVersion: v1\nkind: List\nitems:\n- " + Policy.ReplaceLineEndings("\n  ") + "\n- " + Deployment.Replace("privileged: false", "privileged: maybe", StringComparison.Ordinal).ReplaceLineEndings("\n  ");

        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(yaml, "all.yaml"));

        Assert.Equal((0, "items[1].spec.template.spec.containers[0].securityContext.privileged"), (ex.DocumentIndex, ex.Field));
    }

    [Theory]
    [InlineData("a: [unclosed", "", "not valid YAML at line")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n---\n- just\n- a list", "", "a document must be a mapping")]
    [InlineData("kind: Pod\nmetadata: {name: p}", "apiVersion", "is required")]
    [InlineData("apiVersion: v1\nkind: List\nitem:\n- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: x}]}}", "item", "a List has apiVersion, kind, metadata and items")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {namespace: x}\nspec: {containers: [{name: c, image: x}]}", "metadata.name", "is required")]
    [InlineData("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '* * * * *', jobTemplate: {spec: {}}}", "spec.jobTemplate.spec.template", "is required")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}", "spec.containers", "at least one container")]
    [InlineData("apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c}", "apiVersion", "a CronJob must be batch/v1")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p, creationTimestamp: 2025-01-02}\nspec: {containers: [{name: c, image: x}]}", "metadata.creationTimestamp", "is not an RFC 3339 date")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p, creationTimestamp: yesterday}\nspec: {containers: [{name: c, image: x}]}", "metadata.creationTimestamp", "is not an RFC 3339 date")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x, args: *nowhere}]}", "spec.containers[0].args", "refers to no anchor")]
    public void Load_Malformed_ErrorNamesField(string yaml, string field, string problem)
    {
        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(yaml, "bad.yaml"));

        Assert.Equal(("bad.yaml", field), (ex.Source, ex.Field));
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DeepNesting_IsRefusedWithoutRecursion()
    {
        // 100,000 levels: YamlDotNet's representation model would overflow the stack on this.
        string yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: " + new string('[', 100_000) + new string(']', 100_000) + "}";

        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(yaml, "deep.yaml"));

        Assert.Contains("nesting deeper than 64 levels", ex.Problem, StringComparison.Ordinal);
        Assert.StartsWith("metadata.labels[0][0]", ex.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AliasExpansionBeyondBudget_IsRefusedNotExpanded()
    {
        // A "billion laughs" within the Pod's types: one anchored list of 1,000 arguments, repeated by
        // every container. 2,000 containers would expand to 2 million nodes from a file of about 3,000.
        var yaml = new StringBuilder("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    args: &lol [");
        yaml.AppendJoin(", ", Enumerable.Repeat("lol", 1_000)).Append("]\n");
        for (int i = 0; i < 2_000; i++)
        {
            yaml.Append("  - {name: c, image: x, args: *lol}\n");
        }

        var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.Load(yaml.ToString(), "lol.yaml"));

        Assert.Contains("expands (through YAML aliases) to ", ex.Problem, StringComparison.Ordinal);
        Assert.Equal((0, ""), (ex.DocumentIndex, ex.Field));
    }

    [Fact]
    public void Load_AliasWithinBudget_IsExpanded()
    {
        const string yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              containers:
              - name: a
                image: x
                securityContext: &restricted {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
              - name: b
                image: x
                securityContext: *restricted
            """;

        var pod = Assert.Single(AdmissionManifestLoader.Load(yaml).Workloads);

        Assert.Equal("ALL", pod.Manifest.GetProperty("spec").GetProperty("containers")[1].GetProperty("securityContext").GetProperty("capabilities").GetProperty("drop")[0].GetString());
    }

    [Fact]
    public void LoadFile_TooLarge_RefusedBeforeReading()
    {
        string path = Path.Combine(Path.GetTempPath(), $"containersec-{Guid.NewGuid():N}.yaml");
        try
        {
            using (var file = File.Create(path))
            {
                file.SetLength(ManifestLoader.MaxFileBytes + 1); // Sparse: nothing is written, and nothing should be read.
            }

            var ex = Assert.Throws<ManifestException>(() => AdmissionManifestLoader.LoadFile(path));

            Assert.Equal((path, -1, ""), (ex.Source, ex.DocumentIndex, ex.Field));
            Assert.Contains($"at most {ManifestLoader.MaxFileBytes}", ex.Problem, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public sealed class AdmissionManifestMutationTests
{
    /// <summary>Mutated sample files either load or raise <see cref="ManifestException"/>: nothing else escapes.</summary>
    [Theory]
    [InlineData("shop.yaml", 20261128)]
    [InlineData("network-policies.yaml", 20261128)]
    [InlineData("list.yaml", 20261128)]
    [InlineData("list.yaml", 7)]
    public void Load_MutatedSample_LoadsOrThrowsManifestException(string file, int seed)
    {
        string text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Manifests", file));
        var random = new Random(seed);
        string[] replacements = ["", " ", "\n", ":", "-", "[", "]", "{", "}", "'", "\"", "&a", "*a", "!!int", "!<x y>", "yes", "0x1F", "1e999", "~", "#", "\t", "<<: ", "---\n"];
        int refused = 0;
        for (int i = 0; i < 400; i++)
        {
            var mutated = new StringBuilder(text);
            for (int edits = random.Next(1, 4); edits > 0; edits--)
            {
                int at = random.Next(mutated.Length);
                mutated.Remove(at, Math.Min(random.Next(0, 3), mutated.Length - at)).Insert(at, replacements[random.Next(replacements.Length)]);
            }

            try
            {
                AdmissionManifestLoader.Load(mutated.ToString(), file);
            }
            catch (ManifestException ex)
            {
                Assert.Equal(file, ex.Source);
                refused++;
            }
        }

        Assert.InRange(refused, 100, 400); // Most mutations break something; nothing but ManifestException may escape.
    }
}

public sealed class ManifestLoaderDepthTests
{
    [Fact]
    public void ManifestLoaderLoad_DeepNesting_IsRefusedInsteadOfOverflowingTheStack()
    {
        // Without the event-based pre-check, YamlStream.Load recursed once per level and ended the process.
        string yaml = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: " + new string('[', 200_000) + new string(']', 200_000) + "}";

        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(yaml, "deep.yaml"));

        Assert.Contains("nesting deeper than 64 levels", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ManifestLoaderLoad_BillionLaughs_IsRefusedNotExpanded()
    {
        // Nine levels of ten aliases under metadata, which the RBAC shape check leaves to the models:
        // 10^9 nodes if expanded, and the RBAC loader's YAML-to-JSON step runs before the models see them.
        var yaml = new StringBuilder("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nrules: []\nmetadata:\n  name: lol\n  labels:\n    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i <= 9; i++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"    l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        }

        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(yaml.ToString(), "lol.yaml"));

        Assert.Equal(("lol.yaml", 0), (ex.Source, ex.DocumentIndex));
        Assert.Contains("expands (through YAML aliases)", ex.Problem, StringComparison.Ordinal);
    }
}
