using System.Text;
using System.Text.Json;
using ContainerSec.Audit;
using ContainerSec.Conformance;

namespace ContainerSec.Tests.Audit;

/// <summary>
/// <see cref="AuditPolicy"/> with Kubernetes semantics, on the documented example policy
/// (../shared/realdata/kubernetes-audit/audit-policy.yaml, transcribed below rule for rule: Core
/// has no YAML parser) and on the audit2rbac demo policy and log.
/// </summary>
public sealed class AuditPolicyTests
{
    private static readonly string RealData = SharedData.PathOf("realdata", "kubernetes-audit");

    private static AuditPolicy ExamplePolicy() => AuditPolicyExamples.ExamplePolicy();

    [Fact]
    public void ExamplePolicyFile_HasTheTranscribedRules()
    {
        string yaml = File.ReadAllText(Path.Combine(RealData, "audit-policy.yaml"));

        Assert.Equal(ExamplePolicy().Rules.Count, yaml.Split('\n').Count(l => l.StartsWith("- level:", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("alice", "get", "", "pods", "", "default", "web", AuditLevel.RequestResponse, 0)]
    [InlineData("alice", "get", "", "pods", "log", "default", "web", AuditLevel.Metadata, 1)]
    [InlineData("alice", "update", "", "pods", "status", "default", "web", AuditLevel.Metadata, 1)]
    [InlineData("alice", "get", "", "pods", "exec", "default", "web", AuditLevel.Request, 7)]
    [InlineData("alice", "update", "", "configmaps", "", "kube-system", "controller-leader", AuditLevel.None, 2)]
    [InlineData("system:kube-proxy", "watch", "", "endpoints", "", "default", "", AuditLevel.None, 3)]
    [InlineData("system:kube-proxy", "list", "", "endpoints", "", "default", "", AuditLevel.Request, 7)]
    [InlineData("alice", "create", "", "configmaps", "", "kube-system", "cfg", AuditLevel.Request, 5)]
    [InlineData("alice", "create", "", "configmaps", "", "default", "cfg", AuditLevel.Metadata, 6)]
    [InlineData("alice", "get", "", "secrets", "", "kube-system", "token", AuditLevel.Metadata, 6)]
    [InlineData("alice", "get", "extensions", "ingresses", "", "default", "i", AuditLevel.Request, 7)]
    [InlineData("alice", "get", "apps", "deployments", "", "default", "d", AuditLevel.Metadata, 8)]
    public void Evaluate_ExamplePolicyResourceRequest_FirstMatchingRuleDecides(
        string user, string verb, string group, string resource, string subresource, string ns, string name, AuditLevel level, int rule)
    {
        AuditPolicyDecision decision = ExamplePolicy().Evaluate(new AuditRequestAttributes
        {
            Username = user, Groups = ["system:authenticated"], Verb = verb, IsResourceRequest = true,
            ApiGroup = group, Resource = resource, Subresource = subresource, Namespace = ns, Name = name,
        });

        Assert.Equal((level, rule), (decision.Level, decision.RuleIndex));
        Assert.False(decision.ShouldRecord(AuditStage.RequestReceived));
    }

    [Theory]
    [InlineData("/apis/apps/v1", true, AuditLevel.None)]
    [InlineData("/api", true, AuditLevel.None)]
    [InlineData("/version", true, AuditLevel.None)]
    [InlineData("/version/x", true, AuditLevel.Metadata)]
    [InlineData("/healthz", true, AuditLevel.Metadata)]
    [InlineData("/api/v1", false, AuditLevel.Metadata)]
    public void Evaluate_ExamplePolicyNonResourceRequest_WildcardAndGroups(string path, bool authenticated, AuditLevel level)
    {
        AuditPolicyDecision decision = ExamplePolicy().Evaluate(new AuditRequestAttributes
        {
            Username = "alice", Groups = authenticated ? ["system:authenticated"] : ["system:unauthenticated"], Verb = "get", Path = path,
        });

        Assert.Equal(level, decision.Level);
    }

    [Fact]
    public void Evaluate_OmitStages_UnionOfPolicyAndRule()
    {
        var policy = new AuditPolicy([new() { Level = AuditLevel.Metadata, OmitStages = [AuditStage.Panic] }], [AuditStage.RequestReceived]);

        AuditPolicyDecision decision = policy.Evaluate(new AuditRequestAttributes { Username = "u", Verb = "get" });

        Assert.Equal([AuditStage.RequestReceived, AuditStage.Panic], decision.OmitStages);
        Assert.True(decision.ShouldRecord(AuditStage.ResponseComplete));
        Assert.False(decision.ShouldRecord(AuditStage.Panic));
    }

    [Fact]
    public void Evaluate_NoRuleMatches_LevelNone()
    {
        var policy = new AuditPolicy([new() { Level = AuditLevel.Metadata, Users = ["bob"] }]);

        AuditPolicyDecision decision = policy.Evaluate(new AuditRequestAttributes { Username = "alice", Verb = "get" });

        Assert.Equal((AuditLevel.None, -1), (decision.Level, decision.RuleIndex));
        Assert.False(decision.ShouldRecord(AuditStage.ResponseComplete));
    }

    [Theory]
    [InlineData("*/status", "pods", "status", true)]
    [InlineData("*/status", "pods", "", false)]
    [InlineData("pods/*", "pods", "log", true)]
    [InlineData("pods/*", "pods", "", true)]
    [InlineData("pods/*", "nodes", "log", false)]
    [InlineData("*", "anything", "sub", true)]
    [InlineData("pods", "pods", "log", false)]
    public void Evaluate_ResourceWildcards_AsKubernetes(string spec, string resource, string subresource, bool matches)
    {
        var policy = new AuditPolicy([new() { Level = AuditLevel.Request, Resources = [new("", [spec])] }]);

        AuditPolicyDecision decision = policy.Evaluate(new AuditRequestAttributes
        {
            Username = "u", Verb = "get", IsResourceRequest = true, Resource = resource, Subresource = subresource,
        });

        Assert.Equal(matches ? AuditLevel.Request : AuditLevel.None, decision.Level);
    }

    [Fact]
    public void DemoLog_EveryEventUnderTheDemoPolicy_RecordedAtMetadata_AndMerkleLogOverLinesVerifies()
    {
        // audit2rbac-demo-policy.yaml: level Metadata for four users, omit three stages.
        var policy = new AuditPolicy([new()
        {
            Level = AuditLevel.Metadata,
            Users = ["system:admin", "alice", "bob", "system:serviceaccount:ns1:sa1"],
            OmitStages = [AuditStage.RequestReceived, AuditStage.ResponseStarted, AuditStage.Panic],
        }]);
        string[] lines = File.ReadAllLines(Path.Combine(RealData, "audit2rbac-demo.log")).Where(l => l.Length > 0).ToArray();
        using var tree = new MerkleTree();
        foreach (string line in lines)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement e = doc.RootElement;
            AuditRequestAttributes request = AuditPolicyExamples.Attributes(e);
            AuditPolicyDecision decision = policy.Evaluate(request);
            Assert.Equal(e.GetProperty("level").GetString(), decision.Level.ToString());
            Assert.True(decision.ShouldRecord(Enum.Parse<AuditStage>(e.GetProperty("stage").GetString()!)));
            Assert.Equal(AuditLevel.None, policy.Evaluate(request with { Username = "mallory" }).Level);
            tree.Append(Encoding.UTF8.GetBytes(line));
        }

        Assert.Equal(37, lines.Length);
        byte[] root = tree.GetRoot();
        for (ulong i = 0; i < tree.Size; i++)
        {
            Assert.True(MerkleProof.VerifyInclusion(i, tree.Size, tree.GetLeafHash(i), tree.GetInclusionProof(i, tree.Size), root));
            Assert.True(MerkleProof.VerifyConsistency(i + 1, tree.Size, tree.GetConsistencyProof(i + 1, tree.Size), tree.GetRoot(i + 1), root));
        }
    }
}
