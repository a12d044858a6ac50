using System.Text.Json;
using ContainerSec.Audit;
using ContainerSec.Policy;

namespace ContainerSec.Tests.Audit;

/// <summary>Tenants read and prove only their own entries of the one global log, as RBAC allows.</summary>
public sealed class TenantLogReaderTests
{
    private static readonly AuditPolicy Everything = new([new() { Level = AuditLevel.Metadata }]);

    private static readonly UserInfo Alice = new("alice");
    private static readonly UserInfo Bob = new("bob");
    private static readonly UserInfo Auditor = new("carol", ["auditors"]);

    /// <summary>Alice reads tenant-a's audit entries, Bob tenant-b's, group auditors every tenant's; everybody may get pods everywhere.</summary>
    private static RbacPolicy ReaderPolicy() => new(
        clusterRoles:
        [
            new ClusterRole("audit-reader", [new PolicyRule(["get"], [TenantLogReader.ApiGroup], [TenantLogReader.Resource])]),
            new ClusterRole("pod-reader", [new PolicyRule(["get"], [""], ["pods", "nodes"])]),
        ],
        roleBindings:
        [
            new RoleBinding("tenant-a", "audit-readers", new RoleRef(RoleRefKind.ClusterRole, "audit-reader"), [Subject.User("alice")]),
            new RoleBinding("tenant-b", "audit-readers", new RoleRef(RoleRefKind.ClusterRole, "audit-reader"), [Subject.User("bob")]),
        ],
        clusterRoleBindings:
        [
            new ClusterRoleBinding("auditors", "audit-reader", [Subject.Group("auditors")]),
            new ClusterRoleBinding("pods", "pod-reader", [Subject.Group("system:authenticated")]),
        ]);

    /// <summary>Writes 30 decisions: namespaces tenant-a, tenant-b and cluster-scoped nodes in turn.</summary>
    private static void WriteDecisions(IAuditSink sink, int count = 30, int start = 0)
    {
        var authorizer = new AuditingRbacAuthorizer(new CompiledRbacAuthorizer(ReaderPolicy()), new Auditor(sink, Everything));
        var user = new UserInfo("dev", ["system:authenticated"]);
        for (int i = start; i < start + count; i++)
        {
            authorizer.Authorize((i % 3) switch
            {
                0 => AccessRequest.ForResource(user, "get", "", "pods", "tenant-a", $"a-{i}"),
                1 => AccessRequest.ForResource(user, "get", "", "pods", "tenant-b", $"b-{i}"),
                _ => AccessRequest.ForResource(user, "get", "", "nodes", "", $"node-{i}"),
            });
        }
    }

    private static string TenantOf(byte[] entry) => JsonDocument.Parse(entry).RootElement.GetProperty("tenant").GetString()!;

    private static (MerkleTreeAuditSink Sink, TenantLogReader Reader) Setup()
    {
        var sink = new MerkleTreeAuditSink();
        WriteDecisions(sink);
        return (sink, new TenantLogReader(sink, new RbacAuthorizer(ReaderPolicy())));
    }

    [Fact]
    public void ReadEntries_OwnTenant_ExactlyTheTenantsEntries()
    {
        var (sink, reader) = Setup();
        using (sink)
        {
            TenantLogResult<IReadOnlyList<TenantLogEntry>> a = reader.ReadEntries(Alice, "tenant-a");

            Assert.True(a.Allowed);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (ulong)(3 * i)), a.Value!.Select(e => e.Index));
            Assert.All(a.Value!, e => Assert.Equal("tenant-a", TenantOf(e.Entry)));
            Assert.All(a.Value!, e => Assert.Equal(sink.ReadEntry(e.Index), e.Entry));
            Assert.All(a.Value!, e => Assert.Equal(sink.GetLeafHash(e.Index), e.LeafHash));
        }
    }

    [Fact]
    public void ReadEntries_OtherTenant_RefusedWithTheRbacReason()
    {
        var (sink, reader) = Setup();
        using (sink)
        {
            TenantLogResult<IReadOnlyList<TenantLogEntry>> b = reader.ReadEntries(Alice, "tenant-b");
            TenantLogResult<IReadOnlyList<TenantLogEntry>> cluster = reader.ReadEntries(Alice, global::ContainerSec.Audit.Auditor.ClusterTenant);

            Assert.False(b.Allowed);
            Assert.Null(b.Value);
            Assert.StartsWith("user \"alice\" may not read the audit entries of tenant \"tenant-b\": RBAC: no rules authorize user \"alice\"", b.Reason, StringComparison.Ordinal);
            Assert.Contains("auditentries.audit.containersec.io", b.Reason, StringComparison.Ordinal);
            Assert.False(cluster.Allowed);
            Assert.True(reader.ReadEntries(Bob, "tenant-b").Allowed);
        }
    }

    [Fact]
    public void ReadEntryAndProof_AnotherTenantsIndexThroughOwnTenant_Refused()
    {
        var (sink, reader) = Setup();
        using (sink)
        {
            foreach (ulong index in new ulong[] { 1, 2, 28, 29, 30, 1000 })
            {
                TenantLogResult<TenantLogEntry> entry = reader.ReadEntry(Alice, "tenant-a", index);
                TenantLogResult<TenantInclusionProof> proof = reader.GetInclusionProof(Alice, "tenant-a", index, sink.Size);

                Assert.False(entry.Allowed);
                Assert.False(proof.Allowed);
                Assert.Equal($"entry {index} is not an entry of tenant \"tenant-a\"", entry.Reason);
                Assert.Equal(entry.Reason, proof.Reason);
            }

            Assert.False(reader.GetInclusionProof(Alice, "tenant-b", 1, sink.Size).Allowed);
            Assert.True(reader.ReadEntry(Alice, "tenant-a", 27).Allowed);
        }
    }

    [Fact]
    public void GetInclusionProof_OwnEntries_VerifyAgainstTheGlobalRootNowAndAtEarlierCheckpoints()
    {
        var (sink, reader) = Setup();
        using (sink)
        using (var hasher = new MerkleHasher())
        {
            byte[] root = sink.GetRoot(sink.Size);
            byte[] wrong = (byte[])root.Clone();
            wrong[0] ^= 1;
            foreach (TenantLogEntry entry in reader.ReadEntries(Alice, "tenant-a").Value!)
            {
                TenantInclusionProof proof = reader.GetInclusionProof(Alice, "tenant-a", entry.Index, sink.Size).Value!;
                Assert.True(proof.Verify(root));
                Assert.True(MerkleProof.VerifyInclusion(entry.Index, sink.Size, hasher.HashLeaf(entry.Entry), proof.Proof, root));
                Assert.False(proof.Verify(wrong));
                Assert.Equal(root, proof.Root);

                ulong earlier = entry.Index + 1;
                TenantInclusionProof old = reader.GetInclusionProof(Alice, "tenant-a", entry.Index, earlier).Value!;
                Assert.True(old.Verify(sink.GetRoot(earlier)));
                Assert.Equal(earlier == sink.Size, old.Verify(root));
            }

            Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetInclusionProof(Alice, "tenant-a", 3, sink.Size + 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetInclusionProof(Alice, "tenant-a", 3, 3));
        }
    }

    [Fact]
    public void ClusterWideGrant_ReadsEveryTenant_AndNewEntriesAreIndexedOnTheNextCall()
    {
        var (sink, reader) = Setup();
        using (sink)
        {
            Assert.Equal(10, reader.ReadEntries(Auditor, "tenant-b").Value!.Count);
            Assert.Equal(10, reader.ReadEntries(Auditor, "").Value!.Count);
            Assert.Empty(reader.ReadEntries(Auditor, "tenant-c").Value!);

            WriteDecisions(sink, 6, 30);

            Assert.Equal(12, reader.ReadEntries(Auditor, "tenant-a").Value!.Count);
            Assert.True(reader.ReadEntry(Alice, "tenant-a", 33).Allowed);
        }
    }

    [Fact]
    public void Open_DurableLog_IndexRebuiltFromTheEntries()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tenants-{Guid.NewGuid():N}.log");
        try
        {
            List<ulong> before;
            var options = new DurableMerkleLogOptions { FlushToDisk = false };
            using (var sink = new DurableMerkleLogAuditSink(DurableMerkleLog.Open(path, options)))
            {
                WriteDecisions(sink);
                before = [.. new TenantLogReader(sink, new RbacAuthorizer(ReaderPolicy())).ReadEntries(Bob, "tenant-b").Value!.Select(e => e.Index)];
            }

            using (var reopened = new DurableMerkleLogAuditSink(DurableMerkleLog.Open(path, options)))
            {
                var reader = new TenantLogReader(reopened, new AccessEvaluator(new RbacAuthorizer(ReaderPolicy()), []));
                IReadOnlyList<TenantLogEntry> after = reader.ReadEntries(Bob, "tenant-b").Value!;

                Assert.Equal(before, after.Select(e => e.Index));
                Assert.Equal(10, before.Count);
                Assert.All(after, e => Assert.True(reader.GetInclusionProof(Bob, "tenant-b", e.Index, reopened.Size).Value!.Verify(reopened.GetRoot(reopened.Size))));
                Assert.False(reader.ReadEntry(Bob, "tenant-b", 0).Allowed);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PurgedEntries_BelongToNoReadableTenant_RetainedEntriesStillReadAndProved()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tenants-{Guid.NewGuid():N}.log");
        try
        {
            var options = new DurableMerkleLogOptions { FlushToDisk = false };
            using var log = DurableMerkleLog.Open(path, options);
            using var sink = new DurableMerkleLogAuditSink(log, leaveOpen: true);
            WriteDecisions(sink);
            var reader = new TenantLogReader(sink, new RbacAuthorizer(ReaderPolicy())); // indexed before the purge
            byte[] root = sink.GetRoot(30);
            Assert.Equal(10, reader.ReadEntries(Alice, "tenant-a").Value!.Count);

            Assert.Equal(13UL, log.PurgePayloads(13));
            Assert.Equal(13UL, sink.PurgedEntries);

            foreach (TenantLogReader r in new[] { reader, new TenantLogReader(sink, new RbacAuthorizer(ReaderPolicy())) })
            {
                IReadOnlyList<TenantLogEntry> a = r.ReadEntries(Alice, "tenant-a").Value!;
                Assert.Equal(Enumerable.Range(5, 5).Select(i => (ulong)(3 * i)), a.Select(e => e.Index)); // 0..12 purged
                TenantLogResult<TenantLogEntry> purged = r.ReadEntry(Alice, "tenant-a", 12);
                Assert.False(purged.Allowed);
                Assert.Contains("not an entry of tenant", purged.Reason, StringComparison.Ordinal);
                Assert.False(r.GetInclusionProof(Alice, "tenant-a", 3, 30).Allowed);
                Assert.All(a, e => Assert.True(r.GetInclusionProof(Alice, "tenant-a", e.Index, 30).Value!.Verify(root)));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Reads_ThroughAnAuditingAuthorizer_AreThemselvesRecordedInTheTenantsLog()
    {
        var (sink, _) = Setup();
        using (sink)
        {
            var audited = new AuditingRbacAuthorizer(new RbacAuthorizer(ReaderPolicy()), new Auditor(sink, Everything));
            var reader = new TenantLogReader(sink, audited);

            Assert.False(reader.ReadEntries(Alice, "tenant-b").Allowed);

            // Bob's own read is authorized (and recorded) before the entries are read: it is the last one.
            IReadOnlyList<TenantLogEntry> entries = reader.ReadEntries(Bob, "tenant-b").Value!;
            JsonElement e = JsonDocument.Parse(entries[^2].Entry).RootElement;
            Assert.Equal("bob", JsonDocument.Parse(entries[^1].Entry).RootElement.GetProperty("user").GetProperty("username").GetString());
            Assert.Equal(("alice", "forbid"), (e.GetProperty("user").GetProperty("username").GetString(), e.GetProperty("annotations").GetProperty(global::ContainerSec.Audit.Auditor.DecisionAnnotation).GetString()));
            Assert.Equal("auditentries", e.GetProperty("objectRef").GetProperty("resource").GetString());
        }
    }
}
