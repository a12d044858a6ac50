using System.Diagnostics;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// The output of a key agreement (<see cref="KeyAgreementPrivateKey.Agree"/>). Its only exit is
/// HKDF into a key object: <see cref="DeriveAeadKey"/> or <see cref="DeriveMacKey"/>.
/// </summary>
/// <remarks>
/// <para>A raw Diffie-Hellman output is not uniformly random (it is a curve coordinate), so it must
/// never be used as a key directly; this type has no method that returns its bytes. The bytes live
/// in pinned memory that is zeroed on <see cref="Dispose"/>, and are never shown by
/// <see cref="ToString"/> or the debugger.</para>
/// <para>The library's own protocols (HPKE, the Noise handshake) feed the raw output into their own
/// key schedules, which are themselves HKDF-based; they use an <c>internal</c> accessor on purpose,
/// so that no caller outside the library can take the raw bytes.</para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class SharedSecret : IDisposable
{
    private readonly SecretBytes _secret;

    internal SharedSecret(KeyAgreementAlgorithm algorithm, SecretBytes secret)
    {
        Algorithm = algorithm;
        _secret = secret;
    }

    /// <summary>The key agreement algorithm that produced this secret.</summary>
    public KeyAgreementAlgorithm Algorithm { get; }

    /// <summary>The size of the secret in bytes (<see cref="KeyAgreementAlgorithm.SharedSecretSizeInBytes"/>).</summary>
    public int SizeInBytes => _secret.Length;

    /// <summary>
    /// The raw Diffie-Hellman output, for the library's own HKDF-based key schedules (HPKE, Noise).
    /// Internal on purpose: callers get keys only through <see cref="DeriveAeadKey"/> and
    /// <see cref="DeriveMacKey"/>. Check <see cref="ThrowIfDisposedAfterUse"/> after using the span,
    /// since a concurrent <see cref="Dispose"/> zeroes it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The secret was disposed.</exception>
    internal ReadOnlySpan<byte> RawBytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_secret.IsDisposed, this);
            return _secret.Span;
        }
    }

    /// <summary>
    /// Derives an <see cref="AeadKey"/> with HKDF (RFC 5869): <c>HKDF(hash, ikm = secret, salt, info)</c>.
    /// May be called more than once, with different <paramref name="info"/> for different keys.
    /// </summary>
    /// <param name="hash">The HKDF hash function.</param>
    /// <param name="salt">The HKDF salt; empty means <c>HashLen</c> zero bytes.</param>
    /// <param name="info">The HKDF context and application-specific information; bind the protocol and the role here.</param>
    /// <param name="algorithm">The AEAD algorithm the key is for.</param>
    /// <param name="exportPolicy">Whether the derived key's bytes can be exported.</param>
    /// <exception cref="ArgumentNullException"><paramref name="hash"/> or <paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException">The secret was disposed.</exception>
    public AeadKey DeriveAeadKey(HashFunction hash, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, AeadAlgorithm algorithm, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        AeadKey key = Hkdf.DeriveAeadKey(hash, RawBytes, salt, info, algorithm, exportPolicy);
        return CheckAfterDerive(key);
    }

    /// <summary>
    /// Derives a <see cref="MacKey"/> of <see cref="MacAlgorithm.KeySizeInBytes"/> with HKDF (RFC 5869):
    /// <c>HKDF(hash, ikm = secret, salt, info)</c>. May be called more than once.
    /// </summary>
    /// <param name="hash">The HKDF hash function.</param>
    /// <param name="salt">The HKDF salt; empty means <c>HashLen</c> zero bytes.</param>
    /// <param name="info">The HKDF context and application-specific information.</param>
    /// <param name="algorithm">The MAC algorithm the key is for.</param>
    /// <param name="exportPolicy">Whether the derived key's bytes can be exported.</param>
    /// <exception cref="ArgumentNullException"><paramref name="hash"/> or <paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException">The secret was disposed.</exception>
    public MacKey DeriveMacKey(HashFunction hash, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, MacAlgorithm algorithm, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        MacKey key = Hkdf.DeriveMacKey(hash, RawBytes, salt, info, algorithm, exportPolicy);
        return CheckAfterDerive(key);
    }

    /// <summary>Zeroes the secret. Idempotent.</summary>
    public void Dispose() => _secret.Dispose();

    /// <summary>Names the algorithm only; the secret is never shown.</summary>
    public override string ToString() => $"SharedSecret({Algorithm.Name})";

    /// <summary>
    /// Throws if <see cref="Dispose"/> ran while the raw bytes were in use: the bytes read may have
    /// been (partly) zeroed, and whatever was derived from them must be thrown away.
    /// </summary>
    internal void ThrowIfDisposedAfterUse() => ObjectDisposedException.ThrowIf(_secret.IsDisposed, this);

    private T CheckAfterDerive<T>(T key)
        where T : IDisposable
    {
        if (_secret.IsDisposed)
        {
            key.Dispose();
            throw new ObjectDisposedException(GetType().FullName);
        }

        return key;
    }
}
