using System.Text;
using System.Text.Json;
using ContainerSec.Audit;
using ContainerSec.Conformance;
using ContainerSec.Cryptography;
using ContainerSec.Policy;
using ContainerSec.Tests.Policy;

namespace ContainerSec.Tests.Audit;

/// <summary>The auditing decorators: every decision becomes an event in a verifiable log, with policy levels and redaction applied.</summary>
public sealed class AuditingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 20, 0, 0, TimeSpan.Zero);

    private static readonly AuditPolicy Everything = new([new() { Level = AuditLevel.Metadata }]);

    private static RbacPolicy ShopPolicy() => new(
        roles: [new Role("shop", "pod-reader", [new PolicyRule(["get"], [""], ["pods", "secrets"])])],
        roleBindings: [new RoleBinding("shop", "pod-readers", new RoleRef(RoleRefKind.Role, "pod-reader"), [Subject.User("alice")])]);

    private static AccessRequest Get(string user, string ns, string resource = "pods", string name = "web", string path = "") =>
        AccessRequest.ForResource(new UserInfo(user, ["system:authenticated"]), "get", "", resource, ns, name, path: path);

    private static List<JsonElement> Events(IAuditLog log)
    {
        var events = new List<JsonElement>();
        for (ulong i = 0; i < log.Size; i++)
        {
            events.Add(JsonDocument.Parse(log.ReadEntry(i)).RootElement);
        }

        return events;
    }

    private static string Text(MerkleTreeAuditSink log) => string.Join("\n", Enumerable.Range(0, (int)log.Size).Select(i => Encoding.UTF8.GetString(log.ReadEntry((ulong)i))));

    /// <summary>Every entry's inclusion proof verifies against the root, and the root is the RFC 9162 root of the entries recomputed independently.</summary>
    private static void AssertLogVerifies(IAuditLog log)
    {
        byte[] root = log.GetRoot(log.Size);
        using var tree = new MerkleTree();
        using var hasher = new MerkleHasher();
        for (ulong i = 0; i < log.Size; i++)
        {
            byte[] entry = log.ReadEntry(i);
            tree.Append(entry);
            Assert.True(MerkleProof.VerifyInclusion(i, log.Size, hasher.HashLeaf(entry), log.GetInclusionProof(i, log.Size), root));
        }

        Assert.Equal(tree.GetRoot(), root);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Authorize_AllowedAndDenied_EachDecisionIsAnEventWithItsReason(bool compiled)
    {
        using var sink = new MerkleTreeAuditSink();
        IRbacAuthorizer inner = compiled ? new CompiledRbacAuthorizer(ShopPolicy()) : new RbacAuthorizer(ShopPolicy());
        var authorizer = new AuditingRbacAuthorizer(inner, new Auditor(sink, Everything, timeProvider: new FixedTime(Now)));

        RbacDecision allowed = authorizer.Authorize(Get("alice", "shop"));
        bool bobAllowed = authorizer.IsAllowed(Get("bob", "shop"));

        Assert.True(allowed.Allowed);
        Assert.False(bobAllowed);
        List<JsonElement> events = Events(sink);
        Assert.Equal(2, events.Count);
        foreach (var (e, user, code, decision) in new[] { (events[0], "alice", 200, "allow"), (events[1], "bob", 403, "forbid") })
        {
            Assert.Equal("shop", e.GetProperty("tenant").GetString());
            Assert.Equal(Auditor.AuthorizationEventType, e.GetProperty("eventType").GetString());
            Assert.Equal(("Metadata", "ResponseComplete", "get"), (e.GetProperty("level").GetString(), e.GetProperty("stage").GetString(), e.GetProperty("verb").GetString()));
            Assert.Equal(user, e.GetProperty("user").GetProperty("username").GetString());
            Assert.Equal("""{"name":"web","namespace":"shop","resource":"pods"}""", e.GetProperty("objectRef").GetRawText());
            Assert.Equal("pods/shop/web", e.GetProperty("objectID").GetString());
            Assert.Equal(code, e.GetProperty("responseStatus").GetProperty("code").GetInt32());
            Assert.Equal(decision, e.GetProperty("annotations").GetProperty(Auditor.DecisionAnnotation).GetString());
            Assert.Equal("2026-11-28T20:00:00.000000Z", e.GetProperty("stageTimestamp").GetString());
            Assert.True(Guid.TryParse(e.GetProperty("auditID").GetString(), out _));
        }

        Assert.Equal(allowed.Reason, events[0].GetProperty("reason").GetString());
        Assert.StartsWith("RBAC: no rules authorize user \"bob\"", events[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(events[0].GetProperty("auditID").GetString(), events[1].GetProperty("auditID").GetString());
        AssertLogVerifies(sink);
    }

    [Fact]
    public void Authorize_ExampleAuditPolicy_LevelFromTheFirstMatchingRule_NoneRecordsNothing()
    {
        using var sink = new MerkleTreeAuditSink();
        var cluster = new RbacPolicy(
            clusterRoles: [new ClusterRole("all", [new PolicyRule(["*"], ["*"], ["*"]), new PolicyRule(["*"], nonResourceUrls: ["*"])])],
            clusterRoleBindings: [new ClusterRoleBinding("all", "all", [Subject.Group("system:authenticated")])]);
        var authorizer = new AuditingRbacAuthorizer(new RbacAuthorizer(cluster), new Auditor(sink, AuditPolicyExamples.ExamplePolicy()));
        var alice = new UserInfo("alice", ["system:authenticated"]);

        Assert.True(authorizer.IsAllowed(AccessRequest.ForResource(alice, "update", "", "configmaps", "kube-system", "controller-leader")));
        Assert.True(authorizer.IsAllowed(AccessRequest.ForNonResource(alice, "get", "/version")));
        Assert.Equal(0UL, sink.Size);

        Assert.True(authorizer.IsAllowed(AccessRequest.ForResource(alice, "get", "", "pods", "shop", "web")));
        Assert.True(authorizer.IsAllowed(AccessRequest.ForResource(alice, "create", "", "configmaps", "kube-system", "cfg")));
        Assert.True(authorizer.IsAllowed(AccessRequest.ForNonResource(alice, "get", "/healthz")));
        Assert.True(authorizer.IsAllowed(AccessRequest.ForResource(alice, "list", "", "nodes")));

        List<JsonElement> events = Events(sink);
        Assert.Equal(["RequestResponse", "Request", "Metadata", "Request"], events.Select(e => e.GetProperty("level").GetString()));
        Assert.Equal(("/healthz", Auditor.ClusterTenant), (events[2].GetProperty("requestURI").GetString(), events[2].GetProperty("tenant").GetString()));
        Assert.False(events[2].TryGetProperty("objectRef", out _));
        Assert.Equal(("nodes//", ""), (events[3].GetProperty("objectID").GetString(), events[3].GetProperty("tenant").GetString()));
    }

    [Fact]
    public void Evaluate_DenyOverlayForbids_EventNamesTheOverlayAndRule()
    {
        using var sink = new MerkleTreeAuditSink();
        var admins = new RbacPolicy(
            clusterRoles: [new ClusterRole("cluster-admin", [new PolicyRule(["*"], ["*"], ["*"])])],
            clusterRoleBindings: [new ClusterRoleBinding("admins", "cluster-admin", [Subject.Group("admins")])]);
        var evaluator = new AuditingAccessEvaluator(
            new AccessEvaluator(new CompiledRbacAuthorizer(admins), [DenyOverlay.Parse(DenyOverlayTests.ProdExecJson)]),
            new Auditor(sink, Everything));
        AccessRequest exec = AccessRequest.ForResource(new UserInfo("alice", ["admins"]), "create", "", "pods", "shop", "web-0", "exec");

        AccessDecision prod = evaluator.Evaluate(exec, new RequestAttributes(namespaceLabels: new Dictionary<string, string> { ["tier"] = "prod" }));
        AccessDecision dev = evaluator.Evaluate(exec, new RequestAttributes(namespaceLabels: new Dictionary<string, string> { ["tier"] = "dev" }));

        Assert.Equal((false, true), (prod.Allowed, dev.Allowed));
        List<JsonElement> events = Events(sink);
        Assert.Equal(prod.Reason, events[0].GetProperty("reason").GetString());
        Assert.StartsWith("forbidden by rule \"exec-in-prod-only-sre\"", prod.Reason, StringComparison.Ordinal);
        JsonElement notes = events[0].GetProperty("annotations");
        Assert.Equal(("production-guardrails", "exec-in-prod-only-sre", "forbid"),
            (notes.GetProperty("containersec.io/deny-overlay").GetString(), notes.GetProperty("containersec.io/forbid-rule").GetString(), notes.GetProperty(Auditor.DecisionAnnotation).GetString()));
        Assert.Equal("pods/exec/shop/web-0", events[0].GetProperty("objectID").GetString());
        Assert.Equal((200, 403), (events[1].GetProperty("responseStatus").GetProperty("code").GetInt32(), events[0].GetProperty("responseStatus").GetProperty("code").GetInt32()));
        AssertLogVerifies(sink);
    }

    [Fact]
    public void Admission_PodSecurityImagePolicyAndVulnerabilities_DecisionsRecorded_ContentsNeverLogged()
    {
        using var sink = new MerkleTreeAuditSink();
        var admission = new AuditingAdmission(new Auditor(sink, Everything));
        AccessRequest create = AccessRequest.ForResource(new UserInfo("ci", ["deployers"]), "create", "", "pods", "shop", "web");
        using JsonDocument pod = JsonDocument.Parse("""
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
             "spec": {"containers": [{"name": "app", "image": "nginx", "securityContext": {"privileged": true},
               "env": [{"name": "DB_PASSWORD", "value": "hunter2-s3cr3t"}]}]}}
            """);
        using JsonDocument trivy = JsonDocument.Parse(File.ReadAllText(SharedData.PathOf("realdata", "trivy", "alpine-39.json.golden")));
        var images = new ImagePolicy(["registry.example.com/team/*"]);

        PodSecurityResult podSecurity = admission.EvaluatePodSecurity(create, pod.RootElement, PodSecurityLevel.Baseline, PodSecurityVersion.Latest);
        ImagePolicyResult refused = admission.EvaluateImage(create, images, "docker.io/library/nginx:latest");
        ImagePolicyResult pinned = admission.EvaluateImage(create, images, "registry.example.com/team/app@sha256:" + new string('a', 64));
        ImageVulnerabilityDecision vulnerable = admission.EvaluateVulnerabilities(create, new ImageVulnerabilityGate(VulnerabilitySeverity.Critical, new Dictionary<string, DateTimeOffset>()), TrivyReport.Parse(trivy.RootElement));

        Assert.Equal((false, false, true, false), (podSecurity.Allowed, refused.Allowed, pinned.Allowed, vulnerable.Allowed));
        List<JsonElement> events = Events(sink);
        Assert.All(events, e => Assert.Equal((Auditor.AdmissionEventType, "shop", "create"), (e.GetProperty("eventType").GetString(), e.GetProperty("tenant").GetString(), e.GetProperty("verb").GetString())));
        Assert.Equal(podSecurity.Message, events[0].GetProperty("reason").GetString());
        Assert.Contains("privileged", podSecurity.Message, StringComparison.Ordinal);
        Assert.Equal("pod-security", events[0].GetProperty("annotations").GetProperty(AuditingAdmission.CheckAnnotation).GetString());
        Assert.Equal("baseline:latest", events[0].GetProperty("annotations").GetProperty("pod-security.kubernetes.io/enforce-policy").GetString());
        Assert.Equal(("docker.io/library/nginx:latest", refused.ToString()), (events[1].GetProperty("objectID").GetString(), events[1].GetProperty("reason").GetString()));
        Assert.Equal((403, 200, 403), (events[1].GetProperty("responseStatus").GetProperty("code").GetInt32(), events[2].GetProperty("responseStatus").GetProperty("code").GetInt32(), events[3].GetProperty("responseStatus").GetProperty("code").GetInt32()));
        string vulnerabilities = events[3].GetProperty("reason").GetString()!;
        Assert.All(vulnerable.Blocking, f => Assert.Contains(f.Id, vulnerabilities, StringComparison.Ordinal));
        Assert.StartsWith($"blocked by {vulnerable.Blocking.Count} finding(s) at or above Critical", vulnerabilities, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", Text(sink), StringComparison.Ordinal);
        AssertLogVerifies(sink);
    }

    [Fact]
    public void Admission_SignaturesImageUserAndResources_DecisionsRecordedWithTheirChecks()
    {
        using var sink = new MerkleTreeAuditSink();
        var admission = new AuditingAdmission(new Auditor(sink, Everything));
        AccessRequest create = AccessRequest.ForResource(new UserInfo("ci", ["deployers"]), "create", "", "pods", "shop", "web");
        string image = "ghcr.io/org/app@sha256:" + new string('b', 64);
        using SigningKey key = SigningKey.Generate(SignatureAlgorithm.Ed25519);
        using VerificationKey verifier = key.GetVerificationKey();
        var signatures = new ImageSignaturePolicy([new ImageSignatureRule("ghcr.io/org/*", [verifier])]);
        byte[] payload = ImageSignaturePayload.Create(image);
        ImageSignature good = ImageSignature.FromKey(ImageSignature.GetKeyId(key), payload, key.Sign(payload));
        using JsonDocument pod = JsonDocument.Parse($$"""
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
             "spec": {"containers": [{"name": "app", "image": "{{image}}",
               "resources": {"requests": {"cpu": "3"}, "limits": {"cpu": "4"} } } ] } }
            """);
        var limits = new ResourceAdmissionPolicy(limitRanges: [new LimitRangePolicy("max", [new LimitRangeItem(LimitRangeType.Container, max: new Dictionary<string, ResourceQuantity> { ["cpu"] = ResourceQuantity.Parse("2") })])]);

        ImageSignatureDecision signed = admission.EvaluateImageSignatures(create, signatures, image, [good]);
        ImageSignatureDecision unsigned = admission.EvaluateImageSignatures(create, signatures, image, []);
        ImageUserDecision root = admission.EvaluateImageUser(create, pod.RootElement, _ => ImageUser.Parse("0"));
        ResourceAdmissionResult resources = admission.EvaluateResources(create, limits, pod.RootElement);

        Assert.Equal((true, false, false, false), (signed.Allowed, unsigned.Allowed, root.Allowed, resources.Allowed));
        List<JsonElement> events = Events(sink);
        Assert.Equal(["image-signature", "image-signature", "image-user", "resources"], events.Select(e => e.GetProperty("annotations").GetProperty(AuditingAdmission.CheckAnnotation).GetString()));
        Assert.Equal([200, 403, 403, 403], events.Select(e => e.GetProperty("responseStatus").GetProperty("code").GetInt32()));
        Assert.Equal([signed.ToString(), unsigned.ToString(), root.ToString(), resources.ToString()], events.Select(e => e.GetProperty("reason").GetString()));
        Assert.Contains("spec.containers[0].resources.limits.cpu", events[3].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(image, events[0].GetProperty("objectID").GetString());
        AssertLogVerifies(sink);
    }

    [Fact]
    public void Record_RedactorWithPseudonyms_UserHiddenEverywhere_SecretQueryDropped()
    {
        using var sink = new MerkleTreeAuditSink();
        using MacKey key = MacKey.Generate(MacAlgorithm.HmacSha256);
        var redactor = new AuditRedactor(["user.groups"], key);
        var authorizer = new AuditingRbacAuthorizer(new RbacAuthorizer(ShopPolicy()), new Auditor(sink, Everything, redactor));

        Assert.True(authorizer.IsAllowed(Get("alice", "shop", "secrets", "db", "/api/v1/namespaces/shop/secrets/db?token=abc123")));
        Assert.False(authorizer.IsAllowed(Get("alice", "other", "pods", "web", "/api/v1/namespaces/other/pods/web?watch=1")));

        List<JsonElement> events = Events(sink);
        string pseudonym = redactor.Pseudonymize("alice");
        Assert.All(events, e => Assert.Equal(pseudonym, e.GetProperty("user").GetProperty("username").GetString()));
        Assert.All(events, e => Assert.False(e.GetProperty("user").TryGetProperty("groups", out _)));
        Assert.Contains($"User \"{pseudonym}\"", events[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains($"user \"{pseudonym}\"", events[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("/api/v1/namespaces/shop/secrets/db", events[0].GetProperty("requestURI").GetString());
        Assert.Equal("/api/v1/namespaces/other/pods/web?watch=1", events[1].GetProperty("requestURI").GetString());
        string text = Text(sink);
        Assert.DoesNotContain("alice", text, StringComparison.Ordinal);
        Assert.DoesNotContain("abc123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("system:authenticated", text, StringComparison.Ordinal);
    }

    public static TheoryData<string> IdentityBindings => ["RoleBinding", "ClusterRoleBinding", "User"];

    /// <summary>
    /// With pseudonyms, no form of the user's identity may reach the log: the user name, RBAC's
    /// <c>ServiceAccount "name/namespace"</c> subject and the quoted groups.
    /// </summary>
    [Theory]
    [MemberData(nameof(IdentityBindings))]
    public void Record_PseudonymisedSubjectOfEachBindingKind_IdentityNotInLog(string binding)
    {
        using var sink = new MerkleTreeAuditSink();
        using MacKey key = MacKey.Generate(MacAlgorithm.HmacSha256);
        var redactor = new AuditRedactor(["user.groups"], key);
        bool serviceAccount = binding != "User";
        Subject subject = serviceAccount ? Subject.ServiceAccount("team-a", "ci-deployer") : Subject.User("ci-deployer@example.com");
        var rule = new PolicyRule(["get"], ["apps"], ["deployments"]);
        RbacPolicy policy = binding == "ClusterRoleBinding"
            ? new RbacPolicy(
                clusterRoles: [new ClusterRole("deployer", [rule])],
                clusterRoleBindings: [new ClusterRoleBinding("deployers", "deployer", [subject])])
            : new RbacPolicy(
                roles: [new Role("team-a", "deployer", [rule])],
                roleBindings: [new RoleBinding("team-a", "deployers", new RoleRef(RoleRefKind.Role, "deployer"), [subject])]);
        var authorizer = new AuditingRbacAuthorizer(new RbacAuthorizer(policy), new Auditor(sink, Everything, redactor));
        var user = new UserInfo(serviceAccount ? "system:serviceaccount:team-a:ci-deployer" : "ci-deployer@example.com", ["system:serviceaccounts", "system:serviceaccounts:team-a", "release-team"]);

        Assert.True(authorizer.IsAllowed(AccessRequest.ForResource(user, "get", "apps", "deployments", "team-a", "web")));
        Assert.False(authorizer.IsAllowed(AccessRequest.ForResource(user, "delete", "apps", "deployments", "team-a", "web")));

        string pseudonym = redactor.Pseudonymize(user.Name);
        List<JsonElement> events = Events(sink);
        Assert.All(events, e => Assert.Equal(pseudonym, e.GetProperty("user").GetProperty("username").GetString()));
        Assert.Contains($"{(serviceAccount ? "ServiceAccount" : "User")} \"{pseudonym}\"", events[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains($"user \"{pseudonym}\"", events[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        string text = Text(sink);
        Assert.DoesNotContain("ci-deployer", text, StringComparison.Ordinal);
        Assert.DoesNotContain("system:serviceaccount", text, StringComparison.Ordinal);
        Assert.DoesNotContain("release-team", text, StringComparison.Ordinal);
        AssertLogVerifies(sink);
    }

    [Fact]
    public void Record_UserNameRedactedServiceAccount_SubjectRedactedToo()
    {
        using var sink = new MerkleTreeAuditSink();
        var policy = new RbacPolicy(
            roles: [new Role("team-a", "deployer", [new PolicyRule(["get"], ["apps"], ["deployments"])])],
            roleBindings: [new RoleBinding("team-a", "deployers", new RoleRef(RoleRefKind.Role, "deployer"), [Subject.ServiceAccount("team-a", "ci-deployer")])]);
        var authorizer = new AuditingRbacAuthorizer(new RbacAuthorizer(policy), new Auditor(sink, Everything, new AuditRedactor(["user.username"])));

        Assert.True(authorizer.IsAllowed(AccessRequest.ForResource(new UserInfo("system:serviceaccount:team-a:ci-deployer"), "get", "apps", "deployments", "team-a", "web")));

        string reason = Events(sink)[0].GetProperty("reason").GetString()!;
        Assert.EndsWith($"to ServiceAccount \"{AuditRedactor.RedactedValue}\"", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("ci-deployer", Text(sink), StringComparison.Ordinal);
    }

    [Fact]
    public void Admission_CheckThrowsOnMalformedManifest_RecordedAsErrorThenRethrown()
    {
        using var sink = new MerkleTreeAuditSink();
        var admission = new AuditingAdmission(new Auditor(sink, Everything));
        AccessRequest create = AccessRequest.ForResource(new UserInfo("ci", ["deployers"]), "create", "", "pods", "shop", "web");
        using JsonDocument kindless = JsonDocument.Parse("""{"apiVersion": "v1", "metadata": {"name": "web"}, "spec": {"containers": []}}""");
        using JsonDocument badQuantity = JsonDocument.Parse("""
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
             "spec": {"containers": [{"name": "app", "image": "nginx", "resources": {"limits": {"cpu": "lots"}},
               "env": [{"name": "DB_PASSWORD", "value": "hunter2-s3cr3t"}]}]}}
            """);

        ArgumentException podSecurity = Assert.Throws<ArgumentException>(() => admission.EvaluatePodSecurity(create, kindless.RootElement, PodSecurityLevel.Baseline, PodSecurityVersion.Latest));
        ArgumentException resources = Assert.Throws<ArgumentException>(() => admission.EvaluateResources(create, new ResourceAdmissionPolicy(), badQuantity.RootElement));

        List<JsonElement> events = Events(sink);
        Assert.Equal(2, events.Count);
        Assert.Equal(["pod-security", "resources"], events.Select(e => e.GetProperty("annotations").GetProperty(AuditingAdmission.CheckAnnotation).GetString()));
        Assert.All(events, e => Assert.Equal(
            (403, "forbid", "ArgumentException", Auditor.AdmissionEventType),
            (e.GetProperty("responseStatus").GetProperty("code").GetInt32(), e.GetProperty("annotations").GetProperty(Auditor.DecisionAnnotation).GetString(),
             e.GetProperty("annotations").GetProperty(AuditingAdmission.ErrorAnnotation).GetString(), e.GetProperty("eventType").GetString())));
        Assert.Equal(["error: " + podSecurity.Message, "error: " + resources.Message], events.Select(e => e.GetProperty("reason").GetString()));
        Assert.Equal("baseline:latest", events[0].GetProperty("annotations").GetProperty("pod-security.kubernetes.io/enforce-policy").GetString());
        Assert.DoesNotContain("hunter2", Text(sink), StringComparison.Ordinal);
        AssertLogVerifies(sink);
    }

    [Fact]
    public void Admission_CheckThrowsAndSinkFails_SinkErrorPropagates()
    {
        var admission = new AuditingAdmission(new Auditor(new FailingSink(), Everything));
        using JsonDocument kindless = JsonDocument.Parse("""{"apiVersion": "v1"}""");
        AccessRequest create = AccessRequest.ForResource(new UserInfo("ci"), "create", "", "pods", "shop", "web");
        Assert.Throws<IOException>(() => admission.EvaluatePodSecurity(create, kindless.RootElement, PodSecurityLevel.Baseline, PodSecurityVersion.Latest));
    }

    private sealed class FailingSink : IAuditSink
    {
        public ulong Append(AuditEvent auditEvent) => throw new IOException("disk full");
    }

    [Fact]
    public void Record_TenantMapping_NamespacesOfOneTeamShareATenant()
    {
        using var sink = new MerkleTreeAuditSink();
        var auditor = new Auditor(sink, Everything, tenantOfNamespace: ns => ns.StartsWith("shop-", StringComparison.Ordinal) ? "shop" : ns);
        var authorizer = new AuditingRbacAuthorizer(new RbacAuthorizer(ShopPolicy()), auditor);

        foreach (string ns in new[] { "shop-frontend", "shop-db", "billing", "" })
        {
            authorizer.Authorize(Get("alice", ns));
        }

        Assert.Equal(["shop", "shop", "billing", ""], Events(sink).Select(e => e.GetProperty("tenant").GetString()));
        Assert.Throws<InvalidOperationException>(() => new Auditor(sink, Everything, tenantOfNamespace: _ => null!).TenantOf(Get("alice", "x")));
    }

    [Fact]
    public void Authorize_SinkFails_NoDecisionReturned()
    {
        string path = Path.Combine(Path.GetTempPath(), $"auditing-{Guid.NewGuid():N}.log");
        try
        {
            var sink = new DurableMerkleLogAuditSink(DurableMerkleLog.Open(path, new DurableMerkleLogOptions { FlushToDisk = false }));
            var authorizer = new AuditingRbacAuthorizer(new RbacAuthorizer(ShopPolicy()), new Auditor(sink, Everything));
            Assert.True(authorizer.IsAllowed(Get("alice", "shop")));
            sink.Dispose();

            Assert.Throws<ObjectDisposedException>(() => authorizer.Authorize(Get("alice", "shop")));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void DurableSink_EventsSurviveReopen_FileVerifies()
    {
        string path = Path.Combine(Path.GetTempPath(), $"auditing-{Guid.NewGuid():N}.log");
        try
        {
            byte[] root;
            List<string> before;
            using (var sink = new DurableMerkleLogAuditSink(DurableMerkleLog.Open(path)))
            {
                var authorizer = new AuditingRbacAuthorizer(new CompiledRbacAuthorizer(ShopPolicy()), new Auditor(sink, Everything));
                for (int i = 0; i < 10; i++)
                {
                    authorizer.Authorize(Get(i % 2 == 0 ? "alice" : "bob", "shop", name: $"web-{i}"));
                }

                root = sink.GetRoot(sink.Size);
                before = Events(sink).Select(e => e.GetRawText()).ToList();
                AssertLogVerifies(sink);
            }

            using (var reopened = new DurableMerkleLogAuditSink(DurableMerkleLog.Open(path)))
            {
                Assert.Equal(10UL, reopened.Size);
                Assert.Equal(root, reopened.GetRoot(10));
                Assert.Equal(before, Events(reopened).Select(e => e.GetRawText()));
            }

            LogVerificationResult verified = DurableMerkleLog.VerifyFile(path);
            Assert.Equal((true, 10UL), (verified.IsValid, verified.ValidEntries));
            Assert.Equal(root, verified.Root);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Authorize_FromManyThreads_EveryDecisionRecordedOnce_LogVerifies()
    {
        using var sink = new MerkleTreeAuditSink();
        var authorizer = new AuditingRbacAuthorizer(new CompiledRbacAuthorizer(ShopPolicy()), new Auditor(sink, Everything));

        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => authorizer.Authorize(Get(i % 2 == 0 ? "alice" : "bob", "shop", name: $"web-{i}")));

        Assert.Equal(400UL, sink.Size);
        List<JsonElement> events = Events(sink);
        Assert.Equal(400, events.Select(e => e.GetProperty("objectID").GetString()).Distinct().Count());
        Assert.Equal(200, events.Count(e => e.GetProperty("responseStatus").GetProperty("code").GetInt32() == 200));
        AssertLogVerifies(sink);
    }

    internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
