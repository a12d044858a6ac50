using System.Diagnostics;
using System.Security.Cryptography;
using ContainerSec.Internal;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace ContainerSec.Cryptography;

/// <summary>
/// A private key for a <see cref="SignatureAlgorithm"/>, with the sign operations and the
/// import and export of PKCS#8 (plain or PBES2-encrypted), PEM and raw Ed25519 keys.
/// </summary>
/// <remarks>
/// <para>ECDSA and RSA keys live in a BCL <see cref="ECDsa"/> / <see cref="RSA"/> object that is
/// disposed with this key; an Ed25519 seed lives in pinned memory zeroed on <see cref="Dispose"/>.
/// Nothing is shown by <see cref="ToString"/> or the debugger. Private export works only for keys
/// created with <see cref="KeyExportPolicy.AllowPlaintextExport"/>; the public half is always
/// available through <see cref="GetVerificationKey"/>.</para>
/// <para>Errors: caller mistakes (null algorithm, input longer than <see cref="MaxEncodedKeyLength"/>,
/// wrong raw length, RSA size out of range on <c>Generate</c>) throw <see cref="ArgumentException"/>
/// with the parameter's name. Anything wrong with key data from outside — garbage, another key
/// type, another curve, explicit curve parameters, an RSA key outside 2048–4096 bits, a wrong
/// password, a refused PBE scheme — throws <see cref="CryptographicException"/> with a message
/// saying which.</para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class SigningKey : IDisposable
{
    /// <summary>The longest encoded key accepted by the imports: 16 KiB (DER bytes or PEM characters). Longer input is refused before it is parsed.</summary>
    public const int MaxEncodedKeyLength = KeyEncoding.MaxEncodedLength;

    private readonly AsymmetricAlgorithm? _key;
    private readonly SecretBytes? _seed;
    private readonly byte[]? _ed25519Public;
    private int _disposed;

    private SigningKey(SignatureAlgorithm algorithm, AsymmetricAlgorithm? key, SecretBytes? seed, KeyExportPolicy exportPolicy)
    {
        Algorithm = algorithm;
        ExportPolicy = exportPolicy;
        _key = key;
        _seed = seed;
        if (seed is not null)
        {
            _ed25519Public = new byte[AsymmetricKeys.Ed25519KeySize];
            BcEd25519.GeneratePublicKey(seed.Span, _ed25519Public);
        }

        KeySizeInBits = key?.KeySize ?? algorithm.CurveKeySizeInBits;
    }

    /// <summary>The algorithm this key signs with.</summary>
    public SignatureAlgorithm Algorithm { get; }

    /// <summary>Whether the private key can be exported.</summary>
    public KeyExportPolicy ExportPolicy { get; }

    /// <summary>The key size in bits: the modulus size for RSA, the curve size for ECDSA (256, 384, 521), 256 for Ed25519.</summary>
    public int KeySizeInBits { get; }

    /// <summary>Creates a new key; RSA keys are <see cref="SignatureAlgorithm.DefaultRsaKeySizeInBits"/> (3072) bits.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    public static SigningKey Generate(SignatureAlgorithm algorithm, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return Generate(algorithm, algorithm.IsRsa ? SignatureAlgorithm.DefaultRsaKeySizeInBits : algorithm.CurveKeySizeInBits, exportPolicy);
    }

    /// <summary>Creates a new key of <paramref name="keySizeInBits"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">RSA: the size is not a multiple of 8 from 2048 to 4096. ECDSA and
    /// Ed25519: the size is not the curve's (256, 384, 521; 256 for Ed25519).</exception>
    public static SigningKey Generate(SignatureAlgorithm algorithm, int keySizeInBits, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        if (algorithm.IsRsa)
        {
            AsymmetricKeys.CheckRsaSizeArgument(keySizeInBits, nameof(keySizeInBits));
            return new SigningKey(algorithm, RSA.Create(keySizeInBits), null, exportPolicy);
        }

        if (keySizeInBits != algorithm.CurveKeySizeInBits)
        {
            throw new ArgumentOutOfRangeException(nameof(keySizeInBits), keySizeInBits, $"{algorithm.Name} keys are {algorithm.CurveKeySizeInBits} bits.");
        }

        return algorithm.Kind == SignatureKind.Ed25519
            ? new SigningKey(algorithm, null, SecretBytes.Random(AsymmetricKeys.Ed25519KeySize), exportPolicy)
            : new SigningKey(algorithm, ECDsa.Create(algorithm.Curve), null, exportPolicy);
    }

    /// <summary>Imports a PKCS#8 <c>PrivateKeyInfo</c> (DER). RSA keys may be rsaEncryption or, for the PSS algorithms, id-RSASSA-PSS.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="MaxEncodedKeyLength"/>.</exception>
    /// <exception cref="CryptographicException">The bytes are not a well-formed key of the algorithm's type and curve, or an RSA key is outside 2048–4096 bits.</exception>
    public static SigningKey ImportPkcs8PrivateKey(SignatureAlgorithm algorithm, ReadOnlySpan<byte> source, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return KeyEncoding.ImportPkcs8(source, pkcs8 => FromPkcs8(algorithm, pkcs8, exportPolicy));
    }

    /// <summary>Imports a PBES2-encrypted PKCS#8 <c>EncryptedPrivateKeyInfo</c> (DER).</summary>
    /// <remarks>Accepted: PBES2 with PBKDF2-HMAC-SHA-256/384/512 (at most 10,000,000 iterations) and AES-CBC.
    /// Refused: PBES1, HMAC-SHA-1, DES, 3DES, RC2.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="MaxEncodedKeyLength"/>.</exception>
    /// <exception cref="CryptographicException">The password is wrong, the encryption scheme is refused, or the key inside is not a well-formed key of the algorithm.</exception>
    public static SigningKey ImportEncryptedPkcs8PrivateKey(SignatureAlgorithm algorithm, ReadOnlySpan<char> password, ReadOnlySpan<byte> source, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return KeyEncoding.ImportEncryptedPkcs8(password, source, pkcs8 => FromPkcs8(algorithm, pkcs8, exportPolicy));
    }

    /// <summary>Imports the one <c>-----BEGIN PRIVATE KEY-----</c> block of <paramref name="source"/>; other blocks are ignored.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="MaxEncodedKeyLength"/> characters.</exception>
    /// <exception cref="CryptographicException">No such block, more than one, an <c>ENCRYPTED PRIVATE KEY</c> (use
    /// <see cref="ImportFromEncryptedPem"/>), bad base64, or not a key of the algorithm.</exception>
    public static SigningKey ImportFromPem(SignatureAlgorithm algorithm, ReadOnlySpan<char> source, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return KeyEncoding.ImportPem(source, pkcs8 => FromPkcs8(algorithm, pkcs8, exportPolicy));
    }

    /// <summary>Imports the one <c>-----BEGIN ENCRYPTED PRIVATE KEY-----</c> block of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="MaxEncodedKeyLength"/> characters.</exception>
    /// <exception cref="CryptographicException">No such block, a wrong password, a refused scheme, or not a key of the algorithm.</exception>
    public static SigningKey ImportFromEncryptedPem(SignatureAlgorithm algorithm, ReadOnlySpan<char> source, ReadOnlySpan<char> password, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return KeyEncoding.ImportEncryptedPem(source, password, pkcs8 => FromPkcs8(algorithm, pkcs8, exportPolicy));
    }

    /// <summary>Imports a raw 32-byte Ed25519 private key (the RFC 8032 seed).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="algorithm"/> is not Ed25519 (raw keys exist only for it), or
    /// <paramref name="source"/> is not 32 bytes.</exception>
    public static SigningKey ImportRawPrivateKey(SignatureAlgorithm algorithm, ReadOnlySpan<byte> source, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        if (algorithm.Kind != SignatureKind.Ed25519)
        {
            throw new ArgumentException("Raw private keys exist only for Ed25519; use PKCS#8 for ECDSA and RSA.", nameof(algorithm));
        }

        if (source.Length != AsymmetricKeys.Ed25519KeySize)
        {
            Error.ThrowWrongSize(nameof(source), "Ed25519 private key", AsymmetricKeys.Ed25519KeySize, source.Length);
        }

        return new SigningKey(algorithm, null, SecretBytes.Copy(source), exportPolicy);
    }

    /// <summary>The size of the largest signature: exact for IEEE P1363 ECDSA, RSA (the modulus size) and Ed25519 (64); the maximum for DER ECDSA.</summary>
    public int GetMaxSignatureSize() => Algorithm.GetSignatureSize(KeySizeInBits);

    /// <summary>Returns the public half as a new <see cref="VerificationKey"/>, which the caller disposes.</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public VerificationKey GetVerificationKey()
    {
        ThrowIfDisposed();
        return _ed25519Public is not null
            ? VerificationKey.ImportRawPublicKey(Algorithm, _ed25519Public)
            : VerificationKey.ImportSubjectPublicKeyInfo(Algorithm, _key!.ExportSubjectPublicKeyInfo());
    }

    /// <summary>Signs <paramref name="source"/> and returns the signature.</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] Sign(ReadOnlySpan<byte> source)
    {
        Span<byte> buffer = stackalloc byte[GetMaxSignatureSize()];
        int written = SignCore(source, buffer);
        return buffer[..written].ToArray();
    }

    /// <summary>Signs <paramref name="source"/> into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small for the signature.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public int Sign(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (!TrySign(source, destination, out int written))
        {
            Error.ThrowDestinationTooSmall(nameof(destination), Algorithm.HasVariableSignatureSize ? written : GetMaxSignatureSize(), destination.Length);
        }

        return written;
    }

    /// <summary>Signs into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small for the signature.</returns>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public bool TrySign(ReadOnlySpan<byte> source, Span<byte> destination, out int bytesWritten)
    {
        int max = GetMaxSignatureSize();
        if (destination.Length >= max)
        {
            bytesWritten = SignCore(source, destination);
            return true;
        }

        if (!Algorithm.HasVariableSignatureSize)
        {
            ThrowIfDisposed();
            bytesWritten = 0;
            return false;
        }

        // A DER signature is often shorter than the maximum: sign, then see whether it fits.
        Span<byte> buffer = stackalloc byte[max];
        int written = SignCore(source, buffer);
        if (written > destination.Length)
        {
            bytesWritten = written;
            return false;
        }

        buffer[..written].CopyTo(destination);
        bytesWritten = written;
        return true;
    }

    /// <summary>Exports the private key as a PKCS#8 <c>PrivateKeyInfo</c> (DER). RSA keys are written as rsaEncryption.</summary>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] ExportPkcs8PrivateKey()
    {
        ThrowIfNotExportable();
        return _seed is not null ? AsymmetricKeys.Ed25519Pkcs8(_seed.Span) : _key!.ExportPkcs8PrivateKey();
    }

    /// <summary>Exports the private key as a PBES2-encrypted PKCS#8 <c>EncryptedPrivateKeyInfo</c> (DER):
    /// PBKDF2-HMAC-SHA-256 with 600,000 iterations and a random salt, AES-256-CBC.</summary>
    /// <exception cref="ArgumentException"><paramref name="password"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] ExportEncryptedPkcs8PrivateKey(ReadOnlySpan<char> password)
    {
        return KeyEncoding.EncryptAndZero(ExportPkcs8PrivateKey(), password);
    }

    /// <summary>Exports the private key as PEM <c>-----BEGIN PRIVATE KEY-----</c> (PKCS#8).</summary>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public string ExportPkcs8PrivateKeyPem()
    {
        return KeyEncoding.PemAndZero(ExportPkcs8PrivateKey());
    }

    /// <summary>Exports the private key as PEM <c>-----BEGIN ENCRYPTED PRIVATE KEY-----</c>, encrypted as <see cref="ExportEncryptedPkcs8PrivateKey"/> does.</summary>
    /// <exception cref="ArgumentException"><paramref name="password"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public string ExportEncryptedPkcs8PrivateKeyPem(ReadOnlySpan<char> password) =>
        KeyEncoding.WritePem(KeyEncoding.EncryptedPrivateKeyLabel, ExportEncryptedPkcs8PrivateKey(password));

    /// <summary>Exports the raw 32-byte Ed25519 private key (seed). The caller owns and should zero the copy.</summary>
    /// <exception cref="InvalidOperationException">The key is not Ed25519, or was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] ExportRawPrivateKey()
    {
        if (_seed is null)
        {
            throw new InvalidOperationException("Raw private keys exist only for Ed25519; export ECDSA and RSA keys as PKCS#8.");
        }

        return _seed.Export(ExportPolicy, this);
    }

    /// <summary>Exports the public key as a SubjectPublicKeyInfo (DER).</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] ExportSubjectPublicKeyInfo()
    {
        ThrowIfDisposed();
        return _ed25519Public is not null
            ? KeyEncoding.EncodeSpki(KeyEncoding.Ed25519Oid, _ed25519Public)
            : _key!.ExportSubjectPublicKeyInfo();
    }

    /// <summary>Releases the BCL key or zeroes the Ed25519 seed. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _key?.Dispose();
            _seed?.Dispose();
        }
    }

    /// <summary>Names the algorithm and size only; key material is never shown.</summary>
    public override string ToString() => $"SigningKey({Algorithm.Name}, {KeySizeInBits} bits)";

    private static SigningKey FromPkcs8(SignatureAlgorithm algorithm, byte[] pkcs8, KeyExportPolicy exportPolicy)
    {
        switch (algorithm.Kind)
        {
            case SignatureKind.Ecdsa:
                return new SigningKey(algorithm, AsymmetricKeys.EcdsaFromPkcs8(algorithm, pkcs8), null, exportPolicy);
            case SignatureKind.Ed25519:
                Span<byte> seed = stackalloc byte[AsymmetricKeys.Ed25519KeySize];
                try
                {
                    AsymmetricKeys.Ed25519FromPkcs8(pkcs8, seed);
                    return new SigningKey(algorithm, null, SecretBytes.Copy(seed), exportPolicy);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(seed);
                }

            default:
                SignatureAlgorithm? pss = algorithm.Kind == SignatureKind.RsaPss ? algorithm : null;
                return new SigningKey(algorithm, AsymmetricKeys.RsaFromPkcs8(algorithm.Name, pkcs8, pss), null, exportPolicy);
        }
    }

    private int SignCore(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ThrowIfDisposed();
        switch (_key)
        {
            case ECDsa ecdsa:
                return ecdsa.SignData(source, destination, Algorithm.HashName, Algorithm.EcdsaFormat);
            case RSA rsa:
                return rsa.SignData(source, destination, Algorithm.HashName, Algorithm.RsaPadding);
            default:
                // The span overload (secret, public key, message, signature): with a byte[] second
                // argument the compiler would pick (secret, context, …), which is Ed25519ctx.
                BcEd25519.Sign(_seed!.Span, new ReadOnlySpan<byte>(_ed25519Public), source, destination[..64]);

                // Dispose may have zeroed the seed while signing: never hand out a signature made with it.
                ThrowIfDisposed();
                return 64;
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void ThrowIfNotExportable()
    {
        ThrowIfDisposed();
        if (ExportPolicy != KeyExportPolicy.AllowPlaintextExport)
        {
            throw Error.NotExportable(nameof(SigningKey));
        }
    }
}
