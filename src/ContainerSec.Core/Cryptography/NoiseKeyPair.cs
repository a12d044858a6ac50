using System.Diagnostics;
using System.Security.Cryptography;
using ContainerSec.Internal;
using ContainerSec.Internal.Noise;

namespace ContainerSec.Cryptography;

/// <summary>
/// A Noise static key pair for one <see cref="NoiseDhFunction"/>: the private key, kept in pinned
/// memory that is zeroed on <see cref="Dispose"/> (X25519) or in a BCL key object that is disposed
/// (P-256), and its public key.
/// </summary>
/// <remarks>
/// The private key is never shown by <see cref="ToString"/> or the debugger and can be exported
/// only when the pair was created with <see cref="KeyExportPolicy.AllowPlaintextExport"/>. A key
/// pair may be shared by many handshakes (it is only read); dispose it after the last one.
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class NoiseKeyPair : IDisposable
{
    private readonly byte[] _publicKey;
    private bool _disposed;

    private NoiseKeyPair(NoiseDhFunction function, NoiseDhKey key, KeyExportPolicy exportPolicy)
    {
        DhFunction = function;
        Key = key;
        ExportPolicy = exportPolicy;
        _publicKey = key.PublicKey.ToArray();
    }

    /// <summary>The DH function this key pair is for.</summary>
    public NoiseDhFunction DhFunction { get; }

    /// <summary>Whether the private key can be exported.</summary>
    public KeyExportPolicy ExportPolicy { get; }

    /// <summary>The public key, <see cref="NoiseDhFunction.PublicKeySizeInBytes"/> long. Readable after <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    internal NoiseDhKey Key { get; }

    /// <summary>Generates a new key pair with the system's random number generator.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="dhFunction"/> is <see langword="null"/>.</exception>
    public static NoiseKeyPair Generate(NoiseDhFunction dhFunction, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(dhFunction);
        return new NoiseKeyPair(dhFunction, dhFunction.GenerateKey(), exportPolicy);
    }

    /// <summary>
    /// Creates a key pair from a raw private key (X25519: 32 bytes, clamped when used, RFC 7748;
    /// P-256: the 32-byte big-endian scalar). The bytes are copied; the caller should zero its copy.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="dhFunction"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="privateKey"/> is not <see cref="NoiseDhFunction.PrivateKeySizeInBytes"/> long.</exception>
    /// <exception cref="CryptographicException">A P-256 scalar that is zero or not below the group order.</exception>
    public static NoiseKeyPair Import(NoiseDhFunction dhFunction, ReadOnlySpan<byte> privateKey, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(dhFunction);
        if (privateKey.Length != dhFunction.PrivateKeySizeInBytes)
        {
            Error.ThrowWrongSize(nameof(privateKey), $"{dhFunction.Name} private key", dhFunction.PrivateKeySizeInBytes, privateKey.Length);
        }

        return new NoiseKeyPair(dhFunction, dhFunction.ImportKey(privateKey), exportPolicy);
    }

    /// <summary>Copies the raw private key into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, <see cref="NoiseDhFunction.PrivateKeySizeInBytes"/>.</returns>
    /// <exception cref="InvalidOperationException">The key pair was not created exportable.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    /// <exception cref="ObjectDisposedException">The key pair was disposed.</exception>
    public int ExportPrivateKey(Span<byte> destination)
    {
        ThrowIfNotExportable();
        int size = DhFunction.PrivateKeySizeInBytes;
        if (destination.Length < size)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), size, destination.Length);
        }

        return Key.ExportPrivateKey(destination);
    }

    /// <summary>Returns a copy of the raw private key. The caller owns and should zero the copy.</summary>
    /// <exception cref="InvalidOperationException">The key pair was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key pair was disposed.</exception>
    public byte[] ExportPrivateKey()
    {
        ThrowIfNotExportable();
        byte[] destination = new byte[DhFunction.PrivateKeySizeInBytes];
        Key.ExportPrivateKey(destination);
        return destination;
    }

    /// <summary>Zeroes or releases the private key. Idempotent.</summary>
    public void Dispose()
    {
        _disposed = true;
        Key.Dispose();
    }

    /// <summary>Names the DH function only; key bytes are never shown.</summary>
    public override string ToString() => $"NoiseKeyPair({DhFunction.Name})";

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void ThrowIfNotExportable()
    {
        ThrowIfDisposed();
        if (ExportPolicy != KeyExportPolicy.AllowPlaintextExport)
        {
            throw Error.NotExportable(nameof(NoiseKeyPair));
        }
    }
}
