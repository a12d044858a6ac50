using ContainerSec.Policy;

namespace ContainerSec.Kubernetes.Tests;

public sealed class ManifestLoaderTests
{
    private const string Binding = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: b, namespace: ns1}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
        subjects:
        - kind: ServiceAccount
          name: builder
        """;

    [Fact]
    public void Load_MultiDocumentYamlWithOverlayAndOtherKinds_ReadsAllAndIgnoresOthers()
    {
        string yaml = $$"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: r, namespace: ns1}
            rules:
            - apiGroups: [""]
              resources: [pods/exec]
              verbs: [create]
            ---
            {{Binding}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            ---
            apiVersion: policy.containersec.io/v1
            kind: DenyOverlay
            metadata: {name: guard}
            spec:
              rules:
              - name: exec-in-prod-only-sre
                subjects: {exceptGroups: [sre]}
                verbs: [create]
                resources: [pods/exec]
                namespaceLabels:
                  matchLabels: {tier: prod}
            ---
            """;

        PolicyManifests manifests = ManifestLoader.Load(yaml, "all.yaml");
        var evaluator = new AccessEvaluator(new RbacAuthorizer(manifests.Policy), manifests.Overlays);
        AccessRequest exec = AccessRequest.ForResource(new UserInfo("system:serviceaccount:ns1:builder"), "create", "", "pods", "ns1", "p", "exec");

        Assert.Equal("all.yaml: document 2 (v1 ConfigMap \"settings\")", Assert.Single(manifests.IgnoredDocuments));
        Assert.True(evaluator.Evaluate(exec, new RequestAttributes(namespaceLabels: new Dictionary<string, string> { ["tier"] = "dev" })).Allowed);
        Assert.Equal("exec-in-prod-only-sre", evaluator.Evaluate(exec, new RequestAttributes(namespaceLabels: new Dictionary<string, string> { ["tier"] = "prod" })).ForbidRule?.Name);
    }

    [Fact]
    public void Load_Json_IsYaml()
    {
        const string json = """
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "b"},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
             "subjects": [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "devs"}]}
            """;

        ClusterRoleBinding binding = Assert.Single(ManifestLoader.Load(json).Policy.ClusterRoleBindings);

        Assert.Equal("view", binding.RoleRef.Name);
        Assert.Equal(Subject.Group("devs"), binding.Subjects[0]);
    }

    [Theory]
    [InlineData("roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}", "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Rol, name: r}", "roleRef.kind")]
    [InlineData("  name: builder", "  name: ''", "subjects[0].name")]
    [InlineData("- kind: ServiceAccount", "- kind: Robot", "subjects[0].kind")]
    [InlineData("metadata: {name: b, namespace: ns1}", "metadata: {name: b}", "metadata.namespace")]
    [InlineData("apiVersion: rbac.authorization.k8s.io/v1", "apiVersion: rbac.authorization.k8s.io/v1beta1", "apiVersion")]
    [InlineData("subjects:", "subject:", "subject")]
    [InlineData("  name: builder", "  name: builder\n  namespce: ci", "subjects[0].namespce")]
    [InlineData("metadata: {name: b, namespace: ns1}", "metadata: {name: b, namespace: ns1, labels: [a, b]}", "metadata.labels")]
    // YAML 1.1 as Kubernetes reads it: a plain key 'on' is the boolean true (key "true" in the cluster), '010' is 8.
    [InlineData("metadata: {name: b, namespace: ns1}", "metadata: {name: b, namespace: ns1, labels: {on: x}}", "metadata.labels.on")]
    [InlineData("metadata: {name: b, namespace: ns1}", "metadata: {name: b, namespace: ns1, labels: {010: x}}", "metadata.labels.010")]
    public void Load_BadBinding_ErrorNamesFileDocumentAndField(string from, string to, string field)
    {
        string yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n" + Binding.Replace(from, to, StringComparison.Ordinal);

        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(yaml, "rbac.yaml"));

        Assert.Equal(("rbac.yaml", 1, field), (ex.Source, ex.DocumentIndex, ex.Field));
        Assert.StartsWith("rbac.yaml: document 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_QuotedYaml11Key_KeptAsText()
    {
        const string Yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: agg}
            aggregationRule:
              clusterRoleSelectors:
              - matchLabels: {"on": "yes", "true": x}
            rules: []
            """;

        PolicyManifests loaded = ManifestLoader.Load(Yaml, "agg.yaml");

        Assert.Single(loaded.Policy.ClusterRoles);
    }

    [Fact]
    public void Load_PlainYaml11BooleanWhereAStringBelongs_Refused()
    {
        // 'verbs: [get, yes]': Kubernetes reads 'yes' as the boolean true and refuses the Role; so do we.
        const string Yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: r, namespace: ns1}
            rules:
            - apiGroups: [""]
              resources: [pods]
              verbs: [get, yes]
            """;

        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(Yaml, "role.yaml"));

        Assert.Equal(("role.yaml", 0), (ex.Source, ex.DocumentIndex));
    }

    [Fact]
    public void Load_BadRuleInsideList_FieldPathIncludesItem()
    {
        const string yaml = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: rbac.authorization.k8s.io/v1
              kind: ClusterRole
              metadata: {name: ok}
              rules: []
            - apiVersion: rbac.authorization.k8s.io/v1
              kind: ClusterRole
              metadata: {name: bad}
              rules:
              - verbs: [get]
                resources: [pods, {nested: true}]
            """;

        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(yaml, "roles.yaml"));

        Assert.Equal("items[1].rules[0].resources[1]", ex.Field);
        Assert.Equal(0, ex.DocumentIndex);
    }

    [Fact]
    public void Load_BadOverlay_FieldFromOverlayParser()
    {
        const string yaml = """
            apiVersion: policy.containersec.io/v1
            kind: DenyOverlay
            metadata: {name: guard}
            spec:
              rules:
              - name: r
                verbz: [create]
            """;

        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(yaml, "guard.yaml"));

        Assert.Equal(("guard.yaml", 0, "spec.rules[0].verbz"), (ex.Source, ex.DocumentIndex, ex.Field));
    }

    [Fact]
    public void Load_NotYaml_ErrorNamesFile()
    {
        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load("a: [unclosed", "broken.yaml"));

        Assert.Equal("broken.yaml", ex.Source);
        Assert.Contains("not valid YAML", ex.Message, StringComparison.Ordinal);
    }
}
