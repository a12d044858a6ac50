using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ContainerSec.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace ContainerSec.Benchmarks;

/// <summary>
/// Sign and verify of a 1 KiB message: ECDSA P-256/SHA-256 (P1363) and RSA-2048 PSS-SHA-256 against
/// the raw BCL call (<c>ECDsa.SignData</c> etc. into a preallocated buffer), Ed25519 against
/// BouncyCastle's <c>Ed25519Signer</c>. Each category has its own baseline (Ratio = 1.00).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SignatureBenchmarks
{
    private byte[] _message = null!;
    private byte[] _destination = null!;
    private byte[] _ecdsaSignature = null!;
    private byte[] _rsaSignature = null!;
    private byte[] _ed25519Signature = null!;
    private ECDsa _ecdsa = null!;
    private RSA _rsa = null!;
    private Ed25519PrivateKeyParameters _bcPrivate = null!;
    private Ed25519PublicKeyParameters _bcPublic = null!;
    private SigningKey _ecdsaKey = null!;
    private VerificationKey _ecdsaVerifier = null!;
    private SigningKey _rsaKey = null!;
    private VerificationKey _rsaVerifier = null!;
    private SigningKey _ed25519Key = null!;
    private VerificationKey _ed25519Verifier = null!;

    [GlobalSetup]
    public void Setup()
    {
        _message = Shared.RandomBytes(1024);
        _destination = new byte[512];
        _ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _rsa = RSA.Create(2048);
        _bcPrivate = new Ed25519PrivateKeyParameters(Shared.RandomBytes(32));
        _bcPublic = _bcPrivate.GeneratePublicKey();

        _ecdsaKey = SigningKey.ImportPkcs8PrivateKey(SignatureAlgorithm.EcdsaP256Sha256, _ecdsa.ExportPkcs8PrivateKey());
        _ecdsaVerifier = _ecdsaKey.GetVerificationKey();
        _rsaKey = SigningKey.ImportPkcs8PrivateKey(SignatureAlgorithm.RsaPssSha256, _rsa.ExportPkcs8PrivateKey());
        _rsaVerifier = _rsaKey.GetVerificationKey();
        _ed25519Key = SigningKey.ImportRawPrivateKey(SignatureAlgorithm.Ed25519, _bcPrivate.GetEncoded());
        _ed25519Verifier = _ed25519Key.GetVerificationKey();

        _ecdsaSignature = _ecdsa.SignData(_message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        _rsaSignature = _rsa.SignData(_message, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        _ed25519Signature = BouncyCastleEd25519Sign();

        // Both sides must accept each other's signatures, and Ed25519 (deterministic) must agree byte for byte.
        Require(_ecdsaVerifier.Verify(_message, _ecdsaSignature) && EcdsaVerifyBcl() && EcdsaVerify(), "ECDSA");
        Require(_ecdsa.VerifyData(_message, _destination.AsSpan(0, EcdsaSign()), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation), "ECDSA (ours under the BCL)");
        Require(_rsaVerifier.Verify(_message, _rsaSignature) && RsaVerifyBcl() && RsaVerify(), "RSA-PSS");
        Require(_rsa.VerifyData(_message, _destination.AsSpan(0, RsaSign()), HashAlgorithmName.SHA256, RSASignaturePadding.Pss), "RSA-PSS (ours under the BCL)");
        Shared.RequireEqual(_ed25519Signature, _destination.AsSpan(0, Ed25519Sign()), "Ed25519 signature");
        Require(Ed25519VerifyBouncyCastle() && Ed25519Verify(), "Ed25519");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ecdsa.Dispose();
        _rsa.Dispose();
        _ecdsaKey.Dispose();
        _ecdsaVerifier.Dispose();
        _rsaKey.Dispose();
        _rsaVerifier.Dispose();
        _ed25519Key.Dispose();
        _ed25519Verifier.Dispose();
    }

    [Benchmark(Baseline = true, Description = "BCL ECDsa.SignData")]
    [BenchmarkCategory("ECDSA P-256 sign")]
    public int EcdsaSignBcl() => _ecdsa.SignData(_message, _destination, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    [Benchmark(Description = "SigningKey.Sign")]
    [BenchmarkCategory("ECDSA P-256 sign")]
    public int EcdsaSign() => _ecdsaKey.Sign(_message, _destination);

    [Benchmark(Baseline = true, Description = "BCL ECDsa.VerifyData")]
    [BenchmarkCategory("ECDSA P-256 verify")]
    public bool EcdsaVerifyBcl() => _ecdsa.VerifyData(_message, _ecdsaSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    [Benchmark(Description = "VerificationKey.Verify")]
    [BenchmarkCategory("ECDSA P-256 verify")]
    public bool EcdsaVerify() => _ecdsaVerifier.Verify(_message, _ecdsaSignature);

    [Benchmark(Baseline = true, Description = "BCL RSA.SignData PSS")]
    [BenchmarkCategory("RSA-2048 PSS sign")]
    public int RsaSignBcl() => _rsa.SignData(_message, _destination, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);

    [Benchmark(Description = "SigningKey.Sign")]
    [BenchmarkCategory("RSA-2048 PSS sign")]
    public int RsaSign() => _rsaKey.Sign(_message, _destination);

    [Benchmark(Baseline = true, Description = "BCL RSA.VerifyData PSS")]
    [BenchmarkCategory("RSA-2048 PSS verify")]
    public bool RsaVerifyBcl() => _rsa.VerifyData(_message, _rsaSignature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);

    [Benchmark(Description = "VerificationKey.Verify")]
    [BenchmarkCategory("RSA-2048 PSS verify")]
    public bool RsaVerify() => _rsaVerifier.Verify(_message, _rsaSignature);

    [Benchmark(Baseline = true, Description = "BouncyCastle Ed25519Signer")]
    [BenchmarkCategory("Ed25519 sign")]
    public byte[] BouncyCastleEd25519Sign()
    {
        var signer = new Ed25519Signer();
        signer.Init(true, _bcPrivate);
        signer.BlockUpdate(_message, 0, _message.Length);
        return signer.GenerateSignature();
    }

    [Benchmark(Description = "SigningKey.Sign")]
    [BenchmarkCategory("Ed25519 sign")]
    public int Ed25519Sign() => _ed25519Key.Sign(_message, _destination);

    [Benchmark(Baseline = true, Description = "BouncyCastle Ed25519Signer")]
    [BenchmarkCategory("Ed25519 verify")]
    public bool Ed25519VerifyBouncyCastle()
    {
        var signer = new Ed25519Signer();
        signer.Init(false, _bcPublic);
        signer.BlockUpdate(_message, 0, _message.Length);
        return signer.VerifySignature(_ed25519Signature);
    }

    [Benchmark(Description = "VerificationKey.Verify")]
    [BenchmarkCategory("Ed25519 verify")]
    public bool Ed25519Verify() => _ed25519Verifier.Verify(_message, _ed25519Signature);

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Benchmark setup check failed: {what} signatures do not verify across implementations.");
        }
    }
}
