using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Internal.Noise;

/// <summary>
/// Noise §5.2 SymmetricState with HASH = SHA-256 (HASHLEN 32): the chaining key ck, the
/// transcript hash h and a <see cref="NoiseCipherState"/>. HKDF(ck, ikm, n) of §4.3 is RFC 5869
/// HKDF-Extract(salt = ck, ikm) followed by HKDF-Expand with empty info to n × 32 bytes.
/// </summary>
internal sealed class NoiseSymmetricState : IDisposable
{
    public const int HashLength = 32;

    private readonly byte[] _chainingKey = GC.AllocateArray<byte>(HashLength, pinned: true);
    private readonly byte[] _hash = new byte[HashLength];
    private readonly Hasher _hasher = HashFunction.Sha256.CreateHasher();
    private readonly NoiseCipherState _cipher = new();

    /// <summary>InitializeSymmetric(protocol_name).</summary>
    public NoiseSymmetricState(ReadOnlySpan<byte> protocolName)
    {
        if (protocolName.Length <= HashLength)
        {
            protocolName.CopyTo(_hash);
        }
        else
        {
            _hasher.HashData(protocolName, _hash);
        }

        _hash.CopyTo(_chainingKey.AsSpan());
    }

    public bool HasKey => _cipher.HasKey;

    /// <summary>The transcript hash h.</summary>
    public ReadOnlySpan<byte> Hash => _hash;

    public int GetCiphertextSize(int plaintextLength) => _cipher.GetCiphertextSize(plaintextLength);

    /// <summary>MixKey(ikm): ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k).</summary>
    public void MixKey(ReadOnlySpan<byte> inputKeyMaterial)
    {
        Span<byte> output = stackalloc byte[2 * HashLength];
        try
        {
            Derive(inputKeyMaterial, output);
            output[..HashLength].CopyTo(_chainingKey);
            _cipher.InitializeKey(output[HashLength..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(output);
        }
    }

    /// <summary>MixHash(data): h = HASH(h ‖ data).</summary>
    public void MixHash(ReadOnlySpan<byte> data)
    {
        _hasher.Append(_hash);
        _hasher.Append(data);
        _hasher.GetHashAndReset(_hash);
    }

    /// <summary>MixKeyAndHash(ikm): ck, temp_h, temp_k = HKDF(ck, ikm, 3); MixHash(temp_h); InitializeKey(temp_k). Used for psk tokens.</summary>
    public void MixKeyAndHash(ReadOnlySpan<byte> inputKeyMaterial)
    {
        Span<byte> output = stackalloc byte[3 * HashLength];
        try
        {
            Derive(inputKeyMaterial, output);
            output[..HashLength].CopyTo(_chainingKey);
            MixHash(output.Slice(HashLength, HashLength));
            _cipher.InitializeKey(output[(2 * HashLength)..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(output);
        }
    }

    /// <summary>EncryptAndHash(plaintext): ciphertext = EncryptWithAd(h, plaintext); MixHash(ciphertext).</summary>
    public int EncryptAndHash(ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        int written = _cipher.EncryptWithAd(_hash, plaintext, destination);
        MixHash(destination[..written]);
        return written;
    }

    /// <summary>
    /// DecryptAndHash(ciphertext): plaintext = DecryptWithAd(h, ciphertext); MixHash(ciphertext).
    /// h is advanced over the ciphertext before decrypting (with the old h as associated data), so
    /// the result is the same even when <paramref name="destination"/> is the ciphertext itself.
    /// </summary>
    /// <exception cref="AuthenticationTagMismatchException">The tag does not match.</exception>
    public int DecryptAndHash(ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        Span<byte> associatedData = stackalloc byte[HashLength];
        _hash.CopyTo(associatedData);
        MixHash(ciphertext);
        return _cipher.DecryptWithAd(associatedData, ciphertext, destination);
    }

    /// <summary>Split(): temp_k1, temp_k2 = HKDF(ck, empty, 2); two cipher states keyed with them.</summary>
    public (NoiseCipherState First, NoiseCipherState Second) Split()
    {
        Span<byte> output = stackalloc byte[2 * HashLength];
        var first = new NoiseCipherState();
        var second = new NoiseCipherState();
        try
        {
            Derive([], output);
            first.InitializeKey(output[..HashLength]);
            second.InitializeKey(output[HashLength..]);
            return (first, second);
        }
        catch
        {
            first.Dispose();
            second.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(output);
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_chainingKey);
        _cipher.Dispose();
        _hasher.Dispose();
    }

    /// <summary>HKDF(ck, ikm, n) of Noise §4.3, n = output.Length / 32.</summary>
    private void Derive(ReadOnlySpan<byte> inputKeyMaterial, Span<byte> output)
    {
        Span<byte> prk = stackalloc byte[HashLength];
        try
        {
            // Noise's HKDF(ck, ikm) is RFC 5869 with salt = ck and empty info; Split() passes an empty ikm.
            Hkdf.Extract(HashFunction.Sha256, inputKeyMaterial, _chainingKey, prk);
            Hkdf.Expand(HashFunction.Sha256, prk, output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
        }
    }
}
