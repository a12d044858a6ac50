using System.Security.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// An incremental hasher that keeps its native state across hashes. Append data, then
/// <see cref="GetHashAndReset(Span{byte})"/>; the hasher is ready for the next input at once.
/// </summary>
/// <remarks>
/// Made for hashing many small inputs (Merkle leaves and nodes, audit records): re-using the
/// native context avoids the setup that dominates a one-shot hash of a short input.
/// An instance is not thread-safe: use one per thread.
/// </remarks>
public sealed class Hasher : IDisposable
{
    private readonly IncrementalHash _hash;
    private bool _disposed;
    private bool _pending;

    /// <summary>Creates a hasher for <paramref name="function"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is <see langword="null"/>.</exception>
    public Hasher(HashFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        Function = function;
        _hash = IncrementalHash.CreateHash(function.HashAlgorithmName);
    }

    /// <summary>The hash function this hasher computes.</summary>
    public HashFunction Function { get; }

    /// <summary>The size of the hash in bytes.</summary>
    public int HashSizeInBytes => Function.HashSizeInBytes;

    /// <summary>Appends <paramref name="source"/> to the data being hashed.</summary>
    /// <exception cref="ObjectDisposedException">The hasher was disposed.</exception>
    public void Append(ReadOnlySpan<byte> source)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _hash.AppendData(source);
        _pending = true;
    }

    /// <summary>Writes the hash of everything appended since the last reset and resets.</summary>
    /// <returns>The number of bytes written, <see cref="HashSizeInBytes"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    /// <exception cref="ObjectDisposedException">The hasher was disposed.</exception>
    public int GetHashAndReset(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length < HashSizeInBytes)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), HashSizeInBytes, destination.Length);
        }

        _pending = false;
        return _hash.GetHashAndReset(destination);
    }

    /// <summary>Returns the hash of everything appended since the last reset and resets.</summary>
    /// <exception cref="ObjectDisposedException">The hasher was disposed.</exception>
    public byte[] GetHashAndReset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _pending = false;
        return _hash.GetHashAndReset();
    }

    /// <summary>Writes the hash and resets, if <paramref name="destination"/> is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small; nothing is reset then.</returns>
    /// <exception cref="ObjectDisposedException">The hasher was disposed.</exception>
    public bool TryGetHashAndReset(Span<byte> destination, out int bytesWritten)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_hash.TryGetHashAndReset(destination, out bytesWritten))
        {
            return false;
        }

        _pending = false;
        return true;
    }

    /// <summary>
    /// Hashes <paramref name="source"/> alone into <paramref name="destination"/> on the reused
    /// native state. Anything appended before is discarded.
    /// </summary>
    /// <returns>The number of bytes written, <see cref="HashSizeInBytes"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    /// <exception cref="ObjectDisposedException">The hasher was disposed.</exception>
    public int HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length < HashSizeInBytes)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), HashSizeInBytes, destination.Length);
        }

        if (_pending)
        {
            // Discard a partial input left by an earlier Append, so the result depends on source alone.
            Span<byte> discard = stackalloc byte[64];
            _hash.GetHashAndReset(discard);
        }

        _hash.AppendData(source);
        _pending = false;
        return _hash.GetHashAndReset(destination);
    }

    /// <summary>Releases the native state.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _hash.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"Hasher({Function.Name})";
}
