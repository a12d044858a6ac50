using ContainerSec.Audit;
using ContainerSec.Tests.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Org.BouncyCastle.Crypto.Digests;

namespace ContainerSec.Tests.Audit;

/// <summary>
/// Properties of <see cref="MerkleTree"/> and <see cref="MerkleProof"/> for random sizes: roots and
/// proofs equal an independent recursive RFC 9162 implementation over BouncyCastle SHA-256, every
/// generated proof verifies, and any single bit flip in a proof, root or leaf hash makes it fail.
/// </summary>
public sealed class MerklePropertyTests
{
    private const int Cases = 200;

    /// <summary>(size, leaf index or old size, seed): 1 ≤ size ≤ 300, 0 ≤ other &lt; size.</summary>
    private static Arbitrary<(int Size, int Other, int Seed)> Shapes() =>
        (from size in Gen.Frequency((3, Gen.Choose(1, 40)), (1, Gen.Choose(1, 300)))
         from other in Gen.Choose(0, size - 1)
         from seed in TestBytes.Seed
         select (size, other, seed)).ToArbitrary();

    [Fact]
    public void GetRootAndProofs_RandomSizes_EqualRecursiveReference()
    {
        TestBytes.Check(Prop.ForAll(Shapes(), c =>
        {
            byte[][] leaves = Leaves(c.Size, c.Seed);
            using MerkleTree tree = Build(leaves);
            int m = c.Other;
            for (int n = Math.Max(1, m); n <= c.Size; n += 1 + (c.Size / 7))
            {
                Assert.Equal(ReferenceRoot(leaves, 0, n), tree.GetRoot((ulong)n));
                if (m < n)
                {
                    Assert.Equal(ReferencePath(leaves, m, 0, n), tree.GetInclusionProof((ulong)m, (ulong)n));
                }

                if (m >= 1 && m <= n)
                {
                    Assert.Equal(ReferenceSubproof(leaves, m, 0, n, true), tree.GetConsistencyProof((ulong)m, (ulong)n));
                }
            }
        }), Cases);
    }

    [Fact]
    public void VerifyInclusion_GeneratedProof_VerifiesAndEveryBitFlipFails()
    {
        TestBytes.Check(Prop.ForAll(Shapes(), c =>
        {
            using MerkleTree tree = Build(Leaves(c.Size, c.Seed));
            ulong index = (ulong)c.Other, size = (ulong)c.Size;
            byte[] root = tree.GetRoot(size), leaf = tree.GetLeafHash(index);
            byte[][] proof = tree.GetInclusionProof(index, size);

            Assert.True(MerkleProof.VerifyInclusion(index, size, leaf, proof, root));
            var random = new Random(c.Seed);
            int bit = random.Next(256);
            Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, proof, TestBytes.FlipBit(root, bit)));
            Assert.False(MerkleProof.VerifyInclusion(index, size, TestBytes.FlipBit(leaf, bit), proof, root));
            for (int i = 0; i < proof.Length; i++)
            {
                byte[][] bad = [.. proof];
                bad[i] = TestBytes.FlipBit(proof[i], random.Next(256));
                Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, bad, root));
            }

            Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, [.. proof, root], root));
            if (proof.Length > 0)
            {
                Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, proof[..^1], root));
            }

            if (index + 1 < size)
            {
                Assert.False(MerkleProof.VerifyInclusion(index + 1, size, leaf, proof, root));
            }
        }), Cases);
    }

    [Fact]
    public void VerifyConsistency_GeneratedProof_VerifiesAndEveryBitFlipFails()
    {
        TestBytes.Check(Prop.ForAll(Shapes(), c =>
        {
            using MerkleTree tree = Build(Leaves(c.Size, c.Seed));
            ulong size1 = (ulong)c.Other + 1, size2 = (ulong)c.Size;
            byte[] root1 = tree.GetRoot(size1), root2 = tree.GetRoot(size2);
            byte[][] proof = tree.GetConsistencyProof(size1, size2);

            Assert.True(MerkleProof.VerifyConsistency(size1, size2, proof, root1, root2));
            var random = new Random(c.Seed);
            Assert.False(MerkleProof.VerifyConsistency(size1, size2, proof, TestBytes.FlipBit(root1, random.Next(256)), root2));
            Assert.False(MerkleProof.VerifyConsistency(size1, size2, proof, root1, TestBytes.FlipBit(root2, random.Next(256))));
            for (int i = 0; i < proof.Length; i++)
            {
                byte[][] bad = [.. proof];
                bad[i] = TestBytes.FlipBit(proof[i], random.Next(256));
                Assert.False(MerkleProof.VerifyConsistency(size1, size2, bad, root1, root2));
            }

            if (proof.Length > 0)
            {
                Assert.False(MerkleProof.VerifyConsistency(size1, size2, proof[1..], root1, root2));
                Assert.False(MerkleProof.VerifyConsistency(size1, size2, [.. proof, root2], root1, root2));
            }

            Assert.False(MerkleProof.VerifyConsistency(size2, size1 == size2 ? size2 - 1 : size1, proof, root2, root1));
            Assert.False(MerkleProof.VerifyConsistency(0, size2, proof, root1, root2));
        }), Cases);
    }

    [Fact]
    public void Append_SameLeavesAsHashes_SameRoots()
    {
        TestBytes.Check(Prop.ForAll(Shapes(), c =>
        {
            byte[][] leaves = Leaves(c.Size, c.Seed);
            using MerkleTree byInput = Build(leaves);
            using var byHash = new MerkleTree();
            using var hasher = new MerkleHasher();
            foreach (byte[] leaf in leaves)
            {
                byHash.AppendLeafHash(hasher.HashLeaf(leaf));
            }

            Assert.Equal(byInput.GetRoot(), byHash.GetRoot());
            Assert.Equal((ulong)c.Size, byHash.Size);
        }), Cases);
    }

    private static byte[][] Leaves(int count, int seed)
    {
        var random = new Random(seed);
        var leaves = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            // Distinct leaves (an index prefix), so that moving a proof to another index must fail.
            leaves[i] = [.. BitConverter.GetBytes(i), .. TestBytes.Seeded(random, random.Next(0, 40))];
        }

        return leaves;
    }

    private static MerkleTree Build(byte[][] leaves)
    {
        var tree = new MerkleTree();
        foreach (byte[] leaf in leaves)
        {
            tree.Append(leaf);
        }

        return tree;
    }

    // An independent RFC 9162 section 2.1 implementation: recursive, one-shot BouncyCastle SHA-256.
    private static byte[] Sha256(byte prefix, params byte[][] parts)
    {
        var digest = new Sha256Digest();
        digest.Update(prefix);
        foreach (byte[] part in parts)
        {
            digest.BlockUpdate(part, 0, part.Length);
        }

        byte[] hash = new byte[32];
        digest.DoFinal(hash, 0);
        return hash;
    }

    private static int Split(int n)
    {
        int k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }

    private static byte[] ReferenceRoot(byte[][] d, int start, int n)
    {
        if (n == 1)
        {
            return Sha256(0x00, d[start]);
        }

        int k = Split(n);
        return Sha256(0x01, ReferenceRoot(d, start, k), ReferenceRoot(d, start + k, n - k));
    }

    private static byte[][] ReferencePath(byte[][] d, int m, int start, int n)
    {
        if (n == 1)
        {
            return [];
        }

        int k = Split(n);
        return m < k
            ? [.. ReferencePath(d, m, start, k), ReferenceRoot(d, start + k, n - k)]
            : [.. ReferencePath(d, m - k, start + k, n - k), ReferenceRoot(d, start, k)];
    }

    private static byte[][] ReferenceSubproof(byte[][] d, int m, int start, int n, bool complete)
    {
        if (m == n)
        {
            return complete ? [] : [ReferenceRoot(d, start, n)];
        }

        int k = Split(n);
        return m <= k
            ? [.. ReferenceSubproof(d, m, start, k, complete), ReferenceRoot(d, start + k, n - k)]
            : [.. ReferenceSubproof(d, m - k, start + k, n - k, false), ReferenceRoot(d, start, k)];
    }
}
