using System.Diagnostics;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// Interop with the real <c>openssl</c> CLI (on PATH; <c>.ci/run</c> installs it when absent): keys
/// made by <c>openssl genpkey</c> import; openssl's signatures verify with ours and ours with
/// openssl; our exported PEM (plain, encrypted, public) is read by <c>openssl pkey</c>.
/// </summary>
public sealed class SignatureOpenSslInteropTests : IDisposable
{
    private const string Passphrase = "interop passphrase";
    private readonly string _dir = Directory.CreateTempSubdirectory("containersec-openssl-").FullName;

    public static TheoryData<string, string[], SignatureAlgorithm> OpenSslKeys => new()
    {
        { "ec-p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], SignatureAlgorithm.EcdsaP256Sha256Der },
        { "ec-p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], SignatureAlgorithm.EcdsaP384Sha384Der },
        { "ec-p521", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"], SignatureAlgorithm.EcdsaP521Sha512Der },
        { "rsa2048-pkcs1", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], SignatureAlgorithm.RsaPkcs1Sha256 },
        { "rsa2048-pss", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], SignatureAlgorithm.RsaPssSha512 },
        { "rsa3072-pss", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"], SignatureAlgorithm.RsaPssSha256 },
        { "rsa-pss-key", ["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"], SignatureAlgorithm.RsaPssSha384 },
        { "ed25519", ["-algorithm", "ED25519"], SignatureAlgorithm.Ed25519 },
    };

    [Theory]
    [MemberData(nameof(OpenSslKeys))]
    public void OpenSslKey_ImportsSignsAndVerifiesBothWays_AndOurPemIsReadByOpenSsl(string name, string[] genpkey, SignatureAlgorithm algorithm)
    {
        string key = File("key.pem"), pub = File("pub.pem"), msg = File("msg.bin");
        System.IO.File.WriteAllBytes(msg, System.Text.Encoding.UTF8.GetBytes($"image manifest for {name}"));
        OpenSsl(["genpkey", .. genpkey, "-out", key]);
        OpenSsl(["pkey", "-in", key, "-pubout", "-out", pub]);

        using SigningKey ours = SigningKey.ImportFromPem(algorithm, System.IO.File.ReadAllText(key), KeyExportPolicy.AllowPlaintextExport);
        using VerificationKey verifier = VerificationKey.ImportFromPem(algorithm, System.IO.File.ReadAllText(pub));
        byte[] message = System.IO.File.ReadAllBytes(msg);

        // openssl signs, we verify.
        string theirs = File("theirs.sig");
        OpenSsl(SignArguments(algorithm, key, msg, ["-out", theirs]));
        Assert.True(verifier.Verify(message, System.IO.File.ReadAllBytes(theirs)), "our verify rejected openssl's signature");
        Assert.False(verifier.Verify([.. message, 1], System.IO.File.ReadAllBytes(theirs)));

        // We sign, openssl verifies — with its own public key and with the one we export.
        string mine = File("mine.sig"), ourPub = File("ours-pub.pem");
        System.IO.File.WriteAllBytes(mine, ours.Sign(message));
        System.IO.File.WriteAllText(ourPub, verifier.ExportSubjectPublicKeyInfoPem());
        OpenSsl(VerifyArguments(algorithm, pub, msg, mine));
        OpenSsl(VerifyArguments(algorithm, ourPub, msg, mine));

        // A tampered signature must fail in openssl too (exit code 1), so the checks above can fail.
        byte[] tampered = System.IO.File.ReadAllBytes(mine);
        tampered[tampered.Length / 2] ^= 0x10;
        System.IO.File.WriteAllBytes(mine, tampered);
        Assert.NotEqual(0, OpenSsl(VerifyArguments(algorithm, pub, msg, mine), expectSuccess: false));

        // Our exported private PEM, plain and encrypted, is read by openssl and has the same public key.
        // (The encrypted form costs 600,000 PBKDF2 iterations on each side, so one key per family checks it.)
        string plain = File("ours.pem"), encrypted = File("ours-enc.pem");
        System.IO.File.WriteAllText(plain, ours.ExportPkcs8PrivateKeyPem());
        string expectedPublic = OpenSslText(["pkey", "-pubin", "-in", ourPub, "-pubout"]);
        Assert.Equal(expectedPublic, OpenSslText(["pkey", "-in", plain, "-pubout"]));
        if (name is "ec-p384" or "rsa-pss-key" or "ed25519")
        {
            System.IO.File.WriteAllText(encrypted, ours.ExportEncryptedPkcs8PrivateKeyPem(Passphrase));
            Assert.Equal(expectedPublic, OpenSslText(["pkey", "-in", encrypted, "-passin", $"pass:{Passphrase}", "-pubout"]));
            Assert.NotEqual(0, OpenSsl(["pkey", "-in", encrypted, "-passin", "pass:wrong", "-noout"], expectSuccess: false));
        }
    }

    [Theory]
    [InlineData("P-256")]
    [InlineData("ED25519")]
    public void OurGeneratedKey_OpenSslSignsWithIt_WeVerify(string kind)
    {
        SignatureAlgorithm algorithm = kind == "P-256" ? SignatureAlgorithm.EcdsaP256Sha256Der : SignatureAlgorithm.Ed25519;
        using SigningKey ours = SigningKey.Generate(algorithm, KeyExportPolicy.AllowPlaintextExport);
        using VerificationKey verifier = ours.GetVerificationKey();
        string key = File("ours.pem"), msg = File("msg.bin"), sig = File("sig.bin");
        System.IO.File.WriteAllText(key, ours.ExportEncryptedPkcs8PrivateKeyPem(Passphrase));
        System.IO.File.WriteAllBytes(msg, "policy bundle"u8.ToArray());

        OpenSsl(SignArguments(algorithm, key, msg, ["-passin", $"pass:{Passphrase}", "-out", sig]));

        Assert.True(verifier.Verify("policy bundle"u8, System.IO.File.ReadAllBytes(sig)));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string[] SignArguments(SignatureAlgorithm algorithm, string key, string msg, string[] options) => algorithm.HashFunction is null
        ? ["pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", msg, .. options]
        : ["dgst", $"-{DigestName(algorithm)}", "-sign", key, .. PssOptions(algorithm), .. options, msg];

    private static string[] VerifyArguments(SignatureAlgorithm algorithm, string pub, string msg, string sig) => algorithm.HashFunction is null
        ? ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", msg, "-sigfile", sig]
        : ["dgst", $"-{DigestName(algorithm)}", "-verify", pub, "-signature", sig, .. PssOptions(algorithm), msg];

    private static string DigestName(SignatureAlgorithm algorithm) => algorithm.HashFunction!.Name.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    private static string[] PssOptions(SignatureAlgorithm algorithm) => algorithm.Name.StartsWith("RSA-PSS", StringComparison.Ordinal)
        ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest", "-sigopt", $"rsa_mgf1_md:{DigestName(algorithm)}"]
        : [];

    private string File(string name) => Path.Combine(_dir, name);

    private string OpenSslText(string[] arguments)
    {
        string output = Path.Combine(_dir, "out.txt");
        OpenSsl([.. arguments, "-out", output]);
        Assert.True(new FileInfo(output).Length > 0);
        return System.IO.File.ReadAllText(output);
    }

    /// <summary>Runs openssl with an argument list (no shell); asserts exit code 0 unless told otherwise, and returns it.</summary>
    private int OpenSsl(string[] arguments, bool expectSuccess = true)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = _dir };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "openssl did not finish within 60 s");
        if (expectSuccess)
        {
            Assert.True(process.ExitCode == 0, $"openssl {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.Result} {stdout.Result}");
        }

        return process.ExitCode;
    }
}
