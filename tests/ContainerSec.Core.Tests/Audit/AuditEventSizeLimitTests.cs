using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContainerSec.Audit;
using ContainerSec.Cryptography;
using ContainerSec.Policy;

namespace ContainerSec.Tests.Audit;

/// <summary>
/// A tlog-tiles entry bundle holds entries of at most 65,535 bytes: the auditor truncates free-text
/// fields so that it never produces a larger event (recording the SHA-256 of each full value), and
/// the sinks refuse a larger hand-built event before writing anything, so an acknowledged event can
/// always be published.
/// </summary>
public sealed class AuditEventSizeLimitTests : IDisposable
{
    private const string Origin = "example.com/containersec/size";
    private static readonly AuditPolicy Everything = new([new() { Level = AuditLevel.Metadata }]);
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 22, 0, 0, TimeSpan.Zero);
    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-auditsize-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static AuditEvent Event(string reason) => new()
    {
        AuditId = "00000000-0000-0000-0000-000000000000",
        Tenant = "shop",
        EventType = Auditor.AuthorizationEventType,
        Verb = "get",
        User = new AuditUser("mallory"),
        Reason = reason,
        RequestReceivedTimestamp = Now,
        StageTimestamp = Now,
    };

    private static AccessRequest HealthzWithLongPath(int length) =>
        AccessRequest.ForNonResource(new UserInfo("mallory", ["system:authenticated"]), "get", "/healthz/" + new string('a', length));

    [Fact]
    public void Record_RequestPathOver64KiB_EventTruncatedAndDurableLogPublishes()
    {
        using DurableMerkleLog log = DurableMerkleLog.Open(Path.Combine(_scratch, "audit.log"), new DurableMerkleLogOptions { FlushToDisk = false });
        using var sink = new DurableMerkleLogAuditSink(log, leaveOpen: true);
        var auditor = new Auditor(sink, Everything);
        AccessRequest request = HealthzWithLongPath(70_000);

        auditor.Record(Auditor.AuthorizationEventType, request, false, "denied", Now);

        Assert.Equal(1UL, sink.Size);
        byte[] entry = sink.ReadEntry(0);
        Assert.InRange(entry.Length, 60_000, AuditEventSerializer.MaxEntryBytes);
        JsonElement e = JsonDocument.Parse(entry).RootElement;
        JsonElement notes = e.GetProperty("annotations");
        Assert.Equal(Sha256Hex(request.Path), notes.GetProperty("containersec.io/truncated-requestURI-sha256").GetString());
        Assert.Equal(Sha256Hex(request.Path), notes.GetProperty("containersec.io/truncated-objectID-sha256").GetString());
        Assert.EndsWith("...[truncated]", e.GetProperty("requestURI").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("/healthz/aaaa", e.GetProperty("objectID").GetString(), StringComparison.Ordinal);
        Assert.Equal("denied", e.GetProperty("reason").GetString()); // short fields are kept whole
        Assert.False(notes.TryGetProperty("containersec.io/truncated-reason-sha256", out _));

        using var signer = new NoteSigner(Origin, SigningKey.Generate(SignatureAlgorithm.Ed25519));
        using NoteVerifier verifier = signer.CreateVerifier();
        var storage = new TileDirectoryStorage(Path.Combine(_scratch, "tiles"), flushToDisk: false);
        using TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, signer);
        Assert.Equal(1UL, publisher.Publish(log).TreeSize);
        Assert.True(TiledLogVerifier.Verify(storage, Origin, [verifier]).IsValid);
    }

    [Fact]
    public void Record_LongReasonPathAndAnnotation_CutToOneLengthDeterministically()
    {
        using var sink = new MerkleTreeAuditSink();
        var auditor = new Auditor(sink, Everything);
        AccessRequest request = HealthzWithLongPath(50_000);
        string reason = "denied because " + new string('r', 40_000);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal) { ["example.com/note"] = new string('n', 30_000), ["example.com/short"] = "kept" };

        auditor.Record(Auditor.AuthorizationEventType, request, false, reason, Now, annotations: annotations);
        auditor.Record(Auditor.AuthorizationEventType, request, false, reason, Now, annotations: annotations);

        JsonElement[] events = [JsonDocument.Parse(sink.ReadEntry(0)).RootElement, JsonDocument.Parse(sink.ReadEntry(1)).RootElement];
        Assert.All([sink.ReadEntry(0), sink.ReadEntry(1)], entry => Assert.InRange(entry.Length, 1, AuditEventSerializer.MaxEntryBytes));
        foreach (string field in new[] { "reason", "requestURI", "objectID" })
        {
            Assert.Equal(events[0].GetProperty(field).GetString(), events[1].GetProperty(field).GetString()); // same cut every time
        }

        JsonElement notes = events[0].GetProperty("annotations");
        Assert.Equal(Sha256Hex(reason), notes.GetProperty("containersec.io/truncated-reason-sha256").GetString());
        Assert.Equal(Sha256Hex(annotations["example.com/note"]), notes.GetProperty("containersec.io/truncated-annotations.example.com/note-sha256").GetString());
        Assert.Equal("kept", notes.GetProperty("example.com/short").GetString());
        Assert.Equal("forbid", notes.GetProperty(Auditor.DecisionAnnotation).GetString());

        // One common length: every cut value is that many characters plus the marker.
        string cutReason = events[0].GetProperty("reason").GetString()!;
        int kept = cutReason.Length - "...[truncated]".Length;
        Assert.StartsWith(reason[..kept], cutReason, StringComparison.Ordinal);
        Assert.Equal(request.Path[..kept] + "...[truncated]", events[0].GetProperty("requestURI").GetString());
        Assert.Equal(new string('n', kept) + "...[truncated]", notes.GetProperty("example.com/note").GetString());
    }

    [Fact]
    public void Record_CutInsideSurrogatePair_KeepsWholeCodePoints()
    {
        using var sink = new MerkleTreeAuditSink();
        var auditor = new Auditor(sink, Everything);
        string reason = string.Concat(Enumerable.Repeat("\U0001F512", 40_000)); // 4 UTF-8 bytes per code point

        auditor.Record(Auditor.AuthorizationEventType, HealthzWithLongPath(1), true, reason, Now);

        string cut = JsonDocument.Parse(sink.ReadEntry(0)).RootElement.GetProperty("reason").GetString()!;
        string body = cut[..^"...[truncated]".Length];
        Assert.Equal(0, body.Length % 2);
        Assert.Equal(string.Concat(Enumerable.Repeat("\U0001F512", body.Length / 2)), body);
        Assert.InRange(sink.ReadEntry(0).Length, 60_000, AuditEventSerializer.MaxEntryBytes);
    }

    [Fact]
    public void Record_UserNameAloneOverTheLimit_ArgumentExceptionNothingRecorded()
    {
        using var sink = new MerkleTreeAuditSink();
        var auditor = new Auditor(sink, Everything);
        var request = AccessRequest.ForNonResource(new UserInfo(new string('u', 70_000)), "get", "/healthz");

        ArgumentException error = Assert.Throws<ArgumentException>(() => auditor.Record(Auditor.AuthorizationEventType, request, true, "ok", Now));
        Assert.Contains("65535", error.Message, StringComparison.Ordinal);
        Assert.Equal(0UL, sink.Size);
    }

    [Fact]
    public void Append_HandBuiltEventAtAndOverTheLimit_LimitAcceptedOneMoreByteRefused()
    {
        int overhead = AuditEventSerializer.ToCanonicalJson(Event("")).Length;
        AuditEvent atLimit = Event(new string('x', AuditEventSerializer.MaxEntryBytes - overhead));
        AuditEvent over = Event(new string('x', AuditEventSerializer.MaxEntryBytes - overhead + 1));
        Assert.Equal(AuditEventSerializer.MaxEntryBytes, AuditEventSerializer.ToCanonicalJson(atLimit).Length);

        using var memory = new MerkleTreeAuditSink();
        Assert.Equal(0UL, memory.Append(atLimit));
        Assert.Equal("auditEvent", Assert.Throws<ArgumentException>(() => memory.Append(over)).ParamName);
        Assert.Equal(1UL, memory.Size);

        string path = Path.Combine(_scratch, "durable.log");
        using (DurableMerkleLog log = DurableMerkleLog.Open(path, new DurableMerkleLogOptions { FlushToDisk = false }))
        using (var durable = new DurableMerkleLogAuditSink(log, leaveOpen: true))
        {
            Assert.Equal(0UL, durable.Append(atLimit));
            long length = new FileInfo(path).Length;
            ArgumentException refused = Assert.Throws<ArgumentException>(() => durable.Append(over));
            Assert.Contains("65535", refused.Message, StringComparison.Ordinal);
            Assert.Equal((1UL, length), (durable.Size, new FileInfo(path).Length)); // nothing written
            Assert.Equal(1UL, durable.Append(Event("after"))); // the log is still usable
        }

        using DurableMerkleLog reopened = DurableMerkleLog.Open(path, new DurableMerkleLogOptions { FlushToDisk = false });
        Assert.Equal(2UL, reopened.Size);
    }
}
