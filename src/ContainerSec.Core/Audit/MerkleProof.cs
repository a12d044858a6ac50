using System.Numerics;

namespace ContainerSec.Audit;

/// <summary>
/// Stateless verification of RFC 9162 inclusion and consistency proofs (section 2.1.3.2 and
/// 2.1.4.2), with the edge semantics of transparency-dev/merkle <c>proof/verify.go</c>.
/// </summary>
/// <remarks>
/// A bad proof is a security outcome, not a caller mistake: every verifier returns
/// <see langword="false"/> for wrong sizes, indices, hash lengths, missing or extra entries and
/// mismatching roots, and throws only for a <see langword="null"/> proof list. Proof entries and
/// leaf hashes must be 32 bytes; a <see langword="null"/> or wrongly sized entry fails.
/// Verification is safe to call from many threads at once.
/// </remarks>
public static class MerkleProof
{
    /// <summary>
    /// The longest proof any tree can have (64 levels of inner nodes plus border nodes never
    /// exceed this for a 64-bit size); longer lists fail without being hashed.
    /// </summary>
    public const int MaxProofLength = 128;

    [ThreadStatic]
    private static MerkleHasher? t_hasher;

    private static MerkleHasher Hasher => t_hasher ??= new MerkleHasher();

    /// <summary>
    /// Checks that <paramref name="leafHash"/> is the leaf at <paramref name="leafIndex"/> of the
    /// tree of <paramref name="treeSize"/> leaves whose root is <paramref name="root"/>.
    /// </summary>
    /// <param name="leafIndex">The 0-based leaf index; must be below <paramref name="treeSize"/>.</param>
    /// <param name="treeSize">The number of leaves of the tree.</param>
    /// <param name="leafHash">The leaf <em>hash</em> (<see cref="MerkleHasher.HashLeaf(ReadOnlySpan{byte})"/>), 32 bytes.</param>
    /// <param name="proof">The audit path, the leaf's sibling first.</param>
    /// <param name="root">The expected root; compared byte for byte.</param>
    /// <returns><see langword="true"/> only when the proof is well formed and leads to <paramref name="root"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="proof"/> is <see langword="null"/>.</exception>
    public static bool VerifyInclusion(ulong leafIndex, ulong treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        Span<byte> computed = stackalloc byte[MerkleHasher.HashSizeInBytes];
        return TryComputeRootFromInclusionProof(leafIndex, treeSize, leafHash, proof, computed)
            && computed.SequenceEqual(root);
    }

    /// <summary>
    /// Computes the root that an inclusion proof leads to, for callers that compare it with a
    /// root of their own (a signed checkpoint, for example).
    /// </summary>
    /// <returns><see langword="false"/> when the index is not below the size, the leaf hash or an entry is not 32 bytes, or the proof has the wrong length.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="proof"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public static bool TryComputeRootFromInclusionProof(ulong leafIndex, ulong treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (destination.Length < MerkleHasher.HashSizeInBytes)
        {
            Internal.Error.ThrowDestinationTooSmall(nameof(destination), MerkleHasher.HashSizeInBytes, destination.Length);
        }

        if (leafIndex >= treeSize || leafHash.Length != MerkleHasher.HashSizeInBytes || !EntriesWellFormed(proof))
        {
            return false;
        }

        var (inner, border) = DecomposeInclusionProof(leafIndex, treeSize);
        if (proof.Count != inner + border)
        {
            return false;
        }

        MerkleHasher hasher = Hasher;
        Span<byte> hash = destination[..MerkleHasher.HashSizeInBytes];
        leafHash.CopyTo(hash);
        ChainInner(hasher, hash, proof, 0, inner, leafIndex);
        ChainBorderRight(hasher, hash, proof, inner, proof.Count);
        return true;
    }

    /// <summary>
    /// Checks that the tree of <paramref name="size2"/> leaves with root <paramref name="root2"/>
    /// extends the tree of <paramref name="size1"/> leaves with root <paramref name="root1"/>.
    /// </summary>
    /// <remarks>
    /// As transparency-dev/merkle: <paramref name="size1"/> &gt; <paramref name="size2"/> fails;
    /// <paramref name="size1"/> = 0 fails even when <paramref name="size2"/> = 0 (a proof from the
    /// empty tree proves nothing); equal sizes succeed only with an empty proof and byte-equal
    /// roots (of any length); otherwise the proof must be non-empty and lead to both roots.
    /// </remarks>
    /// <returns><see langword="true"/> only when the proof is well formed and leads to both roots.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="proof"/> is <see langword="null"/>.</exception>
    public static bool VerifyConsistency(ulong size1, ulong size2, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (size2 < size1 || size1 == 0)
        {
            return false;
        }

        if (size1 == size2)
        {
            return proof.Count == 0 && root1.SequenceEqual(root2);
        }

        if (proof.Count == 0 || !EntriesWellFormed(proof)
            || root1.Length != MerkleHasher.HashSizeInBytes || root2.Length != MerkleHasher.HashSizeInBytes)
        {
            return false;
        }

        // Now 0 < size1 < size2: the proof is a suffix of the inclusion proof of leaf size1 - 1,
        // started at level `shift`, optionally preceded by the hash of that level's subtree.
        var (inner, border) = DecomposeInclusionProof(size1 - 1, size2);
        int shift = BitOperations.TrailingZeroCount(size1);
        inner -= shift;

        bool seedIsRoot1 = size1 == 1UL << shift;
        int start = seedIsRoot1 ? 0 : 1;
        if (proof.Count != start + inner + border)
        {
            return false;
        }

        ulong mask = (size1 - 1) >> shift;
        MerkleHasher hasher = Hasher;
        Span<byte> hash1 = stackalloc byte[MerkleHasher.HashSizeInBytes];
        Span<byte> hash2 = stackalloc byte[MerkleHasher.HashSizeInBytes];
        ReadOnlySpan<byte> seed = seedIsRoot1 ? root1 : proof[0];
        seed.CopyTo(hash1);
        seed.CopyTo(hash2);

        ChainInnerRight(hasher, hash1, proof, start, start + inner, mask);
        ChainBorderRight(hasher, hash1, proof, start + inner, proof.Count);
        if (!hash1.SequenceEqual(root1))
        {
            return false;
        }

        ChainInner(hasher, hash2, proof, start, start + inner, mask);
        ChainBorderRight(hasher, hash2, proof, start + inner, proof.Count);
        return hash2.SequenceEqual(root2);
    }

    /// <summary>
    /// Splits the inclusion proof of <paramref name="index"/> in a tree of <paramref name="size"/>
    /// leaves into the inner part (below the point where the path leaves the left edge of the
    /// rightmost complete subtrees) and the border part.
    /// </summary>
    internal static (int Inner, int Border) DecomposeInclusionProof(ulong index, ulong size)
    {
        int inner = 64 - BitOperations.LeadingZeroCount(index ^ (size - 1));
        int border = BitOperations.PopCount(inner >= 64 ? 0 : index >> inner);
        return (inner, border);
    }

    private static bool EntriesWellFormed(IReadOnlyList<byte[]> proof)
    {
        if (proof.Count > MaxProofLength)
        {
            return false;
        }

        for (int i = 0; i < proof.Count; i++)
        {
            if (proof[i] is not { Length: MerkleHasher.HashSizeInBytes })
            {
                return false;
            }
        }

        return true;
    }

    private static void ChainInner(MerkleHasher hasher, Span<byte> seed, IReadOnlyList<byte[]> proof, int from, int to, ulong index)
    {
        for (int i = from; i < to; i++)
        {
            if (((index >> (i - from)) & 1) == 0)
            {
                hasher.HashChildren(seed, proof[i], seed);
            }
            else
            {
                hasher.HashChildren(proof[i], seed, seed);
            }
        }
    }

    private static void ChainInnerRight(MerkleHasher hasher, Span<byte> seed, IReadOnlyList<byte[]> proof, int from, int to, ulong index)
    {
        for (int i = from; i < to; i++)
        {
            if (((index >> (i - from)) & 1) == 1)
            {
                hasher.HashChildren(proof[i], seed, seed);
            }
        }
    }

    private static void ChainBorderRight(MerkleHasher hasher, Span<byte> seed, IReadOnlyList<byte[]> proof, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            hasher.HashChildren(proof[i], seed, seed);
        }
    }
}
