using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ContainerSec.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace ContainerSec.Benchmarks;

/// <summary>
/// AES-256-GCM encryption of one message with a 16-byte associated data. Every implementation
/// takes a fresh nonce per message (a counter written into the nonce, the same cost for all), so
/// the ratios compare like with like. All buffers are preallocated in <see cref="Setup"/>.
/// </summary>
[MemoryDiagnoser]
public class AeadEncryptBenchmarks
{
    private const int TagSizeInBits = AeadAlgorithm.TagSize * 8;

    private byte[] _keyBytes = null!;
    private byte[] _associatedData = null!;
    private byte[] _plaintext = null!;
    private byte[] _nonce = null!;
    private ulong _counter;

    // BCL baseline: detached ciphertext and tag.
    private AesGcm _aesGcm = null!;
    private byte[] _bclCiphertext = null!;
    private byte[] _bclTag = null!;

    // Ours: ciphertext ‖ tag.
    private AeadKey _aeadKey = null!;
    private byte[] _oursDestination = null!;

    // BouncyCastle: ciphertext ‖ tag. GCM refuses to re-Init with the nonce of the previous call, and
    // may keep a reference to the array it was given, so the nonce alternates between two arrays.
    private GcmBlockCipher _bouncyGcm = null!;
    private byte[][] _bouncyNonces = null!;
    private byte[] _bouncyDestination = null!;

    [Params(64, 1024, 16 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _keyBytes = Shared.RandomBytes(AeadAlgorithm.Aes256Gcm.KeySizeInBytes);
        _associatedData = Shared.AssociatedData();
        _plaintext = Shared.RandomBytes(Size);
        _nonce = Shared.RandomBytes(AeadAlgorithm.NonceSize);
        _counter = 0;

        _aesGcm = new AesGcm(_keyBytes, AeadAlgorithm.TagSize);
        _bclCiphertext = new byte[Size];
        _bclTag = new byte[AeadAlgorithm.TagSize];

        _aeadKey = AeadKey.Import(AeadAlgorithm.Aes256Gcm, _keyBytes);
        _oursDestination = new byte[AeadAlgorithm.Aes256Gcm.GetCiphertextSize(Size)];

        _bouncyNonces = [(byte[])_nonce.Clone(), (byte[])_nonce.Clone()];
        _bouncyDestination = new byte[AeadAlgorithm.Aes256Gcm.GetCiphertextSize(Size)];
        _bouncyGcm = new GcmBlockCipher(AesUtilities.CreateEngine());

        // The first Init carries the key; per-message Inits pass a null key, which BouncyCastle
        // documents as "reuse the last key" (no new key schedule or GHASH table per message).
        _bouncyGcm.Init(true, new AeadParameters(new KeyParameter(_keyBytes), TagSizeInBits, _nonce, _associatedData));

        // All three must produce the same ciphertext ‖ tag for the same nonce.
        int bouncyLength = _bouncyGcm.ProcessBytes(_plaintext, 0, _plaintext.Length, _bouncyDestination, 0);
        bouncyLength += _bouncyGcm.DoFinal(_bouncyDestination, bouncyLength);
        _aesGcm.Encrypt(_nonce, _plaintext, _bclCiphertext, _bclTag, _associatedData);
        int oursLength = _aeadKey.Encrypt(_nonce, _plaintext, _oursDestination, _associatedData);
        byte[] expected = [.. _bclCiphertext, .. _bclTag];
        Shared.RequireEqual(expected, _oursDestination.AsSpan(0, oursLength), "AeadKey.Encrypt");
        Shared.RequireEqual(expected, _bouncyDestination.AsSpan(0, bouncyLength), "BouncyCastle GCM");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aesGcm.Dispose();
        _aeadKey.Dispose();
        CryptographicOperations.ZeroMemory(_keyBytes);
    }

    [Benchmark(Baseline = true, Description = "BCL AesGcm.Encrypt")]
    public byte Bcl()
    {
        Shared.SetNonceCounter(_nonce, ++_counter);
        _aesGcm.Encrypt(_nonce, _plaintext, _bclCiphertext, _bclTag, _associatedData);
        return _bclTag[0];
    }

    [Benchmark(Description = "AeadKey.Encrypt (span)")]
    public byte AeadKeySpan()
    {
        Shared.SetNonceCounter(_nonce, ++_counter);
        int written = _aeadKey.Encrypt(_nonce, _plaintext, _oursDestination, _associatedData);
        return _oursDestination[written - 1];
    }

    [Benchmark(Description = "BouncyCastle GcmBlockCipher")]
    public byte BouncyCastle()
    {
        ulong counter = ++_counter;
        byte[] nonce = _bouncyNonces[(int)(counter & 1)];
        Shared.SetNonceCounter(nonce, counter);
        _bouncyGcm.Init(true, new AeadParameters(null, TagSizeInBits, nonce, _associatedData));
        int written = _bouncyGcm.ProcessBytes(_plaintext, 0, _plaintext.Length, _bouncyDestination, 0);
        written += _bouncyGcm.DoFinal(_bouncyDestination, written);
        return _bouncyDestination[written - 1];
    }
}
