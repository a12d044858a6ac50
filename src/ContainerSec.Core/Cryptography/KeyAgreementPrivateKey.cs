using System.Diagnostics;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// A private key for a <see cref="KeyAgreementAlgorithm"/>, with its <see cref="PublicKey"/> and
/// the <see cref="Agree"/> operation.
/// </summary>
/// <remarks>
/// <para>For ephemeral key exchange (ECDHE), <see cref="Generate"/> a key per exchange, send
/// <see cref="PublicKey"/>, <see cref="Agree"/> with the peer's key, derive keys from the
/// <see cref="SharedSecret"/>, and dispose both.</para>
/// <para>Secret material lives in a BCL <c>ECDiffieHellman</c> (ECDH) or in pinned memory (X25519)
/// that is released or zeroed on <see cref="Dispose"/>. Export is refused unless the key was
/// created with <see cref="KeyExportPolicy.AllowPlaintextExport"/>. Raw formats: the big-endian
/// scalar of <see cref="KeyAgreementAlgorithm.PrivateKeySizeInBytes"/> bytes for ECDH, the 32-byte
/// string of RFC 7748 for X25519 (clamped when used). PKCS#8 (RFC 5915 inside RFC 5208 for ECDH,
/// RFC 8410 for X25519) is the other format.</para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class KeyAgreementPrivateKey : IDisposable
{
    private readonly Core _core;

    private KeyAgreementPrivateKey(KeyAgreementAlgorithm algorithm, Core core, KeyExportPolicy exportPolicy)
    {
        Algorithm = algorithm;
        ExportPolicy = exportPolicy;
        _core = core;
        PublicKey = new KeyAgreementPublicKey(algorithm, core.PublicKey, native: null);
    }

    /// <summary>The algorithm this key is for.</summary>
    public KeyAgreementAlgorithm Algorithm { get; }

    /// <summary>Whether the private key can be exported.</summary>
    public KeyExportPolicy ExportPolicy { get; }

    /// <summary>The matching public key, to send to the peer. It stays usable after this key is disposed.</summary>
    public KeyAgreementPublicKey PublicKey { get; }

    /// <summary>Whether <see cref="Dispose"/> ran; lets protocols (Noise) refuse a disposed key before they start.</summary>
    internal bool IsDisposed => _core.IsDisposed;

    /// <summary>Creates a new random key pair (from the platform's cryptographic random number generator).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    public static KeyAgreementPrivateKey Generate(KeyAgreementAlgorithm algorithm, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return new KeyAgreementPrivateKey(algorithm, algorithm.Generate(), exportPolicy);
    }

    /// <summary>
    /// Imports a raw private key: exactly <see cref="KeyAgreementAlgorithm.PrivateKeySizeInBytes"/> bytes,
    /// a big-endian scalar in [1, n − 1] for ECDH or any 32 bytes for X25519. The bytes are copied;
    /// the caller should zero its copy.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The bytes are not a private key of
    /// <paramref name="algorithm"/> (wrong length, or an ECDH scalar that is zero or not below the group order).</exception>
    public static KeyAgreementPrivateKey Import(KeyAgreementAlgorithm algorithm, ReadOnlySpan<byte> source, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return new KeyAgreementPrivateKey(algorithm, algorithm.ImportPrivateKey(source), exportPolicy);
    }

    /// <summary>Imports an unencrypted PKCS#8 PrivateKeyInfo (strict: no trailing bytes, named curves only).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The DER is malformed, is for another algorithm
    /// or curve, uses explicit curve parameters, or holds an invalid key.</exception>
    public static KeyAgreementPrivateKey ImportPkcs8PrivateKey(KeyAgreementAlgorithm algorithm, ReadOnlySpan<byte> source, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return new KeyAgreementPrivateKey(algorithm, algorithm.ImportPkcs8PrivateKey(source), exportPolicy);
    }

    /// <summary>Returns the raw private key. The caller owns and should zero the copy.</summary>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] Export()
    {
        byte[] destination = new byte[Algorithm.PrivateKeySizeInBytes];
        Export(destination);
        return destination;
    }

    /// <summary>Writes the raw private key into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, <see cref="KeyAgreementAlgorithm.PrivateKeySizeInBytes"/>.</returns>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public int Export(Span<byte> destination)
    {
        ThrowIfNotExportable();
        if (destination.Length < Algorithm.PrivateKeySizeInBytes)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), Algorithm.PrivateKeySizeInBytes, destination.Length);
        }

        _core.ExportPrivateKey(destination);
        return Algorithm.PrivateKeySizeInBytes;
    }

    /// <summary>Writes the raw private key into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small.</returns>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public bool TryExport(Span<byte> destination, out int bytesWritten)
    {
        ThrowIfNotExportable();
        if (destination.Length < Algorithm.PrivateKeySizeInBytes)
        {
            bytesWritten = 0;
            return false;
        }

        _core.ExportPrivateKey(destination);
        bytesWritten = Algorithm.PrivateKeySizeInBytes;
        return true;
    }

    /// <summary>Returns the key as an unencrypted DER PKCS#8 PrivateKeyInfo. The caller owns and should zero the copy.</summary>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] ExportPkcs8PrivateKey()
    {
        ThrowIfNotExportable();
        return _core.ExportPkcs8PrivateKey();
    }

    /// <summary>
    /// Computes the Diffie-Hellman shared secret with <paramref name="peerPublicKey"/>. Derive keys from
    /// it with HKDF (<see cref="SharedSecret.DeriveAeadKey"/>), and dispose it.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="peerPublicKey"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="peerPublicKey"/> is for another algorithm (another curve).</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The result is all zeros (X25519 with a
    /// small-order peer key, RFC 7748 §6.1): the peer's key is refused.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public SharedSecret Agree(KeyAgreementPublicKey peerPublicKey)
    {
        ArgumentNullException.ThrowIfNull(peerPublicKey);
        if (!ReferenceEquals(peerPublicKey.Algorithm, Algorithm))
        {
            throw Error.AlgorithmMismatch(nameof(peerPublicKey), Algorithm.Name, peerPublicKey.Algorithm.Name);
        }

        ObjectDisposedException.ThrowIf(_core.IsDisposed, this);
        return new SharedSecret(Algorithm, _core.Agree(peerPublicKey, this));
    }

    /// <summary>Zeroes or releases the private key. Idempotent. The <see cref="PublicKey"/> stays usable.</summary>
    public void Dispose() => _core.Dispose();

    /// <summary>Names the algorithm only; key bytes are never shown.</summary>
    public override string ToString() => $"KeyAgreementPrivateKey({Algorithm.Name})";

    private void ThrowIfNotExportable()
    {
        ObjectDisposedException.ThrowIf(_core.IsDisposed, this);
        if (ExportPolicy != KeyExportPolicy.AllowPlaintextExport)
        {
            throw Error.NotExportable(nameof(KeyAgreementPrivateKey));
        }
    }

    /// <summary>What an algorithm keeps for a private key, and the operations on it.</summary>
    internal abstract class Core : IDisposable
    {
        /// <summary>The raw public key.</summary>
        public abstract byte[] PublicKey { get; }

        public abstract bool IsDisposed { get; }

        /// <summary>Writes exactly <see cref="KeyAgreementAlgorithm.PrivateKeySizeInBytes"/> bytes.</summary>
        public abstract void ExportPrivateKey(Span<byte> destination);

        public abstract byte[] ExportPkcs8PrivateKey();

        /// <summary>The raw shared secret; <paramref name="owner"/> names the key in <see cref="ObjectDisposedException"/>.</summary>
        public abstract SecretBytes Agree(KeyAgreementPublicKey peerPublicKey, object owner);

        public abstract void Dispose();
    }
}
