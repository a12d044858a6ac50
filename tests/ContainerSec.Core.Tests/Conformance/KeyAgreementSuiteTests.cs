using System.Text.Json.Nodes;
using ContainerSec.Conformance;

namespace ContainerSec.Tests.Conformance;

/// <summary>
/// The ECDH and XDH Wycheproof suites: every shared case passes, a corrupted vector is reported as
/// a failure, the documented policies are asserted, and curves are read from the file's fields.
/// </summary>
public sealed class KeyAgreementSuiteTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-kex-").FullName;

    [Theory]
    [InlineData("ecdh_secp256r1_test.json")]
    [InlineData("ecdh_secp256r1_ecpoint_test.json")]
    [InlineData("x25519_test.json")]
    public void RunFile_SharedKeyAgreementFile_EveryCasePasses(string file)
    {
        string path = SharedData.PathOf("testvectors", "wycheproof", file);
        int total = JsonNode.Parse(File.ReadAllText(path))!["numberOfTests"]!.GetValue<int>();

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(FileStatus.Ran, result.Status);
        Assert.True(result.Failed == 0, string.Join(Environment.NewLine, result.Failures));
        Assert.Equal(total, result.Passed);
    }

    [Theory]
    [InlineData("ecdh_secp256r1_test.json")]
    [InlineData("ecdh_secp256r1_ecpoint_test.json")]
    [InlineData("x25519_test.json")]
    public void RunFile_ValidSharedSecretCorrupted_ReportsFailure(string file)
    {
        string path = Mutate(file, test => Result(test) == "valid", test => test["shared"] = FlipFirstHexDigit(test["shared"]!.GetValue<string>()));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
        Assert.Contains("differs", result.Failures[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ecdh_secp256r1_test.json", "InvalidCurveAttack")]
    [InlineData("ecdh_secp256r1_ecpoint_test.json", "InvalidCurveAttack")]
    [InlineData("ecdh_secp256r1_test.json", "WrongCurve")]
    public void RunFile_InvalidCaseMarkedValid_ReportsFailure(string file, string flag)
    {
        string path = Mutate(file, test => Result(test) == "invalid" && HasFlag(test, flag), test => test["result"] = "valid");

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
        Assert.Contains("refused", result.Failures[0], StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_ValidKeyMarkedInvalid_ReportsFailure()
    {
        string path = Mutate("ecdh_secp256r1_ecpoint_test.json", test => Result(test) == "valid", test => test["result"] = "invalid");

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
    }

    [Fact]
    public void RunFile_ZeroSharedSecretCaseClaimingANonZeroSecret_ReportsFailureBecausePolicyRefuses()
    {
        // The library refuses every all-zero X25519 result; a vector that claims the agreement gives a
        // non-zero secret for such a key must then fail the policy check.
        string path = Mutate("x25519_test.json", test => HasFlag(test, "ZeroSharedSecret"), test => test["shared"] = "01" + new string('0', 62));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
        Assert.Contains("policy", result.Failures[0], StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_CompressedPointMarkedValid_PassesOnlyIfRefusedAsRequired()
    {
        // An acceptable compressed point: the policy (refuse) is asserted; marking it valid makes it a failure.
        string acceptable = Mutate("ecdh_secp256r1_ecpoint_test.json", test => HasFlag(test, "CompressedPublic"), _ => { });
        string valid = Mutate("ecdh_secp256r1_ecpoint_test.json", test => HasFlag(test, "CompressedPublic"), test => test["result"] = "valid", "valid.json");

        Assert.Contains("refused by design as required", ConformanceRunner.RunFile(acceptable).Summary(), StringComparison.Ordinal);
        Assert.Equal(1, ConformanceRunner.RunFile(valid).Failed);
    }

    [Theory]
    [InlineData("ecdh_secp256r1_test.json", "secp256k1", "ECDH over secp256k1 is not offered")]
    [InlineData("ecdh_secp256r1_ecpoint_test.json", "brainpoolP256r1", "ECDH over brainpoolP256r1 is not offered")]
    [InlineData("x25519_test.json", "curve448", "XDH over curve448 is not offered")]
    public void RunFile_CurveNotOffered_SkippedWithReasonFromTheCurveField(string file, string curve, string reason)
    {
        JsonNode root = JsonNode.Parse(File.ReadAllText(SharedData.PathOf("testvectors", "wycheproof", file)))!;
        foreach (JsonNode? group in root["testGroups"]!.AsArray())
        {
            group!["curve"] = curve;
        }

        string path = Path.Combine(_scratch, "vectors.json");
        File.WriteAllText(path, root.ToJsonString());

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal((0, 0), (result.Passed, result.Failed));
        Assert.Equal(root["numberOfTests"]!.GetValue<int>(), result.Skipped);
        Assert.Contains(reason, result.Summary(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("secp384r1", "ecdh_ecpoint_test_schema_v1.json")]
    [InlineData("secp521r1", "ecdh_ecpoint_test_schema_v1.json")]
    [InlineData("secp384r1", "ecdh_test_schema_v1.json")]
    [InlineData("secp521r1", "ecdh_test_schema_v1.json")]
    public void RunFile_OtherOfferedCurve_RunsByTheCurveField(string curve, string schema)
    {
        // Vectors made with BouncyCastle for a curve not in ../shared: valid agreements, a point off
        // the curve (invalid) and, for the SPKI schema, a P-256 key (wrong curve, invalid).
        var algorithm = curve == "secp384r1" ? ContainerSec.Cryptography.KeyAgreementAlgorithm.EcdhP384 : ContainerSec.Cryptography.KeyAgreementAlgorithm.EcdhP521;
        var domain = ContainerSec.Tests.Cryptography.Reference.Curve(algorithm);
        bool spki = schema == "ecdh_test_schema_v1.json";
        var tests = new JsonArray();
        var random = new Random(7);
        for (int i = 0; i < 6; i++)
        {
            byte[] ours = Scalar(domain, random), peer = Scalar(domain, random);
            byte[] peerPoint = ContainerSec.Tests.Cryptography.Reference.PublicKey(algorithm, peer);
            byte[] shared = ContainerSec.Tests.Cryptography.Reference.Agree(algorithm, ours, peerPoint);
            bool offCurve = i == 5;
            if (offCurve)
            {
                peerPoint[^1] ^= 1;
            }

            tests.Add(Case(i + 1, Encode(algorithm, peerPoint, spki), ours, shared, offCurve ? "invalid" : "valid"));
        }

        if (spki)
        {
            using var p256 = ContainerSec.Cryptography.KeyAgreementPrivateKey.Generate(ContainerSec.Cryptography.KeyAgreementAlgorithm.EcdhP256);
            tests.Add(Case(7, p256.PublicKey.ExportSubjectPublicKeyInfo(), Scalar(domain, random), new byte[algorithm.SharedSecretSizeInBytes], "invalid"));
        }

        var root = new JsonObject
        {
            ["algorithm"] = "ECDH", ["schema"] = schema, ["numberOfTests"] = tests.Count, ["header"] = new JsonArray(), ["notes"] = new JsonObject(),
            ["testGroups"] = new JsonArray(new JsonObject { ["type"] = "EcdhTest", ["curve"] = curve, ["encoding"] = spki ? "asn" : "ecpoint", ["tests"] = tests }),
        };
        string path = Path.Combine(_scratch, "vectors.json");
        File.WriteAllText(path, root.ToJsonString());

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.True(result.Failed == 0, string.Join(Environment.NewLine, result.Failures));
        Assert.Equal(tests.Count, result.Passed);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static byte[] Scalar(Org.BouncyCastle.Asn1.X9.X9ECParameters domain, Random random)
    {
        byte[] bytes = new byte[(domain.N.BitLength + 7) / 8];
        random.NextBytes(bytes);
        var value = new Org.BouncyCastle.Math.BigInteger(1, bytes).Mod(domain.N.Subtract(Org.BouncyCastle.Math.BigInteger.One)).Add(Org.BouncyCastle.Math.BigInteger.One);
        return [0, .. Org.BouncyCastle.Utilities.BigIntegers.AsUnsignedByteArray(bytes.Length, value)]; // with a leading 00, as Wycheproof's BigInt
    }

    private static byte[] Encode(ContainerSec.Cryptography.KeyAgreementAlgorithm algorithm, byte[] point, bool spki)
    {
        if (!spki)
        {
            return point;
        }

        string oid = algorithm == ContainerSec.Cryptography.KeyAgreementAlgorithm.EcdhP384 ? "1.3.132.0.34" : "1.3.132.0.35";
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.10045.2.1");
                writer.WriteObjectIdentifier(oid);
            }

            writer.WriteBitString(point);
        }

        return writer.Encode();
    }

    private static JsonObject Case(int id, byte[] publicKey, byte[] privateKey, byte[] shared, string result) => new()
    {
        ["tcId"] = id, ["comment"] = "", ["flags"] = new JsonArray(), ["public"] = Convert.ToHexStringLower(publicKey),
        ["private"] = Convert.ToHexStringLower(privateKey), ["shared"] = Convert.ToHexStringLower(shared), ["result"] = result,
    };

    private static string Result(JsonObject test) => test["result"]!.GetValue<string>();

    private static bool HasFlag(JsonObject test, string flag) => test["flags"]!.AsArray().Any(f => f!.GetValue<string>() == flag);

    private static string FlipFirstHexDigit(string hex) => (hex[0] == '0' ? '1' : '0') + hex[1..];

    /// <summary>Copies a shared Wycheproof file with the first test matching <paramref name="select"/> changed.</summary>
    private string Mutate(string file, Func<JsonObject, bool> select, Action<JsonObject> change, string? name = null)
    {
        JsonNode root = JsonNode.Parse(File.ReadAllText(SharedData.PathOf("testvectors", "wycheproof", file)))!;
        JsonObject target = root["testGroups"]!.AsArray().SelectMany(g => g!["tests"]!.AsArray()).Select(t => t!.AsObject()).First(select);
        change(target);
        string path = Path.Combine(_scratch, name ?? file);
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }
}
