using System.Text.Json;
using ContainerSec.Audit;
using ContainerSec.Conformance;
using ContainerSec.Policy;
using ContainerSec.Tests.Audit;

namespace ContainerSec.Kubernetes.Tests;

public sealed class AuditPolicyLoaderTests
{
    private static readonly string RealData = SharedData.PathOf("realdata", "kubernetes-audit");

    private static readonly string[] LogLines =
        [.. File.ReadAllLines(Path.Combine(RealData, "audit2rbac-demo.log")).Where(l => l.Length > 0)];

    [Fact]
    public void LoadFile_ExamplePolicy_SameRulesAsTheTranscription()
    {
        AuditPolicy loaded = AuditPolicyLoader.LoadFile(Path.Combine(RealData, "audit-policy.yaml"));
        AuditPolicy expected = AuditPolicyExamples.ExamplePolicy();

        Assert.Equal(expected.OmitStages, loaded.OmitStages);
        Assert.Equal(expected.Rules.Select(Describe), loaded.Rules.Select(Describe));
    }

    [Fact]
    public void LoadFile_ExamplePolicy_DecidesEveryRequestLikeTheTranscription()
    {
        AuditPolicy loaded = AuditPolicyLoader.LoadFile(Path.Combine(RealData, "audit-policy.yaml"));
        AuditPolicy expected = AuditPolicyExamples.ExamplePolicy();
        var requests = new List<AuditRequestAttributes>();
        foreach (string line in LogLines)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            requests.Add(AuditPolicyExamples.Attributes(doc.RootElement));
        }

        // Every combination of the attributes the example policy's rules mention, plus some they do not.
        foreach (string user in new[] { "alice", "system:kube-proxy" })
        foreach (string[] groups in new[] { new[] { "system:authenticated" }, ["system:unauthenticated"] })
        foreach (string verb in new[] { "get", "watch", "create" })
        {
            foreach (string path in new[] { "/api", "/apis/apps/v1", "/version", "/version/x", "/healthz", "/metrics" })
            {
                requests.Add(new AuditRequestAttributes { Username = user, Groups = groups, Verb = verb, Path = path });
            }

            foreach (string group in new[] { "", "extensions", "apps" })
            foreach (string resource in new[] { "pods", "configmaps", "secrets", "endpoints", "services", "deployments" })
            foreach (string subresource in new[] { "", "log", "status", "exec" })
            foreach (string ns in new[] { "", "default", "kube-system" })
            foreach (string name in new[] { "", "controller-leader", "web" })
            {
                requests.Add(new AuditRequestAttributes
                {
                    Username = user, Groups = groups, Verb = verb, IsResourceRequest = true,
                    ApiGroup = group, Resource = resource, Subresource = subresource, Namespace = ns, Name = name,
                });
            }
        }

        var levels = new HashSet<AuditLevel>();
        foreach (AuditRequestAttributes request in requests)
        {
            AuditPolicyDecision want = expected.Evaluate(request), got = loaded.Evaluate(request);
            Assert.Equal((want.Level, want.RuleIndex), (got.Level, got.RuleIndex));
            Assert.Equal(want.OmitStages, got.OmitStages);
            levels.Add(got.Level);
        }

        Assert.Equal(LogLines.Length + (2 * 2 * 3 * (6 + (3 * 6 * 4 * 3 * 3))), requests.Count);
        Assert.Equal(4, levels.Count);
    }

    [Fact]
    public void LoadFile_DemoPolicy_DecidesEveryLoggedEventAtItsRecordedLevel()
    {
        AuditPolicy policy = AuditPolicyLoader.LoadFile(Path.Combine(RealData, "audit2rbac-demo-policy.yaml"));

        foreach (string line in LogLines)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement e = doc.RootElement;
            AuditRequestAttributes request = AuditPolicyExamples.Attributes(e);
            AuditPolicyDecision decision = policy.Evaluate(request);

            Assert.Equal(e.GetProperty("level").GetString(), decision.Level.ToString());
            Assert.True(decision.ShouldRecord(Enum.Parse<AuditStage>(e.GetProperty("stage").GetString()!)));
            Assert.False(decision.ShouldRecord(AuditStage.RequestReceived));
            Assert.Equal(AuditLevel.None, policy.Evaluate(request with { Username = "mallory" }).Level);
        }

        Assert.Equal(37, LogLines.Length);
    }

    [Fact]
    public void LoadFile_ExamplePolicy_DrivesTheAuditingAuthorizer()
    {
        using var sink = new MerkleTreeAuditSink();
        var everyone = new RbacPolicy(
            clusterRoles: [new ClusterRole("all", [new PolicyRule(["*"], ["*"], ["*"])])],
            clusterRoleBindings: [new ClusterRoleBinding("all", "all", [Subject.Group("system:authenticated")])]);
        var auditor = new Auditor(sink, AuditPolicyLoader.LoadFile(Path.Combine(RealData, "audit-policy.yaml")));
        var authorizer = new AuditingRbacAuthorizer(new CompiledRbacAuthorizer(everyone), auditor);
        var alice = new UserInfo("alice", ["system:authenticated"]);

        authorizer.Authorize(AccessRequest.ForResource(alice, "update", "", "configmaps", "kube-system", "controller-leader"));
        authorizer.Authorize(AccessRequest.ForResource(alice, "get", "", "pods", "shop", "web"));
        authorizer.Authorize(AccessRequest.ForResource(alice, "get", "", "secrets", "shop", "db"));

        Assert.Equal(2UL, sink.Size);
        Assert.Equal(["RequestResponse", "Metadata"], Enumerable.Range(0, 2).Select(i => JsonDocument.Parse(sink.ReadEntry((ulong)i)).RootElement.GetProperty("level").GetString()));
    }

    [Fact]
    public void Load_Json_IsYaml()
    {
        AuditPolicy policy = AuditPolicyLoader.Load("""
            {"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "omitManagedFields": true,
             "rules": [{"level": "Request", "verbs": ["delete"], "resources": [{"group": "apps", "resources": ["deployments"]}]}]}
            """);

        AuditPolicyDecision decision = policy.Evaluate(new AuditRequestAttributes
        {
            Username = "u", Verb = "delete", IsResourceRequest = true, ApiGroup = "apps", Resource = "deployments",
        });
        Assert.Equal((AuditLevel.Request, 0), (decision.Level, decision.RuleIndex));
    }

    [Theory]
    [InlineData("rules:\n- level: Metadata\n  resources:\n  - group: \"\"\n    resource: [pods]", "rules[0].resources[0].resource", "unknown field")]
    [InlineData("rules:\n- level: Metadata\n  user: [alice]", "rules[0].user", "unknown field")]
    [InlineData("omitStage: [Panic]\nrules: []", "omitStage", "unknown field")]
    [InlineData("rules:\n- level: Metadata\n  users: alice", "rules[0].users", "must be a list")]
    [InlineData("rules:\n- level: Metadata\n  verbs: [get, [list]]", "rules[0].verbs[1]", "must be a string")]
    [InlineData("rules:\n- level: [Metadata]", "rules[0].level", "must be a string")]
    [InlineData("rules:\n- level: metadata", "rules[0].level", "is not None, Metadata")]
    [InlineData("rules:\n- level: \"1\"", "rules[0].level", "is not None, Metadata")]
    [InlineData("rules:\n- users: [alice]", "rules[0].level", "is required")]
    [InlineData("rules:\n- level: None\n  omitStages: [RequestReceived, Done]", "rules[0].omitStages[1]", "is not RequestReceived")]
    [InlineData("rules:\n- level: None\n  nonResourceURLs: [/api*]\n  namespaces: [kube-system]", "rules[0].nonResourceURLs", "cannot apply to both")]
    [InlineData("rules:\n- level: None\n  nonResourceURLs: [\"/a*b\"]", "rules[0].nonResourceURLs[0]", "must be the final character")]
    [InlineData("rules:\n- level: None\n  nonResourceURLs: [healthz]", "rules[0].nonResourceURLs[0]", "must begin with '/'")]
    [InlineData("rules:\n- level: None\n  resources:\n  - resourceNames: [x]", "rules[0].resources[0].resourceNames", "requires at least one resource")]
    [InlineData("rules:\n- level: None\n  resources:\n  - group: apps/v1", "rules[0].resources[0].group", "DNS subdomain")]
    [InlineData("rules:\n- level: None\n  resources: [pods]", "rules[0].resources[0]", "must be a mapping")]
    [InlineData("omitManagedFields: yes\nrules: []", "omitManagedFields", "must be true or false")]
    [InlineData("rules:\n- level: None\n  omitManagedFields: \"true\"", "rules[0].omitManagedFields", "must be true or false")]
    [InlineData("metadata: name\nrules: []", "metadata", "must be a mapping")]
    public void Load_InvalidPolicy_ManifestExceptionNamesTheField(string body, string field, string problem)
    {
        var ex = Assert.Throws<ManifestException>(() => AuditPolicyLoader.Load("apiVersion: audit.k8s.io/v1\nkind: Policy\n" + body, "policy.yaml"));

        Assert.Equal(("policy.yaml", 0, field), (ex.Source, ex.DocumentIndex, ex.Field));
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"policy.yaml: document 0: {field}: ", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: []", 0, "apiVersion", "removed in Kubernetes 1.24")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: PolicyList\nitems: []", 0, "kind", "must be Policy")]
    [InlineData("kind: Policy\nrules: []", 0, "apiVersion", "is required")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\n---\napiVersion: audit.k8s.io/v1\nkind: Policy", 1, "", "one Policy document")]
    [InlineData("- level: None", 0, "", "must be a mapping")]
    [InlineData("---\n", -1, "", "no Policy document")]
    [InlineData("rules: [level: None", 0, "", "not valid YAML at line")]
    public void Load_InvalidDocument_ManifestExceptionNamesTheDocument(string yaml, int document, string field, string problem)
    {
        var ex = Assert.Throws<ManifestException>(() => AuditPolicyLoader.Load(yaml, "p.yaml"));

        Assert.Equal((document, field), (ex.DocumentIndex, ex.Field));
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_LargerThanTheLimit_RefusedBeforeReading()
    {
        string path = Path.GetTempFileName();
        try
        {
            using (FileStream file = File.OpenWrite(path))
            {
                file.SetLength(ManifestLoader.MaxFileBytes + 1);
            }

            var ex = Assert.Throws<ManifestException>(() => AuditPolicyLoader.LoadFile(path));
            Assert.Contains($"at most {ManifestLoader.MaxFileBytes} are read", ex.Problem, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Describe(AuditPolicyRule r) => string.Join(" | ",
        r.Level,
        Join(r.Users), Join(r.UserGroups), Join(r.Verbs), Join(r.Namespaces), Join(r.NonResourceUrls), Join(r.OmitStages?.Select(s => s.ToString())),
        string.Join(";", (r.Resources ?? []).Select(g => $"{g.Group}:{Join(g.Resources)}:{Join(g.ResourceNames)}")));

    private static string Join(IEnumerable<string>? values) => string.Join(",", values ?? []);
}
