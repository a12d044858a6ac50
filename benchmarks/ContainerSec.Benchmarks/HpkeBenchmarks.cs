using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ContainerSec.Cryptography;
using Rfc7748 = Org.BouncyCastle.Math.EC.Rfc7748;

namespace ContainerSec.Benchmarks;

/// <summary>
/// HPKE single-shot Seal and Open of 1 KiB, base mode, AES-128-GCM, for both KEMs. BouncyCastle for
/// .NET has no HPKE, so the baseline is the same RFC 9180 computation written out by hand on the raw
/// calls (BouncyCastle X25519 or BCL ECDH, BCL HKDF, BCL AesGcm): what HPKE costs without the
/// library's key objects, checks and zeroing.
/// </summary>
[MemoryDiagnoser]
public class HpkeBenchmarks
{
    private HpkeSuite _suite = null!;
    private KeyAgreementPrivateKey _recipient = null!;
    private RawHpke _raw = null!;
    private byte[] _plaintext = null!;
    private byte[] _info = null!;
    private byte[] _enc = null!;
    private byte[] _ciphertext = null!;

    [Params("X25519", "P-256")]
    public string Kem { get; set; } = "X25519";

    [GlobalSetup]
    public void Setup()
    {
        HpkeKem kem = Kem == "X25519" ? HpkeKem.DhKemX25519HkdfSha256 : HpkeKem.DhKemP256HkdfSha256;
        _suite = new HpkeSuite(kem, HpkeKdf.HkdfSha256, HpkeAead.Aes128Gcm);
        _recipient = KeyAgreementPrivateKey.Generate(kem.KeyAgreementAlgorithm, KeyExportPolicy.AllowPlaintextExport);
        _raw = new RawHpke(kem.Id, _recipient.Export(), _recipient.PublicKey.Export());
        _plaintext = Shared.RandomBytes(1024);
        _info = "ContainerSec benchmark"u8.ToArray();
        _ciphertext = _suite.Seal(_recipient.PublicKey, _plaintext, out _enc, _info);

        Shared.RequireEqual(_plaintext, _raw.Open(_enc, _ciphertext, _info), "HpkeSuite.Seal opened by the raw baseline");
        (byte[] rawEnc, byte[] rawCiphertext) = _raw.Seal(_plaintext, _info);
        Shared.RequireEqual(_plaintext, _suite.Open(rawEnc, _recipient, rawCiphertext, _info), "raw baseline Seal opened by HpkeSuite.Open");
    }

    [GlobalCleanup]
    public void Cleanup() => _recipient.Dispose();

    [Benchmark(Baseline = true, Description = "raw calls: Seal 1 KiB")]
    public int RawSeal() => _raw.Seal(_plaintext, _info).Ciphertext.Length;

    [Benchmark(Description = "HpkeSuite.Seal 1 KiB")]
    public int Seal() => _suite.Seal(_recipient.PublicKey, _plaintext, out _, _info).Length;

    [Benchmark(Description = "raw calls: Open 1 KiB")]
    public int RawOpen() => _raw.Open(_enc, _ciphertext, _info).Length;

    [Benchmark(Description = "HpkeSuite.Open 1 KiB")]
    public int Open() => _suite.Open(_enc, _recipient, _ciphertext, _info).Length;

    /// <summary>RFC 9180 base mode, single shot, on the raw primitives; for the benchmark baseline only.</summary>
    private sealed class RawHpke(ushort kemId, byte[] recipientPrivate, byte[] recipientPublic)
    {
        private readonly byte[] _kemSuite = [(byte)'K', (byte)'E', (byte)'M', 0, (byte)kemId];
        private readonly byte[] _suite = [(byte)'H', (byte)'P', (byte)'K', (byte)'E', 0, (byte)kemId, 0, 1, 0, 1];
        private readonly ECDiffieHellman? _recipientEcdh = kemId == 0x10
            ? ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = recipientPrivate })
            : null;

        // The recipient's public key imported once, as the library's KeyAgreementPublicKey does.
        private readonly ECDiffieHellmanPublicKey? _recipientPeer = kemId == 0x10
            ? ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = recipientPublic[1..33], Y = recipientPublic[33..] } }).PublicKey
            : null;

        public (byte[] Enc, byte[] Ciphertext) Seal(byte[] plaintext, byte[] info)
        {
            byte[] enc, dh;
            if (_recipientEcdh is null)
            {
                byte[] ephemeral = new byte[32];
                RandomNumberGenerator.Fill(ephemeral);
                enc = new byte[32];
                dh = new byte[32];
                Rfc7748.X25519.ScalarMultBase(ephemeral, enc);
                Rfc7748.X25519.CalculateAgreement(ephemeral, recipientPublic, dh);
            }
            else
            {
                using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
                ECParameters q = ephemeral.ExportParameters(false);
                enc = [4, .. q.Q.X!, .. q.Q.Y!];
                dh = ephemeral.DeriveRawSecretAgreement(_recipientPeer!);
            }

            byte[] ciphertext = new byte[plaintext.Length + 16];
            using AesGcm aes = Schedule(dh, enc, info, out byte[] nonce);
            aes.Encrypt(nonce, plaintext, ciphertext.AsSpan(0, plaintext.Length), ciphertext.AsSpan(plaintext.Length));
            return (enc, ciphertext);
        }

        public byte[] Open(byte[] enc, byte[] ciphertext, byte[] info)
        {
            byte[] dh;
            if (_recipientEcdh is null)
            {
                dh = new byte[32];
                Rfc7748.X25519.CalculateAgreement(recipientPrivate, enc, dh);
            }
            else
            {
                using var peer = ECDiffieHellman.Create(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = enc[1..33], Y = enc[33..] },
                });
                dh = _recipientEcdh.DeriveRawSecretAgreement(peer.PublicKey);
            }

            byte[] plaintext = new byte[ciphertext.Length - 16];
            using AesGcm aes = Schedule(dh, enc, info, out byte[] nonce);
            aes.Decrypt(nonce, ciphertext.AsSpan(0, plaintext.Length), ciphertext.AsSpan(plaintext.Length), plaintext);
            return plaintext;
        }

        private AesGcm Schedule(byte[] dh, byte[] enc, byte[] info, out byte[] nonce)
        {
            byte[] sharedSecret = Expand(_kemSuite, Extract(_kemSuite, [], "eae_prk"u8, dh), "shared_secret"u8, [.. enc, .. recipientPublic], 32);
            byte[] context = [0, .. Extract(_suite, [], "psk_id_hash"u8, []), .. Extract(_suite, [], "info_hash"u8, info)];
            byte[] secret = Extract(_suite, sharedSecret, "secret"u8, []);
            nonce = Expand(_suite, secret, "base_nonce"u8, context, 12);
            return new AesGcm(Expand(_suite, secret, "key"u8, context, 16), 16);
        }

        private static byte[] Extract(byte[] suite, byte[] salt, ReadOnlySpan<byte> label, byte[] ikm) =>
            HKDF.Extract(HashAlgorithmName.SHA256, [.. "HPKE-v1"u8, .. suite, .. label, .. ikm], salt);

        private static byte[] Expand(byte[] suite, byte[] prk, ReadOnlySpan<byte> label, byte[] info, int length)
        {
            byte[] labeled = [0, 0, .. "HPKE-v1"u8, .. suite, .. label, .. info];
            BinaryPrimitives.WriteUInt16BigEndian(labeled, (ushort)length);
            return HKDF.Expand(HashAlgorithmName.SHA256, prk, length, labeled);
        }
    }
}
