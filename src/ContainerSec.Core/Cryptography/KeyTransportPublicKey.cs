using System.Diagnostics;
using System.Security.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// An RSA public key for key transport with RSA-OAEP (SHA-256, MGF1-SHA-256, empty label): wraps
/// a symmetric key object so that only the holder of the <see cref="KeyTransportPrivateKey"/> can
/// unwrap it. Plaintext other than a key object is never encrypted.
/// </summary>
/// <remarks>
/// <para>Only keys created with <see cref="KeyExportPolicy.AllowPlaintextExport"/> can be wrapped:
/// a key created non-exportable never leaves its object, in any form. A MAC key longer than the
/// OAEP limit (modulus bytes − 66) is refused. The wrapped key is
/// <see cref="WrappedKeySizeInBytes"/> bytes and is different on every call (OAEP is randomised).</para>
/// <para>RSA keys must be 2048 to 4096 bits; bad key data throws <see cref="CryptographicException"/>.</para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class KeyTransportPublicKey : IDisposable
{
    private const int OaepOverhead = (2 * 32) + 2;
    private readonly RSA _rsa;
    private int _disposed;

    private KeyTransportPublicKey(RSA rsa)
    {
        _rsa = rsa;
        KeySizeInBits = rsa.KeySize;
    }

    /// <summary>The modulus size in bits.</summary>
    public int KeySizeInBits { get; }

    /// <summary>The size of a wrapped key: the modulus size in bytes.</summary>
    public int WrappedKeySizeInBytes => (KeySizeInBits + 7) / 8;

    /// <summary>Imports an RSA SubjectPublicKeyInfo (DER, rsaEncryption).</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="SigningKey.MaxEncodedKeyLength"/>.</exception>
    /// <exception cref="CryptographicException">Not a well-formed RSA public key, or outside 2048–4096 bits.</exception>
    public static KeyTransportPublicKey ImportSubjectPublicKeyInfo(ReadOnlySpan<byte> source)
    {
        KeyEncoding.CheckLength(source.Length, nameof(source));
        return new KeyTransportPublicKey(AsymmetricKeys.RsaFromSpki("RSA-OAEP-SHA256", source, pssAlgorithm: null));
    }

    /// <summary>Imports the one <c>-----BEGIN PUBLIC KEY-----</c> block of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="SigningKey.MaxEncodedKeyLength"/> characters.</exception>
    /// <exception cref="CryptographicException">No such block, more than one, or not an RSA public key of 2048–4096 bits.</exception>
    public static KeyTransportPublicKey ImportFromPem(ReadOnlySpan<char> source)
    {
        KeyEncoding.CheckLength(source.Length, nameof(source));
        return ImportSubjectPublicKeyInfo(KeyEncoding.ReadPem(source, KeyEncoding.PublicKeyLabel));
    }

    /// <summary>Wraps <paramref name="key"/> and returns the wrapped key.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="key"/> was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">This key or <paramref name="key"/> was disposed.</exception>
    public byte[] WrapKey(AeadKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WrapToArray(key.Export());
    }

    /// <summary>Wraps <paramref name="key"/> into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, <see cref="WrappedKeySizeInBytes"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="key"/> was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">This key or <paramref name="key"/> was disposed.</exception>
    public int WrapKey(AeadKey key, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WrapCore(key.Export(), destination);
    }

    /// <summary>Wraps <paramref name="key"/> and returns the wrapped key.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is longer than this RSA key can carry (modulus bytes − 66).</exception>
    /// <exception cref="InvalidOperationException"><paramref name="key"/> was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">This key or <paramref name="key"/> was disposed.</exception>
    public byte[] WrapKey(MacKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WrapToArray(key.Export());
    }

    /// <summary>Wraps <paramref name="key"/> into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, <see cref="WrappedKeySizeInBytes"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small, or <paramref name="key"/> is too long for this RSA key.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="key"/> was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">This key or <paramref name="key"/> was disposed.</exception>
    public int WrapKey(MacKey key, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WrapCore(key.Export(), destination);
    }

    /// <summary>Wraps <paramref name="key"/> into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is shorter than <see cref="WrappedKeySizeInBytes"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="key"/> was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">This key or <paramref name="key"/> was disposed.</exception>
    public bool TryWrapKey(AeadKey key, Span<byte> destination, out int bytesWritten)
    {
        ArgumentNullException.ThrowIfNull(key);
        bytesWritten = destination.Length < WrappedKeySizeInBytes ? 0 : WrapCore(key.Export(), destination);
        return bytesWritten != 0;
    }

    /// <summary>Wraps <paramref name="key"/> into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is shorter than <see cref="WrappedKeySizeInBytes"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is too long for this RSA key.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="key"/> was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">This key or <paramref name="key"/> was disposed.</exception>
    public bool TryWrapKey(MacKey key, Span<byte> destination, out int bytesWritten)
    {
        ArgumentNullException.ThrowIfNull(key);
        bytesWritten = destination.Length < WrappedKeySizeInBytes ? 0 : WrapCore(key.Export(), destination);
        return bytesWritten != 0;
    }

    /// <summary>Exports the public key as a SubjectPublicKeyInfo (DER, rsaEncryption).</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] ExportSubjectPublicKeyInfo()
    {
        ThrowIfDisposed();
        return _rsa.ExportSubjectPublicKeyInfo();
    }

    /// <summary>Exports the public key as PEM <c>-----BEGIN PUBLIC KEY-----</c>.</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public string ExportSubjectPublicKeyInfoPem() => KeyEncoding.WritePem(KeyEncoding.PublicKeyLabel, ExportSubjectPublicKeyInfo());

    /// <summary>Releases the BCL key. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _rsa.Dispose();
        }
    }

    /// <summary>Names the algorithm and size.</summary>
    public override string ToString() => $"KeyTransportPublicKey(RSA-OAEP-SHA256, {KeySizeInBits} bits)";

    private byte[] WrapToArray(byte[] keyBytes)
    {
        byte[] destination = new byte[WrappedKeySizeInBytes];
        WrapCore(keyBytes, destination);
        return destination;
    }

    /// <summary>Encrypts the exported key bytes, which it always zeroes.</summary>
    private int WrapCore(byte[] keyBytes, Span<byte> destination)
    {
        try
        {
            ThrowIfDisposed();
            if (destination.Length < WrappedKeySizeInBytes)
            {
                Error.ThrowDestinationTooSmall(nameof(destination), WrappedKeySizeInBytes, destination.Length);
            }

            int max = WrappedKeySizeInBytes - OaepOverhead;
            if (keyBytes.Length > max)
            {
                throw Error.TooLong("key", "key to wrap", max, keyBytes.Length);
            }

            return _rsa.Encrypt(keyBytes, destination, RSAEncryptionPadding.OaepSHA256);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBytes);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
