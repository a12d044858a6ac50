using System.Diagnostics;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// A public key for a <see cref="KeyAgreementAlgorithm"/>: the peer's half of a key agreement.
/// Every key of this type has been validated when it was imported.
/// </summary>
/// <remarks>
/// <para>Formats: the raw form (<see cref="Import"/>, <see cref="Export()"/>) is 32 bytes for X25519
/// and the uncompressed X9.62 point <c>04 ‖ X ‖ Y</c> for ECDH (65, 97 or 133 bytes); DER
/// SubjectPublicKeyInfo (RFC 5480 named curves, RFC 8410 for X25519) is the other.</para>
/// <para>Refused with <see cref="System.Security.Cryptography.CryptographicException"/> at import:
/// wrong lengths, malformed DER, points not on the curve, the point at infinity, coordinates not
/// reduced modulo the field prime, compressed points (<c>02</c>/<c>03</c>: not decompressed, by design),
/// SubjectPublicKeyInfo for another curve or algorithm, and explicit (unnamed) curve parameters.
/// X25519 public keys of small order are accepted here, as RFC 7748 requires, and caught at
/// <see cref="KeyAgreementPrivateKey.Agree"/>, which refuses the all-zero output they produce.</para>
/// <para>An ECDH key is imported into the platform's key object once, when it is created, so using
/// the same peer key for many agreements validates it only once. Instances are immutable and
/// thread-safe; they hold no secret and need no disposal.</para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class KeyAgreementPublicKey
{
    private readonly byte[] _key;
    private object? _native;

    internal KeyAgreementPublicKey(KeyAgreementAlgorithm algorithm, byte[] key, object? native)
    {
        Algorithm = algorithm;
        _key = key;
        _native = native;
    }

    /// <summary>The algorithm this key is for.</summary>
    public KeyAgreementAlgorithm Algorithm { get; }

    /// <summary>The raw key (32 bytes for X25519, <c>04 ‖ X ‖ Y</c> for ECDH), for the library's own wire formats.</summary>
    internal ReadOnlySpan<byte> RawBytes => _key;

    /// <summary>
    /// Imports and validates a raw public key: 32 bytes for X25519, the uncompressed point
    /// <c>04 ‖ X ‖ Y</c> (<see cref="KeyAgreementAlgorithm.PublicKeySizeInBytes"/> bytes) for ECDH.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The bytes are not a valid public key of
    /// <paramref name="algorithm"/>: wrong length, compressed, at infinity, or not on the curve.</exception>
    public static KeyAgreementPublicKey Import(KeyAgreementAlgorithm algorithm, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        object? native = algorithm.ValidatePublicKey(source);
        return new KeyAgreementPublicKey(algorithm, source.ToArray(), native);
    }

    /// <summary>Imports and validates a DER SubjectPublicKeyInfo (strict DER, no trailing bytes).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The DER is malformed, names another algorithm or
    /// curve, carries explicit curve parameters, or holds an invalid point.</exception>
    public static KeyAgreementPublicKey ImportSubjectPublicKeyInfo(KeyAgreementAlgorithm algorithm, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        byte[] key = algorithm.ReadSubjectPublicKeyInfo(source);
        object? native = algorithm.ValidatePublicKey(key);
        return new KeyAgreementPublicKey(algorithm, key, native);
    }

    /// <summary>Returns the raw public key.</summary>
    public byte[] Export() => (byte[])_key.Clone();

    /// <summary>Writes the raw public key into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, <see cref="KeyAgreementAlgorithm.PublicKeySizeInBytes"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public int Export(Span<byte> destination)
    {
        if (destination.Length < _key.Length)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), _key.Length, destination.Length);
        }

        _key.CopyTo(destination);
        return _key.Length;
    }

    /// <summary>Writes the raw public key into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small.</returns>
    public bool TryExport(Span<byte> destination, out int bytesWritten)
    {
        if (destination.Length < _key.Length)
        {
            bytesWritten = 0;
            return false;
        }

        _key.CopyTo(destination);
        bytesWritten = _key.Length;
        return true;
    }

    /// <summary>Returns the key as a DER SubjectPublicKeyInfo (named curve; RFC 8410 form for X25519).</summary>
    public byte[] ExportSubjectPublicKeyInfo() => Algorithm.WriteSubjectPublicKeyInfo(_key);

    /// <summary>Writes the DER SubjectPublicKeyInfo into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small.</returns>
    public bool TryExportSubjectPublicKeyInfo(Span<byte> destination, out int bytesWritten)
    {
        byte[] encoded = ExportSubjectPublicKeyInfo();
        if (destination.Length < encoded.Length)
        {
            bytesWritten = 0;
            return false;
        }

        encoded.CopyTo(destination);
        bytesWritten = encoded.Length;
        return true;
    }

    /// <summary>Names the algorithm only.</summary>
    public override string ToString() => $"KeyAgreementPublicKey({Algorithm.Name})";

    /// <summary>The platform key object for this key, imported (and validated) once, on first use for keys made locally.</summary>
    internal object GetNative()
    {
        object? native = Volatile.Read(ref _native);
        if (native is null)
        {
            native = Algorithm.ValidatePublicKey(_key) ?? throw new InvalidOperationException("This algorithm has no platform key object.");
            native = Interlocked.CompareExchange(ref _native, native, null) ?? native;
        }

        return native;
    }
}
