using System.Buffers.Binary;
using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Internal.Noise;

/// <summary>
/// Noise §5.1 CipherState with the AESGCM cipher functions (§12.3): a 32-byte key k (or none) and
/// a 64-bit counter n. The GCM nonce is 32 bits of zeros followed by n big-endian. n = 2^64 − 1 is
/// reserved for <see cref="Rekey"/>: once n reaches it, encryption and decryption are refused.
/// </summary>
internal sealed class NoiseCipherState : IDisposable
{
    public const int KeySize = 32;
    public const int TagSize = AeadAlgorithm.TagSize;
    public const ulong MaxNonce = ulong.MaxValue;

    private AeadKey? _key;
    private ulong _nonce;

    public bool HasKey => _key is not null;

    public ulong Nonce => _nonce;

    /// <summary>InitializeKey(key): sets k and resets n to 0.</summary>
    public void InitializeKey(ReadOnlySpan<byte> key)
    {
        AeadKey next = AeadKey.Import(AeadAlgorithm.Aes256Gcm, key[..KeySize]);
        _key?.Dispose();
        _key = next;
        _nonce = 0;
    }

    /// <summary>SetNonce(n), for tests that reach the reserved counter without 2^64 messages.</summary>
    public void SetNonce(ulong nonce) => _nonce = nonce;

    /// <summary>The output size of <see cref="EncryptWithAd"/> for <paramref name="plaintextLength"/> bytes.</summary>
    public int GetCiphertextSize(int plaintextLength) => HasKey ? plaintextLength + TagSize : plaintextLength;

    /// <summary>EncryptWithAd(ad, plaintext): without a key, copies the plaintext; otherwise encrypts and increments n.</summary>
    /// <exception cref="InvalidOperationException">The counter reached the reserved value 2^64 − 1.</exception>
    public int EncryptWithAd(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        if (_key is null)
        {
            plaintext.CopyTo(destination);
            return plaintext.Length;
        }

        ThrowIfExhausted();
        Span<byte> nonce = stackalloc byte[AeadAlgorithm.NonceSize];
        WriteNonce(nonce, _nonce);
        int written = _key.Encrypt(nonce, plaintext, destination, associatedData);
        _nonce++;
        return written;
    }

    /// <summary>
    /// DecryptWithAd(ad, ciphertext): without a key, copies the ciphertext; otherwise decrypts and
    /// increments n. On an authentication failure n is left unchanged (Noise §5.1) and the
    /// destination is zeroed.
    /// </summary>
    /// <exception cref="AuthenticationTagMismatchException">The tag does not match.</exception>
    /// <exception cref="InvalidOperationException">The counter reached the reserved value 2^64 − 1.</exception>
    public int DecryptWithAd(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        if (_key is null)
        {
            ciphertext.CopyTo(destination);
            return ciphertext.Length;
        }

        ThrowIfExhausted();
        Span<byte> nonce = stackalloc byte[AeadAlgorithm.NonceSize];
        WriteNonce(nonce, _nonce);
        int written = _key.Decrypt(nonce, ciphertext, destination, associatedData);
        _nonce++;
        return written;
    }

    /// <summary>
    /// Rekey() (Noise §4.2 default): k = the first 32 bytes of ENCRYPT(k, 2^64 − 1, empty, 32 zero bytes).
    /// The counter n is not changed.
    /// </summary>
    /// <exception cref="InvalidOperationException">There is no key.</exception>
    public void Rekey()
    {
        if (_key is null)
        {
            throw new InvalidOperationException("This cipher state has no key to rekey.");
        }

        Span<byte> nonce = stackalloc byte[AeadAlgorithm.NonceSize];
        WriteNonce(nonce, MaxNonce);
        Span<byte> output = stackalloc byte[KeySize + TagSize];
        Span<byte> zeros = stackalloc byte[KeySize];
        zeros.Clear();
        try
        {
            _key.Encrypt(nonce, zeros, output);
            AeadKey next = AeadKey.Import(AeadAlgorithm.Aes256Gcm, output[..KeySize]);
            _key.Dispose();
            _key = next;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(output);
        }
    }

    public void Dispose()
    {
        _key?.Dispose();
        _key = null;
    }

    /// <summary>The AESGCM nonce of Noise §12.3: 4 zero bytes, then the counter as a big-endian 64-bit integer.</summary>
    internal static void WriteNonce(Span<byte> nonce, ulong counter)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], counter);
    }

    private void ThrowIfExhausted()
    {
        if (_nonce == MaxNonce)
        {
            throw new InvalidOperationException(
                "The Noise message counter is exhausted (2^64 − 1 is reserved); no more messages can be sent or received under this key. Run a new handshake.");
        }
    }
}
