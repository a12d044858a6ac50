using ContainerSec.Cryptography;

namespace ContainerSec.Audit;

/// <summary>
/// RFC 9162 (RFC 6962) Merkle hashing over SHA-256: leaf hash <c>SHA-256(0x00 ‖ leaf)</c>, node
/// hash <c>SHA-256(0x01 ‖ left ‖ right)</c>, empty tree <c>SHA-256("")</c>. The native hash state
/// is reused across calls, so hashing many leaves and nodes costs no setup per hash.
/// </summary>
/// <remarks>
/// An instance is not thread-safe: use one per thread. The node hash accepts children of any
/// length (as RFC 6962 and transparency-dev/merkle do); the proof verifiers in
/// <see cref="MerkleProof"/> are the place where 32-byte hashes are required.
/// </remarks>
public sealed class MerkleHasher : IDisposable
{
    /// <summary>The size of every hash, 32 bytes (SHA-256).</summary>
    public const int HashSizeInBytes = 32;

    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    /// <summary>Inputs shorter than this are hashed from one stack buffer with the prefix in front.</summary>
    private const int StackLimit = 512;

    private static readonly byte[] EmptyRootBytes = HashFunction.Sha256.HashData([]);

    private readonly Hasher _hasher = new(HashFunction.Sha256);

    /// <summary>The root of the empty tree, <c>SHA-256("")</c> (a new array each call).</summary>
    public static byte[] EmptyRoot => (byte[])EmptyRootBytes.Clone();

    /// <summary>Writes the root of the empty tree into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, <see cref="HashSizeInBytes"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public static int GetEmptyRoot(Span<byte> destination)
    {
        CheckDestination(destination);
        EmptyRootBytes.CopyTo(destination);
        return HashSizeInBytes;
    }

    /// <summary>Writes the leaf hash <c>SHA-256(0x00 ‖ source)</c> into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, <see cref="HashSizeInBytes"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The hasher was disposed.</exception>
    public int HashLeaf(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        CheckDestination(destination);
        if (source.Length < StackLimit)
        {
            // One native update instead of two: the prefix call costs as much as a short input.
            Span<byte> buffer = stackalloc byte[StackLimit];
            buffer[0] = LeafPrefix;
            source.CopyTo(buffer[1..]);
            return _hasher.HashData(buffer[..(source.Length + 1)], destination);
        }

        _hasher.Append([LeafPrefix]);
        _hasher.Append(source);
        return _hasher.GetHashAndReset(destination);
    }

    /// <summary>Returns the leaf hash <c>SHA-256(0x00 ‖ source)</c>.</summary>
    /// <exception cref="ObjectDisposedException">The hasher was disposed.</exception>
    public byte[] HashLeaf(ReadOnlySpan<byte> source)
    {
        byte[] hash = new byte[HashSizeInBytes];
        HashLeaf(source, hash);
        return hash;
    }

    /// <summary>
    /// Writes the node hash <c>SHA-256(0x01 ‖ left ‖ right)</c> into <paramref name="destination"/>.
    /// The children may have any length; <paramref name="destination"/> may overlap either child.
    /// </summary>
    /// <returns>The number of bytes written, <see cref="HashSizeInBytes"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The hasher was disposed.</exception>
    public int HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        CheckDestination(destination);
        if (left.Length + right.Length < StackLimit)
        {
            Span<byte> buffer = stackalloc byte[StackLimit];
            buffer[0] = NodePrefix;
            left.CopyTo(buffer[1..]);
            right.CopyTo(buffer[(1 + left.Length)..]);
            return _hasher.HashData(buffer[..(1 + left.Length + right.Length)], destination);
        }

        _hasher.Append([NodePrefix]);
        _hasher.Append(left);
        _hasher.Append(right);
        return _hasher.GetHashAndReset(destination);
    }

    /// <summary>Returns the node hash <c>SHA-256(0x01 ‖ left ‖ right)</c>; the children may have any length.</summary>
    /// <exception cref="ObjectDisposedException">The hasher was disposed.</exception>
    public byte[] HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        byte[] hash = new byte[HashSizeInBytes];
        HashChildren(left, right, hash);
        return hash;
    }

    /// <summary>Releases the native hash state.</summary>
    public void Dispose() => _hasher.Dispose();

    /// <inheritdoc/>
    public override string ToString() => "MerkleHasher(RFC 9162, SHA-256)";

    private static void CheckDestination(Span<byte> destination)
    {
        if (destination.Length < HashSizeInBytes)
        {
            Internal.Error.ThrowDestinationTooSmall(nameof(destination), HashSizeInBytes, destination.Length);
        }
    }
}
