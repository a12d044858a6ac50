using System.Text.Json;
using ContainerSec.Conformance;
using ContainerSec.Policy;
using ContainerSec.Tests.Cryptography;

namespace ContainerSec.Tests.Policy;

public sealed class ImagePolicyTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("nginx", "docker.io", "library/nginx", null, null)]
    [InlineData("nginx:1.27", "docker.io", "library/nginx", "1.27", null)]
    [InlineData("bitnami/redis:7", "docker.io", "bitnami/redis", "7", null)]
    [InlineData("registry.example.com:5000/team/app:v1@" + Digest, "registry.example.com:5000", "team/app", "v1", Digest)]
    [InlineData("localhost/app@" + Digest, "localhost", "app", null, Digest)]
    [InlineData("ghcr.io/org/sub/app", "ghcr.io", "org/sub/app", null, null)]
    public void Parse_ValidReference_Normalised(string text, string registry, string repository, string? tag, string? digest)
    {
        ImageReference reference = ImageReference.Parse(text);

        Assert.Equal((registry, repository, tag, digest), (reference.Registry, reference.Repository, reference.Tag, reference.Digest));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Nginx")]
    [InlineData("nginx:")]
    [InlineData("nginx@sha256:abc")]
    [InlineData("nginx@md5:0123456789abcdef0123456789abcdef")]
    [InlineData("nginx:-bad")]
    [InlineData("a//b")]
    public void Parse_InvalidReference_Throws(string text) => Assert.Throws<ArgumentException>("reference", () => ImageReference.Parse(text));

    [Theory]
    [InlineData("registry.example.com/team/app@" + Digest, true)]
    [InlineData("registry.example.com/team/app:1.0@" + Digest, true)]
    [InlineData("registry.example.com/team/app:1.0", false)]        // tag only
    [InlineData("registry.example.com/team/app", false)]            // implicit :latest
    [InlineData("registry.example.com/team/sub/app@" + Digest, false)] // * is one segment
    [InlineData("registry.example.com/other/app@" + Digest, false)]
    [InlineData("ghcr.io/org/a/b/c@" + Digest, true)]               // /** any depth
    [InlineData("ghcr.io/org@" + Digest, false)]
    [InlineData("ghcr.io/orgx/a@" + Digest, false)]
    [InlineData("docker.io/library/nginx@" + Digest, true)]
    [InlineData("nginx@" + Digest, true)]
    [InlineData("Bad Reference", false)]
    public void Evaluate_RepositoryPatternsAndDigestPinning_TruthTable(string image, bool allowed)
    {
        var policy = new ImagePolicy(["registry.example.com/team/*", "ghcr.io/org/**", "docker.io/library/nginx"]);

        ImagePolicyResult result = policy.Evaluate(image);

        Assert.Equal(allowed, result.Allowed);
        Assert.Equal(allowed, result.Reasons.Count == 0);
    }

    [Fact]
    public void Evaluate_TagOnly_ReasonSaysDigestRequired()
    {
        ImagePolicyResult result = new ImagePolicy(["docker.io/library/*"]).Evaluate("nginx:latest");

        Assert.Contains("not pinned by digest", Assert.Single(result.Reasons), StringComparison.Ordinal);
        Assert.True(new ImagePolicy(["docker.io/library/*"], requireDigest: false).Evaluate("nginx:latest").Allowed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Registry.example.com/*")]
    public void Constructor_InvalidPattern_Throws(string pattern) => Assert.Throws<ArgumentException>("allowedRepositories", () => new ImagePolicy([pattern]));

    [Theory]
    [InlineData("alpine-39.json.golden", VulnerabilitySeverity.Critical, 2)]  // musl, musl-utils CVE-2019-14697
    [InlineData("alpine-39.json.golden", VulnerabilitySeverity.Medium, 6)]
    [InlineData("alpine-310.json.golden", VulnerabilitySeverity.Medium, 4)]
    [InlineData("alpine-310.json.golden", VulnerabilitySeverity.High, 0)]
    public void Gate_RealTrivyReport_BlocksAtOrAboveThreshold(string file, VulnerabilitySeverity threshold, int blocking)
    {
        TrivyReport report = Load(file);

        ImageVulnerabilityDecision decision = new ImageVulnerabilityGate(threshold, new Dictionary<string, DateTimeOffset>()).Evaluate(report);

        Assert.Equal(blocking, decision.Blocking.Count);
        Assert.Equal(blocking == 0, decision.Allowed);
        Assert.All(decision.Blocking, f => Assert.True(f.Severity >= threshold));
    }

    [Fact]
    public void Gate_AllowListEntry_WaivesUntilItExpires()
    {
        TrivyReport report = Load("alpine-39.json.golden");
        var now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        var allow = new Dictionary<string, DateTimeOffset> { ["CVE-2019-14697"] = now.AddDays(1) };

        ImageVulnerabilityDecision live = new ImageVulnerabilityGate(VulnerabilitySeverity.Critical, allow, new FixedTimeProvider(now)).Evaluate(report);
        ImageVulnerabilityDecision expired = new ImageVulnerabilityGate(VulnerabilitySeverity.Critical, allow, new FixedTimeProvider(now.AddDays(2))).Evaluate(report);

        Assert.True(live.Allowed);
        Assert.Equal(2, live.Waived.Count);
        Assert.False(expired.Allowed);
        Assert.Equal(["CVE-2019-14697"], expired.ExpiredWaivers);
        Assert.Equal("musl", expired.Blocking[0].Package);
    }

    [Theory]
    [InlineData("""{"SchemaVersion":1,"Results":[]}""")]
    [InlineData("""{"SchemaVersion":2,"Results":[{"Target":"x","Vulnerabilities":[{"VulnerabilityID":"CVE-1","Severity":"SEVERE"}]}]}""")]
    [InlineData("""{"SchemaVersion":2,"Results":[{"Target":"x","Vulnerabilities":[{"Severity":"LOW"}]}]}""")]
    public void ParseReport_Malformed_Throws(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);

        Assert.Throws<ArgumentException>(() => TrivyReport.Parse(document.RootElement));
    }

    private static TrivyReport Load(string file)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(SharedData.PathOf("realdata", "trivy", file)));
        return TrivyReport.Parse(document.RootElement);
    }
}
