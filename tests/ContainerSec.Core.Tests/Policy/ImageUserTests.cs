using System.Text;
using System.Text.Json;
using ContainerSec.Conformance;
using ContainerSec.Policy;

namespace ContainerSec.Tests.Policy;

public sealed class ImageUserTests
{
    private const string Digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("", 0L, null, true)]
    [InlineData("0", 0L, null, true)]
    [InlineData("00", 0L, null, true)]
    [InlineData("0:0", 0L, null, true)]
    [InlineData("0:1000", 0L, null, true)]
    [InlineData(":1000", 0L, null, true)]
    [InlineData("root", null, "root", true)]
    [InlineData("root:root", null, "root", true)]
    [InlineData("1000", 1000L, null, false)]
    [InlineData("1000:0", 1000L, null, false)]
    [InlineData("65534:65534", 65534L, null, false)]
    [InlineData("4294967295", 4294967295L, null, false)]
    [InlineData("app:app", null, "app", false)]
    [InlineData("ROOT", null, "ROOT", false)]
    [InlineData("-1", null, "-1", false)]
    [InlineData("+0", null, "+0", false)]
    [InlineData(" 0", null, " 0", false)]
    [InlineData("ContainerAdministrator", null, "ContainerAdministrator", false)]
    public void Parse_ConfigUser_UidNameAndRoot(string value, long? uid, string? name, bool root)
    {
        ImageUser user = ImageUser.Parse(value);

        Assert.Equal((value, uid, name, root, uid is not null), (user.Value, user.Uid, user.UserName, user.IsRoot, user.IsNumeric));
    }

    [Theory]
    [InlineData("4294967296")]
    [InlineData("99999999999999999999999")]
    [InlineData("app\n")]
    [InlineData("\u0000")]
    public void Parse_Invalid_Throws(string value) => Assert.Equal("user", Assert.Throws<ArgumentException>(() => ImageUser.Parse(value)).ParamName);

    [Fact]
    public void Parse_TooLong_Throws()
    {
        Assert.Equal(ImageUser.MaxUserLength, ImageUser.Parse(new string('a', ImageUser.MaxUserLength)).Value.Length);
        Assert.Throws<ArgumentException>("user", () => ImageUser.Parse(new string('a', ImageUser.MaxUserLength + 1)));
    }

    [Theory]
    [InlineData("alpine-39.json.golden")]
    [InlineData("alpine-310.json.golden")]
    public void FromImageConfig_RealDockerConfigWithoutUser_IsRoot(string file)
    {
        using JsonDocument report = JsonDocument.Parse(File.ReadAllBytes(SharedData.PathOf("realdata", "trivy", file)));
        byte[] config = JsonSerializer.SerializeToUtf8Bytes(report.RootElement.GetProperty("Metadata").GetProperty("ImageConfig"));

        ImageUser user = ImageUser.FromImageConfig(config);

        Assert.Equal("", user.Value);
        Assert.True(user.IsRoot);
    }

    [Theory]
    [InlineData("""{"architecture":"amd64","os":"linux","config":{"User":"1000:1000","Env":["A=B"]},"rootfs":{"type":"layers","diff_ids":[]}}""", "1000:1000")]
    [InlineData("""{"config":{"User":"app"}}""", "app")]
    [InlineData("""{"config":{"user":"0"}}""", "0")]
    [InlineData("""{"config":{"USER":"nobody"}}""", "nobody")]
    [InlineData("""{"config":{"u\u017Fer":"0"}}""", "0")]
    [InlineData("""{"Config":{"User":"7"}}""", "7")]
    [InlineData("""{"conf\u0130g":{"User":"1000"}}""", "")]      // 'İ' does not fold to 'i' in Go: that field is not config
    [InlineData("""{"config":{"U\u0455er":"1000"}}""", "")]      // Cyrillic 'ѕ' is not 's'
    [InlineData("""{"config":{"User":"1000","\u212Aey":"x"}}""", "1000")]
    [InlineData("""{"config":{"User":null}}""", "")]
    [InlineData("""{"config":null}""", "")]
    [InlineData("""{"config":{"Users":"1000"}}""", "")]
    [InlineData("""{}""", "")]
    [InlineData(""" {"config":{"User":"5"}} """ + "\n", "5")]
    public void FromImageConfig_ReadsUserAsTheRuntimesDo(string json, string expected) =>
        Assert.Equal(expected, ImageUser.FromImageConfig(Encoding.UTF8.GetBytes(json)).Value);

    [Theory]
    [InlineData("""{"config":{"User":1000}}""", "config.User")]
    [InlineData("""{"config":"x"}""", "'config'")]
    [InlineData("""[]""", "root must be an object")]
    [InlineData("""{"config":{"User":"1000","user":"0"}}""", "config.User")]
    [InlineData("""{"config":{"User":"1000","User":"0"}}""", "config.User")]
    [InlineData("""{"config":{},"CONFIG":{"User":"0"}}""", "'config'")]
    [InlineData("""{"config":{"User":"1000"}""", "not valid JSON")]
    [InlineData("""{"config":{"User":"1000"}} {}""", "trailing data")]
    [InlineData("""{"config":{"User":"4294967296"}}""", "config.User")]
    [InlineData("", "not valid JSON")]
    public void FromImageConfig_Malformed_ThrowsNamingTheField(string json, string fragment)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => ImageUser.FromImageConfig(Encoding.UTF8.GetBytes(json)));

        Assert.Equal("utf8Json", e.ParamName);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromImageConfig_OverSizeLimit_ThrowsBeforeParsing()
    {
        byte[] big = new byte[ImageUser.MaxImageConfigSizeInBytes + 1];   // zeros: not JSON, so only the size check can name it

        Assert.Contains("at most", Assert.Throws<ArgumentException>("utf8Json", () => ImageUser.FromImageConfig(big)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromImageConfig_DeeplyNested_Throws()
    {
        string json = "{\"history\":" + new string('[', 100) + new string(']', 100) + "}";

        Assert.Throws<ArgumentException>("utf8Json", () => ImageUser.FromImageConfig(Encoding.UTF8.GetBytes(json)));
    }

    // Truth table: image user × pod securityContext × container securityContext.
    [Theory]
    [InlineData("", "", "", false)]
    [InlineData("0", "", "", false)]
    [InlineData("0:0", "", "", false)]
    [InlineData("root", "", "", false)]
    [InlineData("app:app", "", "", false)]
    [InlineData("1000", "", "", true)]
    [InlineData("1000:0", "", "", true)]
    [InlineData("", """{"runAsNonRoot":true}""", "", true)]
    [InlineData("app", """{"runAsNonRoot":true}""", "", true)]
    [InlineData("", "", """{"runAsNonRoot":true}""", true)]
    [InlineData("", """{"runAsUser":1000}""", "", true)]
    [InlineData("root", "", """{"runAsUser":1000}""", true)]
    [InlineData("app", "", """{"runAsUser":1}""", true)]
    [InlineData("1000", """{"runAsUser":0}""", "", false)]
    [InlineData("1000", "", """{"runAsUser":0}""", false)]
    [InlineData("1000", """{"runAsUser":1000}""", """{"runAsUser":0}""", false)]
    [InlineData("", """{"runAsUser":0}""", """{"runAsUser":1000}""", true)]
    [InlineData("", """{"runAsNonRoot":true}""", """{"runAsNonRoot":false}""", false)]
    [InlineData("1000", """{"runAsNonRoot":true}""", """{"runAsNonRoot":false}""", true)]
    [InlineData("", """{"runAsNonRoot":false}""", """{"runAsNonRoot":true}""", true)]
    [InlineData("", """{"runAsNonRoot":false}""", "", false)]
    [InlineData("1000", """{"runAsUser":0,"runAsNonRoot":true}""", "", true)]   // the kubelet refuses to start it: never runs as root
    public void Evaluate_TruthTable(string imageUser, string podContext, string containerContext, bool allowed)
    {
        string pod = Pod(podContext, [("app", "ghcr.io/org/app" + Digest, containerContext)]);

        ImageUserDecision decision = Evaluate(pod, new() { ["ghcr.io/org/app" + Digest] = imageUser });

        Assert.True(allowed == decision.Allowed, decision.ToString());
        if (!allowed)
        {
            ImageUserViolation violation = Assert.Single(decision.Violations);
            Assert.Equal("app", violation.ContainerName);
            Assert.Contains("container \"app\"", violation.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Evaluate_Refusals_NameTheDecidingField()
    {
        string pod = Pod("""{"runAsUser":0}""", [
            ("inherits", "img/a" + Digest, ""),
            ("own", "img/a" + Digest, """{"runAsUser":0}"""),
            ("image", "img/root" + Digest, """{"runAsUser":null}"""),
        ]);
        string podNoUser = Pod("", [("image", "img/root" + Digest, "")]);

        ImageUserDecision decision = Evaluate(pod, new() { ["img/a" + Digest] = "1000", ["img/root" + Digest] = "root" });
        ImageUserDecision byImage = Evaluate(podNoUser, new() { ["img/root" + Digest] = "root" });

        Assert.Equal(
            ["spec.securityContext.runAsUser", "spec.containers[1].securityContext.runAsUser", "spec.securityContext.runAsUser"],
            decision.Violations.Select(v => v.Path));
        ImageUserViolation viaImage = Assert.Single(byImage.Violations);
        Assert.Equal("spec.containers[0].image", viaImage.Path);
        Assert.Equal("root", viaImage.ImageUser!.UserName);
        Assert.Contains("'root', which is root", viaImage.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NonNumericUnknownOrMissingImage_RefusedWithReason()
    {
        string pod = Pod("", [("named", "img/named" + Digest, ""), ("unknown", "img/unknown" + Digest, ""), ("noimage", null, "")]);

        ImageUserDecision decision = Evaluate(pod, new() { ["img/named" + Digest] = "app:app" });

        Assert.Equal(["named", "unknown", "noimage"], decision.Violations.Select(v => v.ContainerName));
        Assert.Contains("user name 'app', which cannot be checked", decision.Violations[0].Message, StringComparison.Ordinal);
        Assert.Contains("is unknown", decision.Violations[1].Message, StringComparison.Ordinal);
        Assert.Null(decision.Violations[1].ImageUser);
        Assert.Contains("has no image", decision.Violations[2].Message, StringComparison.Ordinal);
        Assert.Equal("spec.containers[2].image", decision.Violations[2].Path);
    }

    [Fact]
    public void Evaluate_InitAndEphemeralContainers_Checked()
    {
        const string json = """
            {"kind":"Pod","spec":{
              "initContainers":[{"name":"init","image":"img/root"}],
              "containers":[{"name":"app","image":"img/ok"}],
              "ephemeralContainers":[{"name":"debug","image":"img/root"}]}}
            """;

        ImageUserDecision decision = Evaluate(json, new() { ["img/root"] = "0", ["img/ok"] = "10001" });

        Assert.Equal(["spec.initContainers[0].image", "spec.ephemeralContainers[0].image"], decision.Violations.Select(v => v.Path));
    }

    [Fact]
    public void Evaluate_LookupOnlyWhenTheSecurityContextDoesNotDecide()
    {
        string pod = Pod("""{"runAsNonRoot":true}""", [("a", "img/a", ""), ("b", "img/b", """{"runAsNonRoot":false,"runAsUser":5}"""), ("c", "img/c", """{"runAsNonRoot":false}""")]);
        var asked = new List<string>();
        using JsonDocument document = JsonDocument.Parse(pod);

        ImageUserDecision decision = ImageUserRule.Evaluate(document.RootElement, image =>
        {
            asked.Add(image);
            return ImageUser.Parse("1000");
        });

        Assert.True(decision.Allowed);
        Assert.Equal(["img/c"], asked);
    }

    [Theory]
    [InlineData("Deployment", """{"spec":{"template":{"spec":%}}}""", "spec.template.spec.containers[0].image")]
    [InlineData("StatefulSet", """{"spec":{"template":{"spec":%}}}""", "spec.template.spec.containers[0].image")]
    [InlineData("CronJob", """{"spec":{"jobTemplate":{"spec":{"template":{"spec":%}}}}}""", "spec.jobTemplate.spec.template.spec.containers[0].image")]
    public void Evaluate_Workloads_PathsRelativeToTheManifest(string kind, string shape, string path)
    {
        string spec = """{"containers":[{"name":"app","image":"img/root"}]}""";
        string json = shape.Replace("%", spec, StringComparison.Ordinal).Insert(1, $"\"kind\":\"{kind}\",");

        ImageUserDecision decision = Evaluate(json, new() { ["img/root"] = "" });

        Assert.Equal(path, Assert.Single(decision.Violations).Path);
    }

    [Theory]
    [InlineData("""{"kind":"Pod","spec":{"containers":[{"name":"a","image":"i","securityContext":{"runAsUser":"0"}}]}}""", "spec.containers[0].securityContext.runAsUser")]
    [InlineData("""{"kind":"Pod","spec":{"securityContext":{"runAsNonRoot":"true"},"containers":[{"name":"a","image":"i"}]}}""", "spec.securityContext.runAsNonRoot")]
    [InlineData("""{"kind":"Pod","spec":{"containers":[{"name":"a","image":"i","securityContext":{"runAsUser":-1}}]}}""", "spec.containers[0].securityContext.runAsUser")]
    [InlineData("""{"kind":"Pod","spec":{"securityContext":{"runAsUser":2147483648},"containers":[{"name":"a","image":"i"}]}}""", "spec.securityContext.runAsUser")]
    [InlineData("""{"kind":"Pod","spec":{"containers":[{"name":"a","image":7}]}}""", "spec.containers[0].image")]
    [InlineData("""{"kind":"Service","spec":{}}""", "Unsupported kind")]
    [InlineData("""{"kind":"Pod","spec":{"containers":{}}}""", "spec.containers")]
    public void Evaluate_MalformedManifest_ThrowsNamingTheField(string json, string fragment)
    {
        using JsonDocument document = JsonDocument.Parse(json);

        ArgumentException e = Assert.Throws<ArgumentException>(() => ImageUserRule.Evaluate(document.RootElement, _ => ImageUser.Parse("")));

        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NullLookup_Throws()
    {
        using JsonDocument document = JsonDocument.Parse("""{"kind":"Pod","spec":{"containers":[]}}""");

        Assert.Throws<ArgumentNullException>("imageUsers", () => ImageUserRule.Evaluate(document.RootElement, null!));
    }

    private static ImageUserDecision Evaluate(string json, Dictionary<string, string> users)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return ImageUserRule.Evaluate(document.RootElement, image => users.TryGetValue(image, out string? user) ? ImageUser.Parse(user) : null);
    }

    private static string Pod(string podContext, (string Name, string? Image, string Context)[] containers)
    {
        var list = containers.Select(c =>
            $"{{\"name\":\"{c.Name}\"{(c.Image is null ? "" : $",\"image\":\"{c.Image}\"")}{(c.Context.Length == 0 ? "" : $",\"securityContext\":{c.Context}")}}}");
        string context = podContext.Length == 0 ? "" : $"\"securityContext\":{podContext},";
        return $"{{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{{\"name\":\"p\"}},\"spec\":{{{context}\"containers\":[{string.Join(',', list)}]}}}}";
    }
}
