using System.Diagnostics;
using System.Security.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// An RSA private key for key transport with RSA-OAEP (RFC 8017): SHA-256, MGF1-SHA-256 and the
/// empty label. It unwraps symmetric key objects that a <see cref="KeyTransportPublicKey"/>
/// wrapped; it never decrypts to raw bytes.
/// </summary>
/// <remarks>
/// <para>The unwrapped bytes go straight into the new key object and the temporary buffer is
/// zeroed. The unwrapped length must fit the requested algorithm (exactly the key size for AEAD,
/// at least 16 bytes for a MAC); otherwise, and whenever the OAEP padding does not check out,
/// unwrapping throws the same <see cref="CryptographicException"/> with the same message, so the
/// reason is not an oracle.</para>
/// <para>RSA keys must be 2048 to 4096 bits. The key lives in a BCL <see cref="RSA"/> object
/// released by <see cref="Dispose"/>. Errors follow <see cref="SigningKey"/>: caller mistakes are
/// <see cref="ArgumentException"/>, bad key data is <see cref="CryptographicException"/>.</para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class KeyTransportPrivateKey : IDisposable
{
    private const string KeyName = "RSA-OAEP-SHA256";
    private readonly RSA _rsa;
    private int _disposed;

    private KeyTransportPrivateKey(RSA rsa, KeyExportPolicy exportPolicy)
    {
        _rsa = rsa;
        ExportPolicy = exportPolicy;
        KeySizeInBits = rsa.KeySize;
    }

    /// <summary>Whether the private key can be exported.</summary>
    public KeyExportPolicy ExportPolicy { get; }

    /// <summary>The modulus size in bits.</summary>
    public int KeySizeInBits { get; }

    /// <summary>The size of a wrapped key: the modulus size in bytes.</summary>
    public int WrappedKeySizeInBytes => (KeySizeInBits + 7) / 8;

    /// <summary>Creates a new RSA key of <paramref name="keySizeInBits"/> (default 3072).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not a multiple of 8 from 2048 to 4096.</exception>
    public static KeyTransportPrivateKey Generate(int keySizeInBits = SignatureAlgorithm.DefaultRsaKeySizeInBits, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        AsymmetricKeys.CheckRsaSizeArgument(keySizeInBits, nameof(keySizeInBits));
        return new KeyTransportPrivateKey(RSA.Create(keySizeInBits), exportPolicy);
    }

    /// <summary>Imports an RSA PKCS#8 <c>PrivateKeyInfo</c> (DER, rsaEncryption).</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="SigningKey.MaxEncodedKeyLength"/>.</exception>
    /// <exception cref="CryptographicException">Not a well-formed RSA key, or outside 2048–4096 bits.</exception>
    public static KeyTransportPrivateKey ImportPkcs8PrivateKey(ReadOnlySpan<byte> source, KeyExportPolicy exportPolicy = KeyExportPolicy.None) =>
        KeyEncoding.ImportPkcs8(source, pkcs8 => FromPkcs8(pkcs8, exportPolicy));

    /// <summary>Imports a PBES2-encrypted PKCS#8 key (same rules as <see cref="SigningKey.ImportEncryptedPkcs8PrivateKey"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="SigningKey.MaxEncodedKeyLength"/>.</exception>
    /// <exception cref="CryptographicException">A wrong password, a refused scheme, or not an RSA key of 2048–4096 bits.</exception>
    public static KeyTransportPrivateKey ImportEncryptedPkcs8PrivateKey(ReadOnlySpan<char> password, ReadOnlySpan<byte> source, KeyExportPolicy exportPolicy = KeyExportPolicy.None) =>
        KeyEncoding.ImportEncryptedPkcs8(password, source, pkcs8 => FromPkcs8(pkcs8, exportPolicy));

    /// <summary>Imports the one <c>-----BEGIN PRIVATE KEY-----</c> block of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="SigningKey.MaxEncodedKeyLength"/> characters.</exception>
    /// <exception cref="CryptographicException">No such block, more than one, or not an RSA key of 2048–4096 bits.</exception>
    public static KeyTransportPrivateKey ImportFromPem(ReadOnlySpan<char> source, KeyExportPolicy exportPolicy = KeyExportPolicy.None) =>
        KeyEncoding.ImportPem(source, pkcs8 => FromPkcs8(pkcs8, exportPolicy));

    /// <summary>Imports the one <c>-----BEGIN ENCRYPTED PRIVATE KEY-----</c> block of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="SigningKey.MaxEncodedKeyLength"/> characters.</exception>
    /// <exception cref="CryptographicException">No such block, a wrong password, a refused scheme, or not an RSA key of 2048–4096 bits.</exception>
    public static KeyTransportPrivateKey ImportFromEncryptedPem(ReadOnlySpan<char> source, ReadOnlySpan<char> password, KeyExportPolicy exportPolicy = KeyExportPolicy.None) =>
        KeyEncoding.ImportEncryptedPem(source, password, pkcs8 => FromPkcs8(pkcs8, exportPolicy));

    /// <summary>Returns the public half as a new <see cref="KeyTransportPublicKey"/>, which the caller disposes.</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public KeyTransportPublicKey GetPublicKey()
    {
        ThrowIfDisposed();
        return KeyTransportPublicKey.ImportSubjectPublicKeyInfo(_rsa.ExportSubjectPublicKeyInfo());
    }

    /// <summary>Unwraps an <see cref="AeadKey"/> for <paramref name="algorithm"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="CryptographicException">The wrapped key is not an OAEP encryption under this key of a key of the algorithm's size.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public AeadKey UnwrapAeadKey(ReadOnlySpan<byte> wrappedKey, AeadAlgorithm algorithm, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        Span<byte> buffer = stackalloc byte[WrappedKeySizeInBytes];
        try
        {
            int length = Unwrap(wrappedKey, buffer);
            return length == algorithm.KeySizeInBytes ? AeadKey.Import(algorithm, buffer[..length], exportPolicy) : throw UnwrapFailed();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>Unwraps a <see cref="MacKey"/> for <paramref name="algorithm"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="CryptographicException">The wrapped key is not an OAEP encryption under this key of at least 16 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public MacKey UnwrapMacKey(ReadOnlySpan<byte> wrappedKey, MacAlgorithm algorithm, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        Span<byte> buffer = stackalloc byte[WrappedKeySizeInBytes];
        try
        {
            int length = Unwrap(wrappedKey, buffer);
            return length >= MacAlgorithm.MinKeySizeInBytes ? MacKey.Import(algorithm, buffer[..length], exportPolicy) : throw UnwrapFailed();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>Exports the private key as a PKCS#8 <c>PrivateKeyInfo</c> (DER, rsaEncryption).</summary>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] ExportPkcs8PrivateKey()
    {
        ThrowIfDisposed();
        if (ExportPolicy != KeyExportPolicy.AllowPlaintextExport)
        {
            throw Error.NotExportable(nameof(KeyTransportPrivateKey));
        }

        return _rsa.ExportPkcs8PrivateKey();
    }

    /// <summary>Exports the private key encrypted with PBES2 (PBKDF2-HMAC-SHA-256, 600,000 iterations, AES-256-CBC).</summary>
    /// <exception cref="ArgumentException"><paramref name="password"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] ExportEncryptedPkcs8PrivateKey(ReadOnlySpan<char> password) => KeyEncoding.EncryptAndZero(ExportPkcs8PrivateKey(), password);

    /// <summary>Exports the private key as PEM <c>-----BEGIN PRIVATE KEY-----</c>.</summary>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public string ExportPkcs8PrivateKeyPem() => KeyEncoding.PemAndZero(ExportPkcs8PrivateKey());

    /// <summary>Exports the private key as PEM <c>-----BEGIN ENCRYPTED PRIVATE KEY-----</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="password"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public string ExportEncryptedPkcs8PrivateKeyPem(ReadOnlySpan<char> password) =>
        KeyEncoding.WritePem(KeyEncoding.EncryptedPrivateKeyLabel, ExportEncryptedPkcs8PrivateKey(password));

    /// <summary>Releases the BCL key. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _rsa.Dispose();
        }
    }

    /// <summary>Names the algorithm and size only.</summary>
    public override string ToString() => $"KeyTransportPrivateKey({KeyName}, {KeySizeInBits} bits)";

    private static KeyTransportPrivateKey FromPkcs8(byte[] pkcs8, KeyExportPolicy exportPolicy) =>
        new(AsymmetricKeys.RsaFromPkcs8(KeyName, pkcs8, pssAlgorithm: null), exportPolicy);

    private static CryptographicException UnwrapFailed() => new("The wrapped key could not be unwrapped with this key for this algorithm.");

    private int Unwrap(ReadOnlySpan<byte> wrappedKey, Span<byte> buffer)
    {
        ThrowIfDisposed();
        if (wrappedKey.Length != WrappedKeySizeInBytes)
        {
            throw UnwrapFailed();
        }

        try
        {
            return _rsa.TryDecrypt(wrappedKey, buffer, RSAEncryptionPadding.OaepSHA256, out int written) ? written : throw UnwrapFailed();
        }
        catch (CryptographicException)
        {
            ThrowIfDisposed();
            throw UnwrapFailed();
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
