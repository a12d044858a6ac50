using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContainerSec.Conformance;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace ContainerSec.Tests.Conformance;

/// <summary>
/// The signature and key-transport suites of the runner: every shared file of their schemas passes
/// in full, each suite is shown able to fail (a corrupted vector is reported), and each reads the
/// curve, hash and key size from the file's fields, so other Wycheproof files of the same schemas
/// (P-521, RSA-3072, other salt lengths, refused curves and sizes) run as documented.
/// </summary>
public sealed class SignatureConformanceRunnerTests : IDisposable
{
    private static readonly Lazy<RSA> Rsa3072 = new(() => RSA.Create(3072));

    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-sigconf-").FullName;

    public static TheoryData<string> Files => new(
        "ecdsa_secp256r1_sha256_test.json", "ecdsa_secp384r1_sha384_test.json", "ecdsa_secp256r1_sha256_p1363_test.json",
        "ed25519_test.json", "rsa_pss_2048_sha256_mgf1_32_test.json", "rsa_signature_2048_sha256_test.json",
        "rsa_oaep_2048_sha256_mgf1sha256_test.json");

    [Theory]
    [MemberData(nameof(Files))]
    public void RunFile_SharedFile_EveryCaseRunsAndPasses(string file)
    {
        string path = SharedData.PathOf("testvectors", "wycheproof", file);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(FileStatus.Ran, result.Status);
        Assert.True(result.Failed == 0, string.Join(Environment.NewLine, result.Failures));
        Assert.Equal(0, result.Skipped);
        Assert.Equal(document.RootElement.GetProperty("numberOfTests").GetInt32(), result.Passed);
    }

    public static TheoryData<string, string, string> Mutations => new()
    {
        // file, which case (result:flag or tcId), what to corrupt
        { "ecdsa_secp256r1_sha256_test.json", "valid", "sig" },
        { "ecdsa_secp256r1_sha256_test.json", "tcId:6", "result" },
        { "ecdsa_secp384r1_sha384_test.json", "valid", "msg" },
        { "ecdsa_secp256r1_sha256_p1363_test.json", "valid", "sig" },
        { "ed25519_test.json", "valid", "sig" },
        { "ed25519_test.json", "invalid", "result" },
        { "rsa_pss_2048_sha256_mgf1_32_test.json", "valid", "sig" },
        { "rsa_signature_2048_sha256_test.json", "invalid", "result" },
        { "rsa_signature_2048_sha256_test.json", "valid", "msg" },
        { "rsa_oaep_2048_sha256_mgf1sha256_test.json", "tcId:11", "msg" },
        { "rsa_oaep_2048_sha256_mgf1sha256_test.json", "tcId:11", "ct" },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void RunFile_CorruptedVector_ReportsExactlyOneFailure(string file, string select, string field)
    {
        JsonNode root = JsonNode.Parse(File.ReadAllText(SharedData.PathOf("testvectors", "wycheproof", file)))!;
        JsonObject target = root["testGroups"]!.AsArray().SelectMany(g => g!["tests"]!.AsArray()).Select(t => t!.AsObject())
            .First(t => select.StartsWith("tcId:", StringComparison.Ordinal)
                ? t["tcId"]!.GetValue<int>() == int.Parse(select[5..], System.Globalization.CultureInfo.InvariantCulture)
                : t["result"]!.GetValue<string>() == select && t["msg"]!.GetValue<string>().Length > 0);
        target[field] = field == "result"
            ? (target["result"]!.GetValue<string>() == "valid" ? "invalid" : "valid")
            : FlipLastHexDigit(target[field]!.GetValue<string>());
        string path = Write(file, root.ToJsonString());

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal(1, result.Failed);
    }

    [Theory]
    [InlineData("ecdsa_verify_schema_v1.json", true)]
    [InlineData("ecdsa_p1363_verify_schema_v1.json", false)]
    public void RunFile_EcdsaOtherCurves_P521RunsSecp256k1RefusedOtherHashSkipped(string schema, bool der)
    {
        DSASignatureFormat format = der ? DSASignatureFormat.Rfc3279DerSequence : DSASignatureFormat.IeeeP1363FixedFieldConcatenation;
        using var p521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        using var k1 = ECDsa.Create(ECCurve.CreateFromFriendlyName("secP256k1"));
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        JsonObject Group(ECDsa key, string curve, string sha, HashAlgorithmName hash)
        {
            var tests = new JsonArray();
            for (int i = 0; i < 6; i++)
            {
                byte[] msg = [(byte)i, 1, 2];
                byte[] sig = key.SignData(msg, hash, format);
                if (i % 2 == 1)
                {
                    sig[sig.Length - 3] ^= 0x40;
                }

                tests.Add(Test(i + 1, i % 2 == 1 ? "invalid" : "valid", ("msg", msg), ("sig", sig)));
            }

            ECParameters p = key.ExportParameters(false);
            return new JsonObject
            {
                ["type"] = der ? "EcdsaVerify" : "EcdsaP1363Verify", ["sha"] = sha,
                ["publicKey"] = new JsonObject { ["type"] = "EcPublicKey", ["curve"] = curve, ["uncompressed"] = Hex([0x04, .. p.Q.X!, .. p.Q.Y!]) },
                ["publicKeyDer"] = Hex(key.ExportSubjectPublicKeyInfo()), ["tests"] = tests,
            };
        }

        string path = Write("ecdsa.json", Wycheproof("ECDSA", schema,
            Group(p521, "secp521r1", "SHA-512", HashAlgorithmName.SHA512),
            Group(k1, "secp256k1", "SHA-256", HashAlgorithmName.SHA256),
            Group(p256, "secp256r1", "SHA-512", HashAlgorithmName.SHA512)));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal((12, 0, 6), (result.Passed, result.Failed, result.Skipped));
        Assert.Contains("refused by design as required (curve secp256k1 is not offered): 6", result.Summary(), StringComparison.Ordinal);
        Assert.Contains("secp256r1 with SHA-512 is not offered", result.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_RsaPssOtherParameters_Rsa3072RunsSaltZeroRejectedSmallKeyRefusedSha1Skipped()
    {
        RSA rsa = Rsa3072.Value;
        using var small = RSA.Create(1024);
        JsonObject Group(RSA key, string sha, int sLen, Func<byte[], byte[]> sign)
        {
            var tests = new JsonArray();
            for (int i = 0; i < 4; i++)
            {
                byte[] msg = [(byte)i, 9];
                byte[] sig = sign(msg);
                if (i == 3)
                {
                    sig[10] ^= 1;
                }

                tests.Add(Test(i + 1, i == 3 ? "invalid" : "valid", ("msg", msg), ("sig", sig)));
            }

            return new JsonObject
            {
                ["type"] = "RsassaPssVerify", ["keySize"] = key.KeySize, ["sha"] = sha, ["mgf"] = "MGF1", ["mgfSha"] = sha, ["sLen"] = sLen,
                ["publicKeyDer"] = Hex(key.ExportSubjectPublicKeyInfo()), ["tests"] = tests,
            };
        }

        byte[] SaltZero(byte[] msg)
        {
            var signer = new PssSigner(new RsaBlindedEngine(), new Sha384Digest(), 0);
            signer.Init(true, PrivateKeyFactory.CreateKey(rsa.ExportPkcs8PrivateKey()));
            signer.BlockUpdate(msg, 0, msg.Length);
            return signer.GenerateSignature();
        }

        string path = Write("pss.json", Wycheproof("RSASSA-PSS", "rsassa_pss_verify_schema_v1.json",
            Group(rsa, "SHA-384", 48, m => rsa.SignData(m, HashAlgorithmName.SHA384, RSASignaturePadding.Pss)),
            Group(rsa, "SHA-384", 0, SaltZero),
            Group(small, "SHA-256", 32, m => small.SignData(m, HashAlgorithmName.SHA256, RSASignaturePadding.Pss)),
            Group(rsa, "SHA-1", 20, m => rsa.SignData(m, HashAlgorithmName.SHA1, RSASignaturePadding.Pss))));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal((12, 0, 4), (result.Passed, result.Failed, result.Skipped));
        Assert.Contains("salt length 0 ≠ hash length 48", result.Summary(), StringComparison.Ordinal);
        Assert.Contains("RSA-1024 is outside 2048–4096 bits", result.Summary(), StringComparison.Ordinal);
        Assert.Contains("SHA-1 is refused by design", result.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_RsaPkcs1AndOaepOn3072BitKey_RunByTheirFields()
    {
        RSA rsa = Rsa3072.Value;
        var pkcs1Tests = new JsonArray(
            Test(1, "valid", ("msg", [1]), ("sig", rsa.SignData([1], HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1))),
            Test(2, "invalid", ("msg", [2]), ("sig", rsa.SignData([1], HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1))));
        string pkcs1 = Write("pkcs1.json", Wycheproof("RSASSA-PKCS1-v1_5", "rsassa_pkcs1_verify_schema_v1.json", new JsonObject
        {
            ["type"] = "RsassaPkcs1Verify", ["keySize"] = 3072, ["sha"] = "SHA-512", ["publicKeyDer"] = Hex(rsa.ExportSubjectPublicKeyInfo()), ["tests"] = pkcs1Tests,
        }));

        byte[] key32 = RandomNumberGenerator.GetBytes(32), key20 = RandomNumberGenerator.GetBytes(20);
        byte[] bad = rsa.Encrypt(key32, RSAEncryptionPadding.OaepSHA256);
        bad[5] ^= 1;
        var oaepTests = new JsonArray(
            Test(1, "valid", ("msg", key32), ("ct", rsa.Encrypt(key32, RSAEncryptionPadding.OaepSHA256)), ("label", [])),
            Test(2, "valid", ("msg", key20), ("ct", rsa.Encrypt(key20, RSAEncryptionPadding.OaepSHA256)), ("label", [])),
            Test(3, "invalid", ("msg", key32), ("ct", bad), ("label", [])));
        JsonObject OaepGroup(string sha) => new()
        {
            ["type"] = "RsaesOaepDecrypt", ["keySize"] = 3072, ["sha"] = sha, ["mgf"] = "MGF1", ["mgfSha"] = sha,
            ["privateKeyPkcs8"] = Hex(rsa.ExportPkcs8PrivateKey()), ["tests"] = JsonNode.Parse(oaepTests.ToJsonString())!,
        };
        string oaep = Write("oaep.json", Wycheproof("RSAES-OAEP", "rsaes_oaep_decrypt_schema_v1.json", OaepGroup("SHA-256"), OaepGroup("SHA-384")));

        FileResult pkcs1Result = ConformanceRunner.RunFile(pkcs1);
        FileResult oaepResult = ConformanceRunner.RunFile(oaep);

        Assert.Equal((2, 0, 0), (pkcs1Result.Passed, pkcs1Result.Failed, pkcs1Result.Skipped));
        Assert.Equal((3, 0, 3), (oaepResult.Passed, oaepResult.Failed, oaepResult.Skipped));
        Assert.Contains("SHA-384", oaepResult.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_EddsaEd448Group_SkippedWithReason()
    {
        string path = Write("ed448.json", Wycheproof("EDDSA", "eddsa_verify_schema_v1.json", new JsonObject
        {
            ["type"] = "EddsaVerify", ["publicKey"] = new JsonObject { ["curve"] = "edwards448", ["pk"] = new string('0', 114) },
            ["publicKeyDer"] = "", ["tests"] = new JsonArray(Test(1, "valid", ("msg", []), ("sig", new byte[114]))),
        }));

        FileResult result = ConformanceRunner.RunFile(path);

        Assert.Equal((0, 0, 1), (result.Passed, result.Failed, result.Skipped));
        Assert.Contains("edwards448 is not offered", result.Summary(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static string FlipLastHexDigit(string hex) => hex[..^1] + (hex[^1] == '0' ? '1' : '0');

    private static JsonObject Test(int id, string result, params (string Name, byte[] Value)[] fields)
    {
        var test = new JsonObject { ["tcId"] = id, ["comment"] = "", ["flags"] = new JsonArray(), ["result"] = result };
        foreach ((string name, byte[] value) in fields)
        {
            test[name] = Hex(value);
        }

        return test;
    }

    private static JsonObject Wycheproof(string algorithm, string schema, params JsonObject[] groups)
    {
        var array = new JsonArray();
        int count = 0;
        foreach (JsonObject group in groups)
        {
            count += group["tests"]!.AsArray().Count;
            array.Add(group);
        }

        return new JsonObject
        {
            ["algorithm"] = algorithm, ["schema"] = schema, ["numberOfTests"] = count,
            ["header"] = new JsonArray(), ["notes"] = new JsonObject(), ["testGroups"] = array,
        };
    }

    private string Write(string name, JsonNode content) => Write(name, content.ToJsonString());

    private string Write(string name, string content)
    {
        string path = Path.Combine(_scratch, name);
        File.WriteAllText(path, content);
        return path;
    }
}
