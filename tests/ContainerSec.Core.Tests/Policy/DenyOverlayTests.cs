using ContainerSec.Policy;

namespace ContainerSec.Tests.Policy;

public sealed class DenyOverlayTests
{
    /// <summary>The example of docs/policy.md: nobody but group sre may create pods/exec in namespaces labelled tier=prod.</summary>
    internal const string ProdExecJson = """
        {
          "apiVersion": "policy.containersec.io/v1",
          "kind": "DenyOverlay",
          "metadata": { "name": "production-guardrails" },
          "spec": {
            "rules": [
              {
                "name": "exec-in-prod-only-sre",
                "description": "Only SREs may open a shell in a production pod.",
                "subjects": { "exceptGroups": ["sre"] },
                "verbs": ["create", "get"],
                "resources": ["pods/exec", "pods/attach"],
                "namespaceLabels": { "matchLabels": { "tier": "prod" } }
              }
            ]
          }
        }
        """;

    private static readonly Dictionary<string, string> Prod = new() { ["tier"] = "prod" };
    private static readonly Dictionary<string, string> Dev = new() { ["tier"] = "dev" };

    private static AccessEvaluator ClusterAdminsWith(params DenyOverlay[] overlays) => ClusterAdminsWith(null, overlays);

    private static AccessEvaluator ClusterAdminsWith(TimeProvider? time, params DenyOverlay[] overlays)
    {
        var policy = new RbacPolicy(
            clusterRoles: [new ClusterRole("cluster-admin", [new PolicyRule(["*"], ["*"], ["*"]), new PolicyRule(["*"], nonResourceUrls: ["*"])])],
            clusterRoleBindings: [new ClusterRoleBinding("admins", "cluster-admin", [Subject.Group("admins")])]);
        return new AccessEvaluator(new CompiledRbacAuthorizer(policy), overlays, time);
    }

    private static AccessRequest Exec(string user, string[] groups, string ns) =>
        AccessRequest.ForResource(new UserInfo(user, groups), "create", "", "pods", ns, "web-0", "exec");

    [Fact]
    public void Evaluate_ProdExecByAdminNotSre_ForbiddenDespiteRbacAllow()
    {
        AccessEvaluator evaluator = ClusterAdminsWith(DenyOverlay.Parse(ProdExecJson));

        AccessDecision decision = evaluator.Evaluate(Exec("alice", ["admins"], "shop"), new RequestAttributes(namespaceLabels: Prod));

        Assert.False(decision.Allowed);
        Assert.True(decision.Rbac.Allowed);
        Assert.Equal("exec-in-prod-only-sre", decision.ForbidRule!.Name);
        Assert.StartsWith("forbidden by rule \"exec-in-prod-only-sre\" of deny overlay \"production-guardrails\"; overrides RBAC: allowed by ClusterRoleBinding \"admins\"", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ProdExecBySreAdmin_Allowed()
    {
        AccessDecision decision = ClusterAdminsWith(DenyOverlay.Parse(ProdExecJson)).Evaluate(Exec("bob", ["admins", "sre"], "shop"), new RequestAttributes(namespaceLabels: Prod));

        Assert.True(decision.Allowed);
        Assert.Null(decision.ForbidRule);
    }

    [Fact]
    public void Evaluate_DevNamespaceOrOtherSubresource_NotForbidden()
    {
        AccessEvaluator evaluator = ClusterAdminsWith(DenyOverlay.Parse(ProdExecJson));

        Assert.True(evaluator.Evaluate(Exec("alice", ["admins"], "shop"), new RequestAttributes(namespaceLabels: Dev)).Allowed);
        Assert.True(evaluator.Evaluate(AccessRequest.ForResource(new UserInfo("alice", ["admins"]), "get", "", "pods", "shop", "web-0", "log"), new RequestAttributes(namespaceLabels: Prod)).Allowed);
    }

    [Fact]
    public void Evaluate_NamespaceLabelsUnknown_FailsClosedAndSaysSo()
    {
        AccessDecision decision = ClusterAdminsWith(DenyOverlay.Parse(ProdExecJson)).Evaluate(Exec("alice", ["admins"], "shop"));

        Assert.False(decision.Allowed);
        Assert.Contains("namespace labels unknown, assumed to match (fail closed)", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NoRbacAllowAndNoForbid_DeniedWithRbacReason()
    {
        AccessDecision decision = ClusterAdminsWith(DenyOverlay.Parse(ProdExecJson)).Evaluate(Exec("mallory", [], "shop"), new RequestAttributes(namespaceLabels: Dev));

        Assert.False(decision.Allowed);
        Assert.Null(decision.ForbidRule);
        Assert.StartsWith("RBAC: no rules authorize user \"mallory\"", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ServiceAccountNamespaceAndObjectLabels_Conditions()
    {
        var overlay = new DenyOverlay("o", [new ForbidRule(
            "ci-cannot-touch-pinned",
            new ForbidSubjects(serviceAccountNamespaces: ["ci"]),
            verbs: ["delete", "update", "patch"],
            objectLabels: new LabelSelector(new Dictionary<string, string> { ["pinned"] = "true" }))]);
        AccessEvaluator evaluator = ClusterAdminsWith(overlay);
        var ci = new UserInfo("system:serviceaccount:ci:deployer", ["admins"]);
        var pinned = new RequestAttributes(new Dictionary<string, string> { ["pinned"] = "true" });

        Assert.False(evaluator.Evaluate(AccessRequest.ForResource(ci, "delete", "apps", "deployments", "web", "api"), pinned).Allowed);
        Assert.True(evaluator.Evaluate(AccessRequest.ForResource(ci, "delete", "apps", "deployments", "web", "api"), new RequestAttributes(new Dictionary<string, string>())).Allowed);
        Assert.True(evaluator.Evaluate(AccessRequest.ForResource(new UserInfo("system:serviceaccount:cd:deployer", ["admins"]), "delete", "apps", "deployments", "web", "api"), pinned).Allowed);
    }

    [Fact]
    public void Evaluate_TimeWindow_ReadFromTimeProvider()
    {
        var overlay = DenyOverlay.Parse("""
            {"apiVersion": "policy.containersec.io/v1", "kind": "DenyOverlay", "metadata": {"name": "freeze"},
             "spec": {"rules": [{"name": "no-weekend-deploys", "verbs": ["create", "update", "patch", "delete"], "apiGroups": ["apps"],
                                 "timeWindow": {"daysOfWeek": ["Saturday", "Sunday"]}},
                                {"name": "night", "verbs": ["delete"], "timeWindow": {"dailyFrom": "22:00", "dailyTo": "06:00"}}]}}
            """);
        var clock = new ManualTime(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero)); // a Saturday
        AccessEvaluator evaluator = ClusterAdminsWith(clock, overlay);
        AccessRequest deploy = AccessRequest.ForResource(new UserInfo("alice", ["admins"]), "update", "apps", "deployments", "web", "api");
        AccessRequest delete = AccessRequest.ForResource(new UserInfo("alice", ["admins"]), "delete", "", "configmaps", "web", "c");

        Assert.Equal("no-weekend-deploys", evaluator.Evaluate(deploy).ForbidRule?.Name);
        Assert.True(evaluator.Evaluate(delete).Allowed);
        clock.Now = new DateTimeOffset(2026, 11, 30, 23, 30, 0, TimeSpan.Zero); // Monday night
        Assert.True(evaluator.Evaluate(deploy).Allowed);
        Assert.Equal("night", evaluator.Evaluate(delete).ForbidRule?.Name);
        clock.Now = new DateTimeOffset(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);
        Assert.True(evaluator.Evaluate(delete).Allowed);
    }

    [Fact]
    public void Evaluate_NonResourceRule_OnlyForNonResourceRequests()
    {
        var overlay = new DenyOverlay("o", [new ForbidRule("no-debug", verbs: ["get"], nonResourceUrls: ["/debug/*"])]);
        AccessEvaluator evaluator = ClusterAdminsWith(overlay);
        var alice = new UserInfo("alice", ["admins"]);

        Assert.False(evaluator.Evaluate(AccessRequest.ForNonResource(alice, "get", "/debug/pprof")).Allowed);
        Assert.True(evaluator.Evaluate(AccessRequest.ForNonResource(alice, "get", "/healthz")).Allowed);
        Assert.True(evaluator.Evaluate(AccessRequest.ForResource(alice, "get", "", "pods", "x")).Allowed);
    }

    [Theory]
    [InlineData("""{"apiVersion": "v1", "kind": "DenyOverlay", "metadata": {"name": "x"}, "spec": {}}""", "apiVersion")]
    [InlineData("""{"apiVersion": "policy.containersec.io/v1", "kind": "DenyOverlay", "metadata": {}, "spec": {}}""", "metadata.name")]
    [InlineData("""{"apiVersion": "policy.containersec.io/v1", "kind": "DenyOverlay", "metadata": {"name": "x"}, "spec": {"rules": [{"name": "r", "verb": ["get"]}]}}""", "spec.rules[0].verb")]
    [InlineData("""{"apiVersion": "policy.containersec.io/v1", "kind": "DenyOverlay", "metadata": {"name": "x"}, "spec": {"rules": [{"name": "r", "verbs": "get"}]}}""", "spec.rules[0].verbs")]
    [InlineData("""{"apiVersion": "policy.containersec.io/v1", "kind": "DenyOverlay", "metadata": {"name": "x"}, "spec": {"rules": [{"name": "r", "subjects": {"exceptGroup": ["sre"]}}]}}""", "spec.rules[0].subjects.exceptGroup")]
    [InlineData("""{"apiVersion": "policy.containersec.io/v1", "kind": "DenyOverlay", "metadata": {"name": "x"}, "spec": {"rules": [{"name": "r", "namespaceLabels": {"matchExpressions": [{"key": "a", "operator": "Is"}]}}]}}""", "spec.rules[0].namespaceLabels.matchExpressions[0].operator")]
    [InlineData("""{"apiVersion": "policy.containersec.io/v1", "kind": "DenyOverlay", "metadata": {"name": "x"}, "spec": {"rules": [{"name": "r", "timeWindow": {"daysOfWeek": ["Caturday"]}}]}}""", "spec.rules[0].timeWindow.daysOfWeek[0]")]
    [InlineData("""{"apiVersion": "policy.containersec.io/v1", "kind": "DenyOverlay", "metadata": {"name": "x"}, "spec": {"rules": [{"name": "r", "timeWindow": {"dailyFrom": "25:00", "dailyTo": "01:00"}}]}}""", "spec.rules[0].timeWindow.dailyFrom")]
    [InlineData("""{"apiVersion": "policy.containersec.io/v1", "kind": "DenyOverlay", "metadata": {"name": "x"}, "spec": {"rules": [{"name": "r"}, {"name": "r"}]}}""", "spec.rules[1].name")]
    [InlineData("""{"apiVersion": "policy.containersec.io/v1", "kind": "DenyOverlay", "metadata": {"name": "x"}, "spec": {"rules": [{"name": "r", "resources": ["pods"], "nonResourceURLs": ["/x"]}]}}""", "spec.rules[0].nonResourceURLs")]
    [InlineData("""{"apiVersion": "policy.containersec.io/v1", "kind": "DenyOverlay" """, "")]
    public void Parse_Invalid_PolicyFormatExceptionNamesField(string json, string field)
    {
        var ex = Assert.Throws<PolicyFormatException>(() => DenyOverlay.Parse(json));

        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public void Parse_Oversized_RefusedBeforeParsing()
    {
        byte[] huge = new byte[DenyOverlay.MaxDocumentBytes + 1];

        var ex = Assert.Throws<PolicyFormatException>(() => DenyOverlay.Parse(huge));

        Assert.Contains("at most", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForbidRule_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentException>("nonResourceUrls", () => new ForbidRule("r", resources: ["pods"], nonResourceUrls: ["/x"]));
        Assert.Throws<ArgumentException>("dailyTo", () => new ForbidTimeWindow(dailyFrom: new TimeOnly(1, 0)));
        Assert.Throws<ArgumentNullException>("rbac", () => new AccessEvaluator(null!, []));
    }

    [Fact]
    public void PolicyDoc_ShowsTheTestedExample()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "ContainerSec.Core.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }

        string doc = File.ReadAllText(Path.Combine(root, "docs", "policy.md"));

        Assert.Contains("```json\n" + ProdExecJson.ReplaceLineEndings("\n") + "\n```", doc, StringComparison.Ordinal);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
