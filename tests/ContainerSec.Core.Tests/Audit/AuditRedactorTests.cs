using System.Text;
using ContainerSec.Audit;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Audit;

/// <summary><see cref="AuditRedactor"/>: path redaction, keyed pseudonyms, secret query strings and refused paths.</summary>
public sealed class AuditRedactorTests
{
    private static AuditEvent Sample() => new()
    {
        AuditId = "a1",
        Tenant = "team-a",
        EventType = "authorization",
        Verb = "get",
        RequestUri = "/api/v1/namespaces/default/secrets/db?token=hunter2",
        User = new AuditUser("alice", "uid-1", ["dev"]),
        SourceIps = ["10.0.0.1"],
        ObjectRef = new AuditObjectReference(Resource: "secrets", Namespace: "default", Name: "db"),
        Reason = "allowed",
        Annotations = new Dictionary<string, string> { ["keep"] = "k", ["drop"] = "secret-ish" },
    };

    [Fact]
    public void Redact_Paths_RedactedAndOriginalUnchanged()
    {
        var redactor = new AuditRedactor(["user.groups", "sourceIPs", "objectRef.name", "annotations.drop", "reason"]);
        AuditEvent original = Sample();

        AuditEvent e = redactor.Redact(original);

        Assert.Null(e.User!.Groups);
        Assert.Null(e.SourceIps);
        Assert.Equal(AuditRedactor.RedactedValue, e.ObjectRef!.Name);
        Assert.Equal("default", e.ObjectRef.Namespace);
        Assert.Equal(AuditRedactor.RedactedValue, e.Annotations!["drop"]);
        Assert.Equal("k", e.Annotations["keep"]);
        Assert.Equal(AuditRedactor.RedactedValue, e.Reason);
        Assert.Equal("alice", e.User.Username);
        Assert.Equal("db", original.ObjectRef!.Name);
        string json = Encoding.UTF8.GetString(AuditEventSerializer.ToCanonicalJson(e));
        Assert.DoesNotContain("secret-ish", json, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.0.1", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_SecretRequest_QueryStringDropped()
    {
        AuditEvent e = new AuditRedactor([]).Redact(Sample());

        Assert.Equal("/api/v1/namespaces/default/secrets/db", e.RequestUri);
        Assert.DoesNotContain("hunter2", Encoding.UTF8.GetString(AuditEventSerializer.ToCanonicalJson(e)), StringComparison.Ordinal);
        AuditEvent pod = Sample() with { ObjectRef = new AuditObjectReference(Resource: "pods") };
        Assert.Equal(pod.RequestUri, new AuditRedactor([]).Redact(pod).RequestUri);
    }

    [Fact]
    public void Redact_PseudonymKey_StablePerKeyAndHidesName()
    {
        using MacKey key = MacKey.Generate(MacAlgorithm.HmacSha256);
        using MacKey other = MacKey.Generate(MacAlgorithm.HmacSha256);
        var redactor = new AuditRedactor([], key);

        AuditEvent first = redactor.Redact(Sample());
        AuditEvent second = redactor.Redact(Sample() with { AuditId = "a2" });

        Assert.StartsWith("pseudonym:", first.User!.Username, StringComparison.Ordinal);
        Assert.Equal(first.User.Username, second.User!.Username);
        Assert.NotEqual(first.User.Username, new AuditRedactor([], other).Redact(Sample()).User!.Username);
        Assert.NotEqual(first.User.Username, redactor.Pseudonymize("bob"));
        Assert.NotEqual("uid-1", first.User.Uid);
        Assert.DoesNotContain("alice", Encoding.UTF8.GetString(AuditEventSerializer.ToCanonicalJson(first)), StringComparison.Ordinal);
        byte[] mac = key.Compute("user\0alice"u8);
        Assert.Equal("pseudonym:" + Convert.ToHexStringLower(mac.AsSpan(0, 16)), first.User.Username);
    }

    [Theory]
    [InlineData("user.password")]
    [InlineData("annotations.")]
    [InlineData("")]
    public void Constructor_UnknownPath_ThrowsArgumentException(string path)
    {
        Assert.Equal("redactedPaths", Assert.Throws<ArgumentException>(() => new AuditRedactor([path])).ParamName);
    }

    [Fact]
    public void Pseudonymize_WithoutKey_ThrowsInvalidOperation()
    {
        Assert.Throws<InvalidOperationException>(() => new AuditRedactor([]).Pseudonymize("alice"));
    }
}
