using System.Text.Json;
using System.Text.Json.Nodes;
using ContainerSec.Conformance;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace ContainerSec.Tests.Conformance;

/// <summary>
/// The conformance runner inside <c>dotnet test</c>: every shared vector file runs through the
/// library's public API, and the runner itself is shown able to fail.
/// </summary>
public sealed class ConformanceRunnerTests : IDisposable
{
    private static readonly string[] RequiredFiles =
    [
        "aes_gcm_test.json", "hmac_sha256_test.json", "hmac_sha384_test.json", "hmac_sha512_test.json", "hkdf_sha256_test.json",
    ];

    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-conformance-").FullName;

    public static TheoryData<string> SharedFiles()
    {
        var data = new TheoryData<string>();
        foreach (var (_, name) in ConformanceRunner.Expand([SharedData.PathOf("testvectors"), SharedData.PathOf("conformance")]))
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SharedFiles))]
    public void RunFile_SharedVectorFile_NoFailureAndNoError(string name)
    {
        FileResult result = ConformanceRunner.RunFile(SharedData.PathOf(name), name);

        Assert.NotEqual(FileStatus.Error, result.Status);
        Assert.True(result.Failed == 0, string.Join(Environment.NewLine, result.Failures));
    }

    [Theory]
    [MemberData(nameof(Required))]
    public void RunFile_RequiredWycheproofFile_EveryOfferedCasePasses(string file)
    {
        string path = SharedData.PathOf("testvectors", "wycheproof", file);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        int total = document.RootElement.GetProperty("numberOfTests").GetInt32();
        int notOffered = CountCases(document.RootElement, g => g.TryGetProperty("keySize", out var k) && g.TryGetProperty("ivSize", out _) && k.GetInt32() is not (128 or 256));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(FileStatus.Ran, result.Status);
        Assert.Equal(0, result.Failed);
        Assert.Equal(total - notOffered, result.Passed);
        Assert.Equal(notOffered, result.Skipped);
    }

    public static TheoryData<string> Required() => new(RequiredFiles);

    [Fact]
    public void RunFile_AesGcmCiphertextCorrupted_ReportsFailure()
    {
        string path = Mutate("aes_gcm_test.json", test => test["result"]!.GetValue<string>() == "valid" && test["iv"]!.GetValue<string>().Length == 24
            && test["ct"]!.GetValue<string>().Length > 0, test => test["ct"] = FlipFirstHexDigit(test["ct"]!.GetValue<string>()));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
    }

    [Fact]
    public void RunFile_HmacInvalidCaseMarkedValid_ReportsFailure()
    {
        string path = Mutate("hmac_sha256_test.json", test => test["result"]!.GetValue<string>() == "invalid" && test["tag"]!.GetValue<string>().Length == 64,
            test => test["result"] = "valid");

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
    }

    [Fact]
    public void RunFile_HkdfOutputCorrupted_ReportsFailure()
    {
        string path = Mutate("hkdf_sha256_test.json", test => test["result"]!.GetValue<string>() == "valid",
            test => test["okm"] = FlipFirstHexDigit(test["okm"]!.GetValue<string>()));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
    }

    [Fact]
    public void RunFile_OtherHashFunction_RunsByAlgorithmFieldNotFileName()
    {
        // An HKDF-SHA-512 file in the Wycheproof schema, with okm from BouncyCastle, under a
        // name that says nothing about the algorithm.
        var tests = new JsonArray();
        for (int i = 0; i < 8; i++)
        {
            byte[] ikm = Enumerable.Range(i, 22).Select(b => (byte)b).ToArray(), salt = [(byte)i, 1, 2], info = [9, (byte)i];
            int size = 1 + (i * 97);
            var generator = new HkdfBytesGenerator(new Sha512Digest());
            generator.Init(new HkdfParameters(ikm, salt, info));
            byte[] okm = new byte[size];
            generator.GenerateBytes(okm, 0, size);
            tests.Add(new JsonObject
            {
                ["tcId"] = i + 1, ["comment"] = "", ["flags"] = new JsonArray(), ["ikm"] = Convert.ToHexStringLower(ikm),
                ["salt"] = Convert.ToHexStringLower(salt), ["info"] = Convert.ToHexStringLower(info), ["size"] = size,
                ["okm"] = Convert.ToHexStringLower(okm), ["result"] = "valid",
            });
        }

        tests.Add(new JsonObject
        {
            ["tcId"] = 9, ["comment"] = "too long", ["flags"] = new JsonArray(), ["ikm"] = "00112233445566778899aabbccddeeff",
            ["salt"] = "", ["info"] = "", ["size"] = (255 * 64) + 1, ["okm"] = "", ["result"] = "invalid",
        });
        string path = Write("vectors.json", Wycheproof("HKDF-SHA-512", "hkdf_test_schema_v1.json", new JsonObject { ["type"] = "HkdfTest", ["keySize"] = 176, ["tests"] = tests }));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(9, result.Passed);
        Assert.Equal(0, result.Failed);
    }

    [Fact]
    public void RunFile_ShortMacKeyMarkedValid_PassesOnlyBecauseRefused()
    {
        var test = new JsonObject
        {
            ["tcId"] = 1, ["comment"] = "", ["flags"] = new JsonArray(), ["key"] = "0001020304050607",
            ["msg"] = "", ["tag"] = new string('0', 128), ["result"] = "valid",
        };
        string path = Write("short-key.json", Wycheproof("HMACSHA512", "mac_test_schema_v1.json",
            new JsonObject { ["type"] = "MacTest", ["keySize"] = 64, ["tagSize"] = 512, ["tests"] = new JsonArray(test) }));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Passed);
        Assert.Contains("refused by design", result.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_UnofferedAlgorithmOfKnownSchema_SkippedWithReason()
    {
        var test = new JsonObject
        {
            ["tcId"] = 1, ["comment"] = "", ["flags"] = new JsonArray(), ["key"] = new string('a', 40),
            ["msg"] = "", ["tag"] = new string('0', 40), ["result"] = "valid",
        };
        string path = Write("sha1.json", Wycheproof("HMACSHA1", "mac_test_schema_v1.json",
            new JsonObject { ["type"] = "MacTest", ["keySize"] = 160, ["tagSize"] = 160, ["tests"] = new JsonArray(test) }));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal((0, 0, 1), (result.Passed, result.Failed, result.Skipped));
        Assert.Contains("HMACSHA1 is refused by design", result.Summary(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"schema\": \"something_else_v1.json\", \"algorithm\": \"X\", \"testGroups\": []}")]
    [InlineData("{\"schema\": \"containersec.conformance.unknown/v1\", \"cases\": []}")]
    [InlineData("{\"hello\": 1}")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{ not json")]
    [InlineData("{\"algorithm\": \"AES-GCM\", \"schema\": \"aead_test_schema_v1.json\", \"testGroups\": [{\"keySize\": 128, \"tests\": [{\"tcId\": 1}]}]}")]
    public void RunFile_UnknownOrMalformed_IsErrorCountedAsFailure(string content)
    {
        string path = Write("bad.json", content);

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(FileStatus.Error, result.Status);
        Assert.Equal(1, result.FailedForTotals);
        Assert.StartsWith("bad.json: ERROR", result.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void Expand_Folder_FindsJsonFilesRecursivelyInOrder()
    {
        Directory.CreateDirectory(Path.Combine(_scratch, "b"));
        File.WriteAllText(Path.Combine(_scratch, "b", "2.json"), "{}");
        File.WriteAllText(Path.Combine(_scratch, "1.json"), "{}");
        File.WriteAllText(Path.Combine(_scratch, "notes.txt"), "");

        var files = ConformanceRunner.Expand([_scratch]);

        Assert.Equal(2, files.Count);
        Assert.EndsWith("1.json", files[0].Name, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static int CountCases(JsonElement root, Func<JsonElement, bool> groupFilter)
    {
        int count = 0;
        foreach (JsonElement group in root.GetProperty("testGroups").EnumerateArray())
        {
            if (groupFilter(group))
            {
                count += group.GetProperty("tests").GetArrayLength();
            }
        }

        return count;
    }

    private static string FlipFirstHexDigit(string hex) => (hex[0] == '0' ? '1' : '0') + hex[1..];

    private static JsonObject Wycheproof(string algorithm, string schema, JsonObject group) => new()
    {
        ["algorithm"] = algorithm, ["schema"] = schema, ["numberOfTests"] = group["tests"]!.AsArray().Count,
        ["header"] = new JsonArray(), ["notes"] = new JsonObject(), ["testGroups"] = new JsonArray(group),
    };

    private string Write(string name, JsonNode content) => Write(name, content.ToJsonString());

    private string Write(string name, string content)
    {
        string path = Path.Combine(_scratch, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Copies a shared Wycheproof file with the first test matching <paramref name="select"/> changed.</summary>
    private string Mutate(string file, Func<JsonObject, bool> select, Action<JsonObject> change)
    {
        JsonNode root = JsonNode.Parse(File.ReadAllText(SharedData.PathOf("testvectors", "wycheproof", file)))!;
        JsonObject target = root["testGroups"]!.AsArray().SelectMany(g => g!["tests"]!.AsArray()).Select(t => t!.AsObject()).First(select);
        change(target);
        return Write(file, root);
    }
}
