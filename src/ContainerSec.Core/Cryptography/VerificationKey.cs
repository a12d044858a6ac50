using System.Diagnostics;
using System.Formats.Asn1;
using System.Security.Cryptography;
using ContainerSec.Internal;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace ContainerSec.Cryptography;

/// <summary>
/// A public key for a <see cref="SignatureAlgorithm"/>, with the verify operation and the import
/// and export of SubjectPublicKeyInfo, PEM and raw keys.
/// </summary>
/// <remarks>
/// <para><see cref="Verify"/> returns <see langword="false"/> — it never throws — for any
/// signature that is not valid: wrong length (truncated or oversized), malformed or non-strict DER,
/// values out of range, Ed25519 <c>S ≥ L</c>.</para>
/// <para>ECDSA and RSA keys live in a BCL object released by <see cref="Dispose"/>. Imports check
/// the key type, the curve (named curves only) and the RSA size (2048–4096 bits); Ed25519 public
/// keys must be canonical points of prime order. Data from outside that fails those checks throws
/// <see cref="CryptographicException"/>; input longer than <see cref="SigningKey.MaxEncodedKeyLength"/>
/// throws <see cref="ArgumentException"/>.</para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class VerificationKey : IDisposable
{
    private readonly AsymmetricAlgorithm? _key;
    private readonly byte[]? _ed25519Public;
    private readonly BcEd25519.PublicPoint? _ed25519Point;
    private int _disposed;

    private VerificationKey(SignatureAlgorithm algorithm, AsymmetricAlgorithm? key, byte[]? ed25519Public)
    {
        Algorithm = algorithm;
        _key = key;
        if (ed25519Public is not null)
        {
            _ed25519Point = BcEd25519.ValidatePublicKeyFullExport(ed25519Public)
                ?? throw new CryptographicException("The Ed25519 public key is not a canonical point of prime order.");
            _ed25519Public = ed25519Public;
        }

        KeySizeInBits = key?.KeySize ?? algorithm.CurveKeySizeInBits;
    }

    /// <summary>The algorithm this key verifies.</summary>
    public SignatureAlgorithm Algorithm { get; }

    /// <summary>The key size in bits: the modulus size for RSA, the curve size for ECDSA, 256 for Ed25519.</summary>
    public int KeySizeInBits { get; }

    /// <summary>Imports a SubjectPublicKeyInfo (DER). RSA keys may be rsaEncryption or, for the PSS algorithms, id-RSASSA-PSS.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="SigningKey.MaxEncodedKeyLength"/>.</exception>
    /// <exception cref="CryptographicException">Not a well-formed public key of the algorithm's type and curve, a point
    /// not on the curve, or an RSA key outside 2048–4096 bits.</exception>
    public static VerificationKey ImportSubjectPublicKeyInfo(SignatureAlgorithm algorithm, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        KeyEncoding.CheckLength(source.Length, nameof(source));
        return algorithm.Kind switch
        {
            SignatureKind.Ecdsa => new VerificationKey(algorithm, AsymmetricKeys.EcdsaFromSpki(algorithm, source), null),
            SignatureKind.Ed25519 => new VerificationKey(algorithm, null, AsymmetricKeys.Ed25519FromSpki(source)),
            _ => new VerificationKey(algorithm, AsymmetricKeys.RsaFromSpki(algorithm.Name, source, algorithm.Kind == SignatureKind.RsaPss ? algorithm : null), null),
        };
    }

    /// <summary>Imports the one <c>-----BEGIN PUBLIC KEY-----</c> block of <paramref name="source"/>; other blocks are ignored.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="SigningKey.MaxEncodedKeyLength"/> characters.</exception>
    /// <exception cref="CryptographicException">No such block, more than one, bad base64, or not a public key of the algorithm.</exception>
    public static VerificationKey ImportFromPem(SignatureAlgorithm algorithm, ReadOnlySpan<char> source)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        KeyEncoding.CheckLength(source.Length, nameof(source));
        return ImportSubjectPublicKeyInfo(algorithm, KeyEncoding.ReadPem(source, KeyEncoding.PublicKeyLabel));
    }

    /// <summary>
    /// Imports a raw public key: 32 bytes for Ed25519 (RFC 8032 encoding), the uncompressed point
    /// <c>04 ‖ X ‖ Y</c> for ECDSA. Not available for RSA.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="algorithm"/> is RSA, or <paramref name="source"/> has the wrong length.</exception>
    /// <exception cref="CryptographicException">The point is not on the curve, or (Ed25519) not canonical or not of prime order.</exception>
    public static VerificationKey ImportRawPublicKey(SignatureAlgorithm algorithm, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        switch (algorithm.Kind)
        {
            case SignatureKind.Ed25519:
                if (source.Length != AsymmetricKeys.Ed25519KeySize)
                {
                    Error.ThrowWrongSize(nameof(source), "Ed25519 public key", AsymmetricKeys.Ed25519KeySize, source.Length);
                }

                return new VerificationKey(algorithm, null, source.ToArray());
            case SignatureKind.Ecdsa:
                int size = 1 + (2 * algorithm.FieldSizeInBytes);
                if (source.Length != size)
                {
                    Error.ThrowWrongSize(nameof(source), $"{algorithm.Name} uncompressed point", size, source.Length);
                }

                return new VerificationKey(algorithm, AsymmetricKeys.EcdsaFromPoint(algorithm, source), null);
            default:
                throw new ArgumentException("Raw public keys exist for Ed25519 and ECDSA only; use SubjectPublicKeyInfo for RSA.", nameof(algorithm));
        }
    }

    /// <summary>The size of the largest signature this key can verify (see <see cref="SigningKey.GetMaxSignatureSize"/>).</summary>
    public int GetMaxSignatureSize() => Algorithm.GetSignatureSize(KeySizeInBits);

    /// <summary>Checks that <paramref name="signature"/> is a valid signature of <paramref name="source"/> under this key.</summary>
    /// <returns>Whether the signature is valid; <see langword="false"/> for any malformed, truncated or oversized signature.</returns>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public bool Verify(ReadOnlySpan<byte> source, ReadOnlySpan<byte> signature)
    {
        ThrowIfDisposed();
        int size = GetMaxSignatureSize();
        if (signature.Length > size || (!Algorithm.HasVariableSignatureSize && signature.Length != size))
        {
            return false;
        }

        try
        {
            return _key switch
            {
                ECDsa ecdsa => VerifyEcdsa(ecdsa, source, signature),
                RSA rsa => rsa.VerifyData(source, signature, Algorithm.HashName, Algorithm.RsaPadding),
                _ => BcEd25519.Verify(signature, _ed25519Point!, source),
            };
        }
        catch (CryptographicException)
        {
            // A malformed signature is an invalid one; Dispose racing this call is reported as such below.
            ThrowIfDisposed();
            return false;
        }
    }

    /// <summary>Exports the public key as a SubjectPublicKeyInfo (DER). RSA keys are written as rsaEncryption.</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] ExportSubjectPublicKeyInfo()
    {
        ThrowIfDisposed();
        return _ed25519Public is not null
            ? KeyEncoding.EncodeSpki(KeyEncoding.Ed25519Oid, _ed25519Public)
            : _key!.ExportSubjectPublicKeyInfo();
    }

    /// <summary>Exports the public key as PEM <c>-----BEGIN PUBLIC KEY-----</c>.</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public string ExportSubjectPublicKeyInfoPem() => KeyEncoding.WritePem(KeyEncoding.PublicKeyLabel, ExportSubjectPublicKeyInfo());

    /// <summary>Exports the raw public key: 32 bytes for Ed25519, <c>04 ‖ X ‖ Y</c> for ECDSA.</summary>
    /// <exception cref="InvalidOperationException">The key is RSA.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] ExportRawPublicKey()
    {
        ThrowIfDisposed();
        if (_ed25519Public is not null)
        {
            return (byte[])_ed25519Public.Clone();
        }

        if (_key is ECDsa ecdsa)
        {
            ECPoint q = ecdsa.ExportParameters(false).Q;
            return [0x04, .. q.X!, .. q.Y!];
        }

        throw new InvalidOperationException("Raw public keys exist for Ed25519 and ECDSA only; export RSA keys as SubjectPublicKeyInfo.");
    }

    /// <summary>Releases the BCL key. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _key?.Dispose();
        }
    }

    /// <summary>Names the algorithm and size.</summary>
    public override string ToString() => $"VerificationKey({Algorithm.Name}, {KeySizeInBits} bits)";

    /// <summary>
    /// Verifies ECDSA. DER signatures are parsed here, strictly, into <c>r ‖ s</c>: the BCL's
    /// reader accepts a negative INTEGER (a missing leading zero, Wycheproof "MissingZero"), which
    /// would make a second encoding of the same signature valid.
    /// </summary>
    private bool VerifyEcdsa(ECDsa ecdsa, ReadOnlySpan<byte> source, ReadOnlySpan<byte> signature)
    {
        if (!Algorithm.IsDer)
        {
            return ecdsa.VerifyData(source, signature, Algorithm.HashName, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        int field = Algorithm.FieldSizeInBytes;
        Span<byte> p1363 = stackalloc byte[2 * field];
        p1363.Clear();
        try
        {
            AsnDecoder.ReadSequence(signature, AsnEncodingRules.DER, out int offset, out int length, out int consumed);
            if (consumed != signature.Length)
            {
                return false;
            }

            ReadOnlySpan<byte> content = signature.Slice(offset, length);
            ReadOnlySpan<byte> r = AsnDecoder.ReadIntegerBytes(content, AsnEncodingRules.DER, out int read);
            content = content[read..];
            ReadOnlySpan<byte> s = AsnDecoder.ReadIntegerBytes(content, AsnEncodingRules.DER, out read);
            if (read != content.Length || !TryCopyInteger(r, p1363[..field]) || !TryCopyInteger(s, p1363[field..]))
            {
                return false;
            }
        }
        catch (AsnContentException)
        {
            return false;
        }

        return ecdsa.VerifyData(source, p1363, Algorithm.HashName, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>Copies a positive DER INTEGER right-aligned into <paramref name="destination"/>; false if negative or too long.</summary>
    private static bool TryCopyInteger(ReadOnlySpan<byte> integer, Span<byte> destination)
    {
        if ((integer[0] & 0x80) != 0)
        {
            return false;
        }

        if (integer[0] == 0 && integer.Length > 1)
        {
            integer = integer[1..];
        }

        if (integer.Length > destination.Length)
        {
            return false;
        }

        integer.CopyTo(destination[(destination.Length - integer.Length)..]);
        return true;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
