using System.Security.Cryptography;
using System.Text;
using ContainerSec.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.KeyManagement;

/// <summary>
/// Wraps and unwraps data keys under a key-encryption key (KEK) that may live elsewhere: in this
/// process (<see cref="LocalKeyEncryptionKeyProvider"/>), an HSM or a cloud KMS. The seam for
/// envelope encryption (<see cref="Storage.EnvelopeEncryptor"/>).
/// </summary>
public interface IKeyEncryptionKeyProvider
{
    /// <summary>Names the KEK; written into every record (at most 255 UTF-8 bytes, not secret).</summary>
    string KeyEncryptionKeyId { get; }

    /// <summary>Wraps <paramref name="dataKey"/>, binding <paramref name="associatedData"/>.</summary>
    byte[] WrapKey(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> associatedData);

    /// <summary>Unwraps into <paramref name="destination"/> and returns the key length.</summary>
    /// <exception cref="CryptographicException">The wrapped key is malformed, or not valid under this KEK and associated data
    /// (implementations must throw this, not <see cref="ArgumentException"/>, for bad wrapped keys: they come from records).</exception>
    int UnwrapKey(ReadOnlySpan<byte> wrappedKey, ReadOnlySpan<byte> associatedData, Span<byte> destination);
}

/// <summary>
/// A KEK held in this process as an AES-256-GCM <see cref="AeadKey"/> (the caller keeps ownership).
/// A wrapped key is <c>nonce (12) ‖ encrypted key ‖ tag (16)</c> with a random nonce.
/// </summary>
public sealed class LocalKeyEncryptionKeyProvider : IKeyEncryptionKeyProvider
{
    private readonly AeadKey _kek;

    /// <summary>Creates a provider for <paramref name="keyEncryptionKey"/> named <paramref name="keyEncryptionKeyId"/>.</summary>
    /// <exception cref="ArgumentException">The id is empty or longer than 255 UTF-8 bytes.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="keyEncryptionKey"/> is <see langword="null"/>.</exception>
    public LocalKeyEncryptionKeyProvider(string keyEncryptionKeyId, AeadKey keyEncryptionKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyEncryptionKeyId);
        ArgumentNullException.ThrowIfNull(keyEncryptionKey);
        if (Encoding.UTF8.GetByteCount(keyEncryptionKeyId) > 255)
        {
            throw Error.TooLong(nameof(keyEncryptionKeyId), "KEK id (UTF-8)", 255, Encoding.UTF8.GetByteCount(keyEncryptionKeyId));
        }

        KeyEncryptionKeyId = keyEncryptionKeyId;
        _kek = keyEncryptionKey;
    }

    /// <inheritdoc/>
    public string KeyEncryptionKeyId { get; }

    /// <inheritdoc/>
    public byte[] WrapKey(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> associatedData)
    {
        byte[] wrapped = new byte[AeadAlgorithm.NonceSize + dataKey.Length + AeadAlgorithm.TagSize];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, AeadAlgorithm.NonceSize));
        _kek.Encrypt(wrapped.AsSpan(0, AeadAlgorithm.NonceSize), dataKey, wrapped.AsSpan(AeadAlgorithm.NonceSize), associatedData);
        return wrapped;
    }

    /// <inheritdoc/>
    public int UnwrapKey(ReadOnlySpan<byte> wrappedKey, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        if (wrappedKey.Length < AeadAlgorithm.NonceSize + AeadAlgorithm.TagSize
            || wrappedKey.Length - AeadAlgorithm.NonceSize - AeadAlgorithm.TagSize > destination.Length)
        {
            throw new CryptographicException("The wrapped key is truncated or longer than a key.");
        }

        return _kek.Decrypt(wrappedKey[..AeadAlgorithm.NonceSize], wrappedKey[AeadAlgorithm.NonceSize..], destination, associatedData);
    }
}
