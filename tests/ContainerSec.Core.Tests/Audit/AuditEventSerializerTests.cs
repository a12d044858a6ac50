using System.Text;
using System.Text.Json;
using ContainerSec.Audit;
using FsCheck;
using FsCheck.Fluent;
using ContainerSec.Tests.Cryptography;

namespace ContainerSec.Tests.Audit;

/// <summary>The canonical (RFC 8785) audit event serialisation: exact bytes, ordering, escaping, determinism.</summary>
public sealed class AuditEventSerializerTests
{
    private static readonly DateTimeOffset Received = new(2026, 11, 28, 19, 0, 0, TimeSpan.Zero);

    private static AuditEvent Sample() => new()
    {
        AuditId = "a1",
        Tenant = "team-a",
        EventType = "authorization",
        Verb = "get",
        User = new AuditUser("alice", Groups: ["dev", "ops"]),
        SourceIps = ["10.0.0.1"],
        ObjectRef = new AuditObjectReference(Resource: "pods", Namespace: "default", Name: "web"),
        ResponseCode = 403,
        Reason = "no rule grants get on pods",
        RequestReceivedTimestamp = Received,
        StageTimestamp = Received.AddTicks(1234560),
        Annotations = new Dictionary<string, string> { ["z"] = "1", ["authorization.k8s.io/decision"] = "forbid" },
    };

    [Fact]
    public void ToCanonicalJson_Sample_ExactBytes()
    {
        string json = Encoding.UTF8.GetString(AuditEventSerializer.ToCanonicalJson(Sample()));

        Assert.Equal(
            "{\"annotations\":{\"authorization.k8s.io/decision\":\"forbid\",\"z\":\"1\"},\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"a1\","
            + "\"eventType\":\"authorization\",\"kind\":\"Event\",\"level\":\"Metadata\",\"objectRef\":{\"name\":\"web\",\"namespace\":\"default\",\"resource\":\"pods\"},"
            + "\"reason\":\"no rule grants get on pods\",\"requestReceivedTimestamp\":\"2026-11-28T19:00:00.000000Z\",\"responseStatus\":{\"code\":403},"
            + "\"sourceIPs\":[\"10.0.0.1\"],\"stage\":\"ResponseComplete\",\"stageTimestamp\":\"2026-11-28T19:00:00.123456Z\",\"tenant\":\"team-a\","
            + "\"user\":{\"groups\":[\"dev\",\"ops\"],\"username\":\"alice\"},\"verb\":\"get\"}",
            json);
    }

    [Fact]
    public void ToCanonicalJson_Escaping_AsJcs()
    {
        AuditEvent e = Sample() with { Reason = "q\"b\\\b\f\n\r\t\u0001\u001f é€😀\u2028/" };

        string json = Encoding.UTF8.GetString(AuditEventSerializer.ToCanonicalJson(e));

        Assert.Contains("\"reason\":\"q\\\"b\\\\\\b\\f\\n\\r\\t\\u0001\\u001f é€😀\u2028/\"", json, StringComparison.Ordinal);
        Assert.Equal(e.Reason, JsonDocument.Parse(json).RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public void ToCanonicalJson_OffsetTimestamp_WrittenInUtc()
    {
        AuditEvent e = Sample() with { RequestReceivedTimestamp = new DateTimeOffset(2026, 11, 28, 21, 0, 0, TimeSpan.FromHours(2)) };

        Assert.Contains("\"requestReceivedTimestamp\":\"2026-11-28T19:00:00.000000Z\"", Encoding.UTF8.GetString(AuditEventSerializer.ToCanonicalJson(e)), StringComparison.Ordinal);
    }

    [Fact]
    public void ToCanonicalJson_LoneSurrogateOrNullItem_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => AuditEventSerializer.ToCanonicalJson(Sample() with { Reason = "x" + (char)0xDC00 }));
        Assert.Throws<ArgumentException>(() => AuditEventSerializer.ToCanonicalJson(Sample() with { SourceIps = [null!] }));
        Assert.Throws<ArgumentNullException>(() => AuditEventSerializer.ToCanonicalJson(null!));
    }

    [Fact]
    public void ToCanonicalJson_AnyStrings_DeterministicSortedAndParsesBack()
    {
        Gen<string> text = Gen.Elements("a", "é", "\n", "\"", "\\", "😀", "\u0007", "Z", "", " ").ArrayOf().Select(parts => string.Concat(parts));
        TestBytes.Check(Prop.ForAll(Gen.Zip(text, text).ToArbitrary(), c =>
        {
            AuditEvent e = Sample() with
            {
                Reason = c.Item1,
                Annotations = new Dictionary<string, string> { [c.Item1] = c.Item2, [c.Item2 + "x"] = c.Item1 },
            };
            byte[] first = AuditEventSerializer.ToCanonicalJson(e);
            byte[] second = AuditEventSerializer.ToCanonicalJson(e with { Annotations = e.Annotations!.Reverse().ToDictionary() });

            Assert.Equal(first, second);
            using JsonDocument doc = JsonDocument.Parse(first);
            Assert.Equal(c.Item1, doc.RootElement.GetProperty("reason").GetString());
            string[] names = [.. doc.RootElement.EnumerateObject().Select(p => p.Name)];
            Assert.Equal(names.Order(StringComparer.Ordinal), names);
            string[] keys = [.. doc.RootElement.GetProperty("annotations").EnumerateObject().Select(p => p.Name)];
            Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        }), 200);
    }

    [Fact]
    public void ToCanonicalJson_AsMerkleLeaf_ChangesWithAnyField()
    {
        using var hasher = new MerkleHasher();
        byte[] a = hasher.HashLeaf(AuditEventSerializer.ToCanonicalJson(Sample()));

        Assert.NotEqual(a, hasher.HashLeaf(AuditEventSerializer.ToCanonicalJson(Sample() with { Tenant = "team-b" })));
        Assert.NotEqual(a, hasher.HashLeaf(AuditEventSerializer.ToCanonicalJson(Sample() with { ResponseCode = 200 })));
        Assert.Equal(a, hasher.HashLeaf(AuditEventSerializer.ToCanonicalJson(Sample())));
    }
}
