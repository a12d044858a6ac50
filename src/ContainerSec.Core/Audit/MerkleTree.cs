using System.Numerics;

namespace ContainerSec.Audit;

/// <summary>
/// An append-only, in-memory RFC 9162 Merkle tree: append leaves, get the root at any size and
/// generate inclusion and consistency proofs (RFC 9162 section 2.1.3.1 and 2.1.4.1) against any
/// earlier size. Proofs verify with <see cref="MerkleProof"/>.
/// </summary>
/// <remarks>
/// Every complete subtree hash is kept (level by level), so an append costs one leaf hash plus
/// one node hash per completed level (amortised one), and a root or proof costs
/// O(log n) node hashes. Not thread-safe: synchronise writers and readers externally.
/// </remarks>
public sealed class MerkleTree : IDisposable
{
    /// <summary>The most leaves an in-memory tree holds (one array of 32-byte leaf hashes).</summary>
    public const long MaxSize = 1L << 26;

    private const int H = MerkleHasher.HashSizeInBytes;

    private readonly MerkleHasher _hasher = new();
    private readonly List<byte[]> _levels = [];
    private readonly List<int> _counts = [];
    private bool _disposed;

    /// <summary>The number of leaves appended so far.</summary>
    public ulong Size => _counts.Count == 0 ? 0 : (ulong)_counts[0];

    /// <summary>Hashes <paramref name="source"/> as a leaf and appends it.</summary>
    /// <returns>The 0-based index of the new leaf.</returns>
    /// <exception cref="InvalidOperationException">The tree already holds <see cref="MaxSize"/> leaves.</exception>
    /// <exception cref="ObjectDisposedException">The tree was disposed.</exception>
    public ulong Append(ReadOnlySpan<byte> source)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> leafHash = stackalloc byte[H];
        _hasher.HashLeaf(source, leafHash);
        return AppendLeafHash(leafHash);
    }

    /// <summary>Appends an already computed leaf hash (<c>SHA-256(0x00 ‖ leaf)</c>).</summary>
    /// <returns>The 0-based index of the new leaf.</returns>
    /// <exception cref="ArgumentException"><paramref name="leafHash"/> is not 32 bytes.</exception>
    /// <exception cref="InvalidOperationException">The tree already holds <see cref="MaxSize"/> leaves.</exception>
    /// <exception cref="ObjectDisposedException">The tree was disposed.</exception>
    public ulong AppendLeafHash(ReadOnlySpan<byte> leafHash)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (leafHash.Length != H)
        {
            Internal.Error.ThrowWrongSize(nameof(leafHash), "leaf hash", H, leafHash.Length);
        }

        ulong index = Size;
        if ((long)index >= MaxSize)
        {
            throw new InvalidOperationException($"An in-memory Merkle tree holds at most {MaxSize} leaves.");
        }

        Span<byte> node = stackalloc byte[H];
        leafHash.CopyTo(node);
        for (int level = 0; ; level++)
        {
            int position = Push(level, node);
            if ((position & 1) == 0)
            {
                break;
            }

            // The level now ends with a complete pair: their parent completes a subtree one level up.
            byte[] data = _levels[level];
            _hasher.HashChildren(data.AsSpan((position - 1) * H, H), data.AsSpan(position * H, H), node);
        }

        return index;
    }

    /// <summary>Returns the root of the first <paramref name="treeSize"/> leaves (the empty-tree hash for 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="treeSize"/> exceeds <see cref="Size"/>.</exception>
    /// <exception cref="ObjectDisposedException">The tree was disposed.</exception>
    public byte[] GetRoot(ulong treeSize)
    {
        byte[] root = new byte[H];
        GetRoot(treeSize, root);
        return root;
    }

    /// <summary>Writes the root of the first <paramref name="treeSize"/> leaves into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, 32.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="treeSize"/> exceeds <see cref="Size"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The tree was disposed.</exception>
    public int GetRoot(ulong treeSize, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckSize(treeSize, nameof(treeSize));
        if (destination.Length < H)
        {
            Internal.Error.ThrowDestinationTooSmall(nameof(destination), H, destination.Length);
        }

        if (treeSize == 0)
        {
            return MerkleHasher.GetEmptyRoot(destination);
        }

        SubtreeHash(0, treeSize, destination[..H]);
        return H;
    }

    /// <summary>Returns the root of the whole tree.</summary>
    /// <exception cref="ObjectDisposedException">The tree was disposed.</exception>
    public byte[] GetRoot() => GetRoot(Size);

    /// <summary>Returns the leaf hash at <paramref name="leafIndex"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="leafIndex"/> is not below <see cref="Size"/>.</exception>
    /// <exception cref="ObjectDisposedException">The tree was disposed.</exception>
    public byte[] GetLeafHash(ulong leafIndex)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(leafIndex, Size);
        return _levels[0].AsSpan((int)leafIndex * H, H).ToArray();
    }

    /// <summary>
    /// Generates the inclusion proof (audit path, sibling first) of the leaf at
    /// <paramref name="leafIndex"/> in the tree of the first <paramref name="treeSize"/> leaves.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="treeSize"/> exceeds <see cref="Size"/>, or <paramref name="leafIndex"/> is not below it.</exception>
    /// <exception cref="ObjectDisposedException">The tree was disposed.</exception>
    public byte[][] GetInclusionProof(ulong leafIndex, ulong treeSize)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckSize(treeSize, nameof(treeSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(leafIndex, treeSize);

        // RFC 9162 PATH(m, D[start:start+n]), walked from the root down; entries come out root
        // side first, so they are reversed at the end to put the leaf's sibling first.
        var proof = new List<byte[]>(64);
        ulong start = 0, n = treeSize, m = leafIndex;
        while (n > 1)
        {
            ulong k = LargestPowerOfTwoBelow(n);
            if (m < k)
            {
                proof.Add(SubtreeHash(start + k, n - k));
                n = k;
            }
            else
            {
                proof.Add(SubtreeHash(start, k));
                start += k;
                m -= k;
                n -= k;
            }
        }

        proof.Reverse();
        return [.. proof];
    }

    /// <summary>
    /// Generates the consistency proof between the tree of the first <paramref name="size1"/>
    /// leaves and the tree of the first <paramref name="size2"/> leaves (RFC 9162 PROOF).
    /// Equal sizes give the empty proof.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size2"/> exceeds <see cref="Size"/>, <paramref name="size1"/> exceeds <paramref name="size2"/>, or <paramref name="size1"/> is 0 (a proof from the empty tree is meaningless).</exception>
    /// <exception cref="ObjectDisposedException">The tree was disposed.</exception>
    public byte[][] GetConsistencyProof(ulong size1, ulong size2)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckSize(size2, nameof(size2));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size1, size2);
        ArgumentOutOfRangeException.ThrowIfZero(size1);

        // RFC 9162 SUBPROOF(m, D[start:start+n], b), walked from the root down; the entries are
        // appended after the recursive part, so they are collected and reversed.
        var proof = new List<byte[]>(64);
        ulong start = 0, n = size2, m = size1;
        bool complete = true;
        while (m != n)
        {
            ulong k = LargestPowerOfTwoBelow(n);
            if (m <= k)
            {
                proof.Add(SubtreeHash(start + k, n - k));
                n = k;
            }
            else
            {
                proof.Add(SubtreeHash(start, k));
                start += k;
                m -= k;
                n -= k;
                complete = false;
            }
        }

        if (!complete)
        {
            proof.Add(SubtreeHash(start, n));
        }

        proof.Reverse();
        return [.. proof];
    }

    /// <summary>Releases the native hash state.</summary>
    public void Dispose()
    {
        _disposed = true;
        _hasher.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"MerkleTree({Size} leaves)";

    private static ulong LargestPowerOfTwoBelow(ulong n) => 1UL << (63 - BitOperations.LeadingZeroCount(n - 1));

    private void CheckSize(ulong treeSize, string paramName)
    {
        if (treeSize > Size)
        {
            throw new ArgumentOutOfRangeException(paramName, treeSize, $"The tree has {Size} leaves.");
        }
    }

    private int Push(int level, ReadOnlySpan<byte> hash)
    {
        if (level == _levels.Count)
        {
            _levels.Add(new byte[H * 16]);
            _counts.Add(0);
        }

        byte[] data = _levels[level];
        int count = _counts[level];
        if ((count + 1) * H > data.Length)
        {
            Array.Resize(ref data, (int)Math.Min((long)data.Length * 2, MaxSize * H));
            _levels[level] = data;
        }

        hash.CopyTo(data.AsSpan(count * H, H));
        _counts[level] = count + 1;
        return count;
    }

    private byte[] SubtreeHash(ulong start, ulong size)
    {
        byte[] hash = new byte[H];
        SubtreeHash(start, size, hash);
        return hash;
    }

    /// <summary>MTH(D[start:start+size]) for 0 &lt; size, start + size ≤ Size.</summary>
    private void SubtreeHash(ulong start, ulong size, Span<byte> destination)
    {
        if (BitOperations.IsPow2(size) && (start & (size - 1)) == 0)
        {
            int level = BitOperations.Log2(size);
            _levels[level].AsSpan((int)(start >> level) * H, H).CopyTo(destination);
            return;
        }

        ulong k = LargestPowerOfTwoBelow(size);
        Span<byte> left = stackalloc byte[H];
        SubtreeHash(start, k, left);
        SubtreeHash(start + k, size - k, destination);
        _hasher.HashChildren(left, destination, destination);
    }
}
