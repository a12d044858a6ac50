using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ContainerSec.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace ContainerSec.Benchmarks;

/// <summary>
/// A full Noise XX handshake (Noise_XX_25519_AESGCM_SHA256), both sides in memory, empty payloads:
/// three messages written and read, both sides split into transports.
/// </summary>
/// <remarks>
/// <para>No other .NET Noise implementation is available here, so the baseline is the <b>primitive
/// floor</b>: exactly the cryptographic operations an XX handshake of both sides must perform,
/// called directly, with no state machine, no transcript bookkeeping and no key objects —</para>
/// <list type="bullet">
/// <item>X25519 (BouncyCastle's RFC 7748 code, which the library's key agreement also uses): 2 ephemeral key
/// generations and 6 agreements (ee, es, se on each side);</item>
/// <item>HKDF over HMAC-SHA-256 (BCL): 6 two-output derivations (MixKey ×3 per side) and 2 for Split;</item>
/// <item>AES-256-GCM (BCL <c>AesGcm</c>): a context for each of the 10 keys (3 handshake keys per
/// side and 2 transport keys per side), 4 encryptions (the two encrypted static keys and two
/// tags of the keyed payloads) and 4 decryptions;</item>
/// <item>SHA-256 (BCL): the 16 MixHash calls (8 per side: prologue, e, payload, e, s, payload, s, payload).</item>
/// </list>
/// <para>The ratio handshake / floor is therefore the whole cost of the framework around the
/// primitives: the state machine, key objects, pinned buffers and zeroing. The P-256 variant
/// (the library's extension) is measured alongside for scale; it has no floor of its own.</para>
/// </remarks>
[MemoryDiagnoser]
public class NoiseBenchmarks
{
    private static readonly NoiseProtocol Xx25519 = NoiseProtocol.Parse("Noise_XX_25519_AESGCM_SHA256");
    private static readonly NoiseProtocol XxP256 = NoiseProtocol.Parse("Noise_XX_P256_AESGCM_SHA256");

    private readonly byte[] _buffer = new byte[256];
    private readonly byte[] _payload = new byte[64];
    private KeyAgreementPrivateKey _initiatorStatic = null!;
    private KeyAgreementPrivateKey _responderStatic = null!;
    private KeyAgreementPrivateKey _initiatorStaticP256 = null!;
    private KeyAgreementPrivateKey _responderStaticP256 = null!;

    private byte[] _floorInitiatorStatic = null!;
    private byte[] _floorResponderStatic = null!;
    private byte[] _floorInitiatorStaticPublic = null!;
    private byte[] _floorResponderStaticPublic = null!;
    private byte[] _floorOutputs = null!;

    [GlobalSetup]
    public void Setup()
    {
        _initiatorStatic = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.X25519);
        _responderStatic = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.X25519);
        _initiatorStaticP256 = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.EcdhP256);
        _responderStaticP256 = KeyAgreementPrivateKey.Generate(KeyAgreementAlgorithm.EcdhP256);

        _floorInitiatorStatic = Shared.RandomBytes(32);
        _floorResponderStatic = Shared.RandomBytes(32);
        _floorInitiatorStaticPublic = new byte[32];
        _floorResponderStaticPublic = new byte[32];
        X25519.GeneratePublicKey(_floorInitiatorStatic, _floorInitiatorStaticPublic);
        X25519.GeneratePublicKey(_floorResponderStatic, _floorResponderStaticPublic);
        _floorOutputs = new byte[6 * 32];

        // The handshake must really complete with equal hashes and working transports on both sides.
        RequireHandshake(Xx25519, _initiatorStatic, _responderStatic);
        RequireHandshake(XxP256, _initiatorStaticP256, _responderStaticP256);

        // The floor must compute real agreements: each DH, done by the two sides, gives the same secret.
        PrimitiveFloor();
        Shared.RequireEqual(_floorOutputs.AsSpan(0, 32), _floorOutputs.AsSpan(32, 32), "floor ee");
        Shared.RequireEqual(_floorOutputs.AsSpan(64, 32), _floorOutputs.AsSpan(96, 32), "floor es");
        Shared.RequireEqual(_floorOutputs.AsSpan(128, 32), _floorOutputs.AsSpan(160, 32), "floor se");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _initiatorStatic.Dispose();
        _responderStatic.Dispose();
        _initiatorStaticP256.Dispose();
        _responderStaticP256.Dispose();
        CryptographicOperations.ZeroMemory(_floorInitiatorStatic);
        CryptographicOperations.ZeroMemory(_floorResponderStatic);
    }

    [Benchmark(Baseline = true, Description = "Primitive floor of XX (BouncyCastle X25519 + BCL AES-GCM/HMAC/SHA-256)")]
    public byte PrimitiveFloor()
    {
        Span<byte> initiatorEphemeral = stackalloc byte[32];
        Span<byte> responderEphemeral = stackalloc byte[32];
        Span<byte> initiatorEphemeralPublic = stackalloc byte[32];
        Span<byte> responderEphemeralPublic = stackalloc byte[32];
        RandomNumberGenerator.Fill(initiatorEphemeral);
        RandomNumberGenerator.Fill(responderEphemeral);
        X25519.GeneratePublicKey(initiatorEphemeral, initiatorEphemeralPublic);
        X25519.GeneratePublicKey(responderEphemeral, responderEphemeralPublic);

        Span<byte> outputs = _floorOutputs;
        X25519.CalculateAgreement(initiatorEphemeral, responderEphemeralPublic, outputs[..32]);
        X25519.CalculateAgreement(responderEphemeral, initiatorEphemeralPublic, outputs.Slice(32, 32));
        X25519.CalculateAgreement(initiatorEphemeral, _floorResponderStaticPublic, outputs.Slice(64, 32));
        X25519.CalculateAgreement(_floorResponderStatic, initiatorEphemeralPublic, outputs.Slice(96, 32));
        X25519.CalculateAgreement(_floorInitiatorStatic, responderEphemeralPublic, outputs.Slice(128, 32));
        X25519.CalculateAgreement(responderEphemeral, _floorInitiatorStaticPublic, outputs.Slice(160, 32));

        Span<byte> chainingKey = stackalloc byte[32];
        Span<byte> hash = stackalloc byte[32];
        Span<byte> hashInput = stackalloc byte[32 + 48];
        Span<byte> prk = stackalloc byte[32];
        Span<byte> keys = stackalloc byte[64];
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> ciphertext = stackalloc byte[32];
        Span<byte> tag = stackalloc byte[16];
        Span<byte> plaintext = stackalloc byte[32];
        byte result = 0;

        for (int i = 0; i < 16; i++)
        {
            SHA256.HashData(hashInput, hash);
        }

        for (int i = 0; i < 8; i++)
        {
            HMACSHA256.HashData(chainingKey, outputs.Slice((i % 6) * 32, 32), prk);
            HKDF.Expand(HashAlgorithmName.SHA256, prk, keys, ReadOnlySpan<byte>.Empty);
        }

        for (int i = 0; i < 10; i++)
        {
            using var gcm = new AesGcm(keys[..32], 16);
            if (i < 4)
            {
                gcm.Encrypt(nonce, plaintext, ciphertext, tag, hash);
                result ^= tag[0];
            }
            else if (i < 8)
            {
                gcm.Encrypt(nonce, plaintext, ciphertext, tag, hash);
                gcm.Decrypt(nonce, ciphertext, tag, plaintext, hash);
            }
        }

        return (byte)(result ^ outputs[0]);
    }

    [Benchmark(Description = "NoiseHandshake XX 25519 (both sides + Split)")]
    public byte HandshakeXx25519() => Handshake(Xx25519, _initiatorStatic, _responderStatic);

    [Benchmark(Description = "NoiseHandshake XX P256 (both sides + Split)")]
    public byte HandshakeXxP256() => Handshake(XxP256, _initiatorStaticP256, _responderStaticP256);

    private byte Handshake(NoiseProtocol protocol, KeyAgreementPrivateKey initiatorStatic, KeyAgreementPrivateKey responderStatic)
    {
        using NoiseHandshake initiator = NoiseHandshake.CreateInitiator(protocol, initiatorStatic);
        using NoiseHandshake responder = NoiseHandshake.CreateResponder(protocol, responderStatic);
        Span<byte> payload = _payload;

        int written = initiator.WriteMessage([], _buffer);
        responder.ReadMessage(_buffer.AsSpan(0, written), payload);
        written = responder.WriteMessage([], _buffer);
        initiator.ReadMessage(_buffer.AsSpan(0, written), payload);
        written = initiator.WriteMessage([], _buffer);
        responder.ReadMessage(_buffer.AsSpan(0, written), payload);

        using NoiseTransport initiatorTransport = initiator.Split();
        using NoiseTransport responderTransport = responder.Split();
        return _buffer[0];
    }

    private static void RequireHandshake(NoiseProtocol protocol, KeyAgreementPrivateKey initiatorStatic, KeyAgreementPrivateKey responderStatic)
    {
        using NoiseHandshake initiator = NoiseHandshake.CreateInitiator(protocol, initiatorStatic);
        using NoiseHandshake responder = NoiseHandshake.CreateResponder(protocol, responderStatic);
        responder.ReadMessage(initiator.WriteMessage([]));
        initiator.ReadMessage(responder.WriteMessage([]));
        responder.ReadMessage(initiator.WriteMessage([]));
        Shared.RequireEqual(initiator.GetHandshakeHash(), responder.GetHandshakeHash(), $"{protocol.Name} handshake hash");
        using NoiseTransport sender = initiator.Split();
        using NoiseTransport receiver = responder.Split();
        Shared.RequireEqual("check"u8, receiver.Decrypt(sender.Encrypt("check"u8)), $"{protocol.Name} transport");
    }
}
