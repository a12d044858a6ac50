using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ContainerSec.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace ContainerSec.Benchmarks;

/// <summary>
/// AES-256-GCM decryption (with tag verification) of one message with a 16-byte associated data.
/// Each implementation decrypts a valid ciphertext that it produced itself in <see cref="Setup"/>;
/// decryption may repeat a nonce, so every call decrypts the same message. All buffers are
/// preallocated.
/// </summary>
[MemoryDiagnoser]
public class AeadDecryptBenchmarks
{
    private const int TagSizeInBits = AeadAlgorithm.TagSize * 8;

    private byte[] _keyBytes = null!;
    private byte[] _associatedData = null!;
    private byte[] _plaintext = null!;
    private byte[] _nonce = null!;

    // BCL baseline: detached ciphertext and tag.
    private AesGcm _aesGcm = null!;
    private byte[] _bclCiphertext = null!;
    private byte[] _bclTag = null!;
    private byte[] _bclPlaintext = null!;

    // Ours: ciphertext ‖ tag.
    private AeadKey _aeadKey = null!;
    private byte[] _oursSource = null!;
    private byte[] _oursPlaintext = null!;

    // BouncyCastle: ciphertext ‖ tag.
    private GcmBlockCipher _bouncyGcm = null!;
    private byte[] _bouncySource = null!;
    private byte[] _bouncyPlaintext = null!;

    [Params(64, 1024, 16 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _keyBytes = Shared.RandomBytes(AeadAlgorithm.Aes256Gcm.KeySizeInBytes);
        _associatedData = Shared.AssociatedData();
        _plaintext = Shared.RandomBytes(Size);
        _nonce = Shared.RandomBytes(AeadAlgorithm.NonceSize);
        int sealedSize = AeadAlgorithm.Aes256Gcm.GetCiphertextSize(Size);

        _aesGcm = new AesGcm(_keyBytes, AeadAlgorithm.TagSize);
        _bclCiphertext = new byte[Size];
        _bclTag = new byte[AeadAlgorithm.TagSize];
        _bclPlaintext = new byte[Size];
        _aesGcm.Encrypt(_nonce, _plaintext, _bclCiphertext, _bclTag, _associatedData);

        _aeadKey = AeadKey.Import(AeadAlgorithm.Aes256Gcm, _keyBytes);
        _oursSource = new byte[sealedSize];
        _oursPlaintext = new byte[Size];
        _aeadKey.Encrypt(_nonce, _plaintext, _oursSource, _associatedData);

        // The encrypting instance sets the key; the decrypting one is keyed here once, and each
        // call re-Inits it with a null key, which BouncyCastle documents as "reuse the last key".
        var keyParameter = new KeyParameter(_keyBytes);
        var bouncyEncrypt = new GcmBlockCipher(AesUtilities.CreateEngine());
        bouncyEncrypt.Init(true, new AeadParameters(keyParameter, TagSizeInBits, _nonce, _associatedData));
        _bouncySource = new byte[sealedSize];
        int sealedLength = bouncyEncrypt.ProcessBytes(_plaintext, 0, _plaintext.Length, _bouncySource, 0);
        bouncyEncrypt.DoFinal(_bouncySource, sealedLength);
        _bouncyPlaintext = new byte[Size];
        _bouncyGcm = new GcmBlockCipher(AesUtilities.CreateEngine());
        _bouncyGcm.Init(false, new AeadParameters(keyParameter, TagSizeInBits, _nonce, _associatedData));

        // Same key, nonce and data: all three must have produced the same ciphertext ‖ tag. Then run
        // each measured path once and check that it round-trips.
        byte[] expected = [.. _bclCiphertext, .. _bclTag];
        Shared.RequireEqual(expected, _oursSource, "AeadKey.Encrypt");
        Shared.RequireEqual(expected, _bouncySource, "BouncyCastle GCM encryption");
        Bcl();
        AeadKeySpan();
        BouncyCastle();
        Shared.RequireEqual(_plaintext, _bclPlaintext, "AesGcm.Decrypt");
        Shared.RequireEqual(_plaintext, _oursPlaintext, "AeadKey.Decrypt");
        Shared.RequireEqual(_plaintext, _bouncyPlaintext, "BouncyCastle GCM decryption");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aesGcm.Dispose();
        _aeadKey.Dispose();
        CryptographicOperations.ZeroMemory(_keyBytes);
    }

    [Benchmark(Baseline = true, Description = "BCL AesGcm.Decrypt")]
    public byte Bcl()
    {
        _aesGcm.Decrypt(_nonce, _bclCiphertext, _bclTag, _bclPlaintext, _associatedData);
        return _bclPlaintext[^1];
    }

    [Benchmark(Description = "AeadKey.Decrypt (span)")]
    public byte AeadKeySpan()
    {
        int written = _aeadKey.Decrypt(_nonce, _oursSource, _oursPlaintext, _associatedData);
        return _oursPlaintext[written - 1];
    }

    [Benchmark(Description = "BouncyCastle GcmBlockCipher")]
    public byte BouncyCastle()
    {
        _bouncyGcm.Init(false, new AeadParameters(null, TagSizeInBits, _nonce, _associatedData));
        int written = _bouncyGcm.ProcessBytes(_bouncySource, 0, _bouncySource.Length, _bouncyPlaintext, 0);
        written += _bouncyGcm.DoFinal(_bouncyPlaintext, written);
        return _bouncyPlaintext[written - 1];
    }
}
