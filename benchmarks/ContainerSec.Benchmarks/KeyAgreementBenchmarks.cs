using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ContainerSec.Cryptography;
using Rfc7748 = Org.BouncyCastle.Math.EC.Rfc7748;

namespace ContainerSec.Benchmarks;

/// <summary>
/// ECDH P-256: the derivation alone with the peer key already imported (baseline: the BCL's
/// <c>DeriveRawSecretAgreement</c>), and the full "peer key off the wire" path (import, validate,
/// derive) for both. The secret is disposed in each call, as a real caller would.
/// </summary>
[MemoryDiagnoser]
public class KeyAgreementEcdhP256Benchmarks
{
    private ECDiffieHellman _bclPrivate = null!;
    private ECDiffieHellmanPublicKey _bclPeer = null!;
    private ECParameters _peerParameters;
    private KeyAgreementPrivateKey _ours = null!;
    private KeyAgreementPublicKey _oursPeer = null!;
    private byte[] _peerWire = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ours = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.EcdhP256, KeyExportPolicy.AllowPlaintextExport);
        _bclPrivate = ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = _ours.Export() });
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        _peerParameters = peer.ExportParameters(includePrivateParameters: false);
        _bclPeer = ECDiffieHellman.Create(_peerParameters).PublicKey;
        _peerWire = [4, .. _peerParameters.Q.X!, .. _peerParameters.Q.Y!];
        _oursPeer = KeyAgreementPublicKey.Import(KeyAgreementAlgorithm.EcdhP256, _peerWire);

        byte[] expected = _bclPrivate.DeriveRawSecretAgreement(_bclPeer);
        using SharedSecret secret = _ours.Agree(_oursPeer);
        using MacKey derived = secret.DeriveMacKey(HashFunction.Sha256, [], [], MacAlgorithm.HmacSha256, KeyExportPolicy.AllowPlaintextExport);
        Shared.RequireEqual(Hkdf.DeriveKey(HashFunction.Sha256, expected, 32), derived.Export(), "KeyAgreementPrivateKey.Agree (P-256)");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ours.Dispose();
        _bclPrivate.Dispose();
    }

    [Benchmark(Baseline = true, Description = "BCL DeriveRawSecretAgreement (peer imported)")]
    public byte Bcl()
    {
        byte[] secret = _bclPrivate.DeriveRawSecretAgreement(_bclPeer);
        byte first = secret[0];
        CryptographicOperations.ZeroMemory(secret);
        return first;
    }

    [Benchmark(Description = "Agree (peer imported)")]
    public int Agree()
    {
        using SharedSecret secret = _ours.Agree(_oursPeer);
        return secret.SizeInBytes;
    }

    [Benchmark(Description = "BCL import peer + derive")]
    public byte BclImportAndDerive()
    {
        using var peer = ECDiffieHellman.Create(_peerParameters);
        using ECDiffieHellmanPublicKey peerKey = peer.PublicKey;
        byte[] secret = _bclPrivate.DeriveRawSecretAgreement(peerKey);
        byte first = secret[0];
        CryptographicOperations.ZeroMemory(secret);
        return first;
    }

    [Benchmark(Description = "Import peer + Agree")]
    public int ImportAndAgree()
    {
        KeyAgreementPublicKey peer = KeyAgreementPublicKey.Import(KeyAgreementAlgorithm.EcdhP256, _peerWire);
        using SharedSecret secret = _ours.Agree(peer);
        return secret.SizeInBytes;
    }
}

/// <summary>X25519: BouncyCastle's agreement (which the library wraps) as the baseline, and ours with and without the peer-key import.</summary>
[MemoryDiagnoser]
public class KeyAgreementX25519Benchmarks
{
    private readonly byte[] _bcOutput = new byte[32];
    private byte[] _privateKey = null!;
    private byte[] _peerWire = null!;
    private KeyAgreementPrivateKey _ours = null!;
    private KeyAgreementPublicKey _oursPeer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ours = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.X25519, KeyExportPolicy.AllowPlaintextExport);
        _privateKey = _ours.Export();
        using KeyAgreementPrivateKey peer = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.X25519);
        _peerWire = peer.PublicKey.Export();
        _oursPeer = KeyAgreementPublicKey.Import(KeyAgreementAlgorithm.X25519, _peerWire);

        BouncyCastle();
        using SharedSecret secret = _ours.Agree(_oursPeer);
        using MacKey derived = secret.DeriveMacKey(HashFunction.Sha256, [], [], MacAlgorithm.HmacSha256, KeyExportPolicy.AllowPlaintextExport);
        Shared.RequireEqual(Hkdf.DeriveKey(HashFunction.Sha256, _bcOutput, 32), derived.Export(), "KeyAgreementPrivateKey.Agree (X25519)");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ours.Dispose();
        CryptographicOperations.ZeroMemory(_privateKey);
    }

    [Benchmark(Baseline = true, Description = "BouncyCastle X25519.CalculateAgreement")]
    public bool BouncyCastle() => Rfc7748.X25519.CalculateAgreement(_privateKey, _peerWire, _bcOutput);

    [Benchmark(Description = "Agree (peer imported)")]
    public int Agree()
    {
        using SharedSecret secret = _ours.Agree(_oursPeer);
        return secret.SizeInBytes;
    }

    [Benchmark(Description = "Import peer + Agree")]
    public int ImportAndAgree()
    {
        KeyAgreementPublicKey peer = KeyAgreementPublicKey.Import(KeyAgreementAlgorithm.X25519, _peerWire);
        using SharedSecret secret = _ours.Agree(peer);
        return secret.SizeInBytes;
    }
}
