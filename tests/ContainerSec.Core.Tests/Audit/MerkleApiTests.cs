using ContainerSec.Audit;

namespace ContainerSec.Tests.Audit;

/// <summary>Caller mistakes and edge cases of <see cref="MerkleHasher"/>, <see cref="MerkleTree"/> and <see cref="MerkleProof"/>.</summary>
public sealed class MerkleApiTests
{
    private static readonly byte[] Zero32 = new byte[32];

    [Fact]
    public void HashLeaf_DestinationTooSmall_ThrowsArgumentExceptionForDestination()
    {
        using var hasher = new MerkleHasher();

        var ex = Assert.Throws<ArgumentException>(() => hasher.HashLeaf([1], new byte[31]));
        Assert.Equal("destination", ex.ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => hasher.HashChildren([1], [2], new byte[31])).ParamName);
    }

    [Fact]
    public void HashChildren_DestinationOverlapsChild_SameAsSeparateBuffers()
    {
        using var hasher = new MerkleHasher();
        byte[] left = hasher.HashLeaf([1]), right = hasher.HashLeaf([2]);
        byte[] expected = hasher.HashChildren(left, right);

        byte[] inPlace = (byte[])left.Clone();
        hasher.HashChildren(inPlace, right, inPlace);

        Assert.Equal(expected, inPlace);
    }

    [Fact]
    public void HashLeaf_AfterDispose_ThrowsObjectDisposedException()
    {
        var hasher = new MerkleHasher();
        hasher.Dispose();

        Assert.Throws<ObjectDisposedException>(() => hasher.HashLeaf([1]));
    }

    [Fact]
    public void EmptyRoot_EachCall_FreshCopyOfSha256OfEmpty()
    {
        byte[] root = MerkleHasher.EmptyRoot;
        root[0] ^= 1;

        Assert.Equal(System.Security.Cryptography.SHA256.HashData([]), MerkleHasher.EmptyRoot);
        using var tree = new MerkleTree();
        Assert.Equal(MerkleHasher.EmptyRoot, tree.GetRoot());
    }

    [Fact]
    public void MerkleTree_SizeOrIndexOutOfRange_ThrowsArgumentOutOfRange()
    {
        using var tree = new MerkleTree();
        tree.Append([1]);
        tree.Append([2]);

        Assert.Equal("treeSize", Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetRoot(3)).ParamName);
        Assert.Equal("leafIndex", Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetInclusionProof(1, 1)).ParamName);
        Assert.Equal("size2", Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetConsistencyProof(1, 3)).ParamName);
        Assert.Equal("size1", Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetConsistencyProof(2, 1)).ParamName);
        Assert.Equal("size1", Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetConsistencyProof(0, 2)).ParamName);
        Assert.Equal("leafIndex", Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetLeafHash(2)).ParamName);
    }

    [Fact]
    public void AppendLeafHash_WrongLength_ThrowsArgumentException()
    {
        using var tree = new MerkleTree();

        Assert.Equal("leafHash", Assert.Throws<ArgumentException>(() => tree.AppendLeafHash(new byte[31])).ParamName);
        Assert.Equal(0UL, tree.Size);
    }

    [Fact]
    public void MerkleTree_AfterDispose_ThrowsObjectDisposedException()
    {
        var tree = new MerkleTree();
        tree.Append([1]);
        tree.Dispose();

        Assert.Throws<ObjectDisposedException>(() => tree.Append([2]));
        Assert.Throws<ObjectDisposedException>(() => tree.GetRoot());
        Assert.Throws<ObjectDisposedException>(() => tree.GetInclusionProof(0, 1));
    }

    [Fact]
    public void Verify_NullProof_ThrowsArgumentNullException()
    {
        Assert.Equal("proof", Assert.Throws<ArgumentNullException>(() => MerkleProof.VerifyInclusion(0, 1, Zero32, null!, Zero32)).ParamName);
        Assert.Equal("proof", Assert.Throws<ArgumentNullException>(() => MerkleProof.VerifyConsistency(1, 2, null!, Zero32, Zero32)).ParamName);
    }

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(ulong.MaxValue, ulong.MaxValue)]
    [InlineData(ulong.MaxValue - 1, ulong.MaxValue)]
    [InlineData(0UL, ulong.MaxValue)]
    public void VerifyInclusion_ExtremeSizes_FalseWithoutThrowing(ulong index, ulong size)
    {
        byte[][] proof = [.. Enumerable.Repeat(Zero32, 64)];

        Assert.False(MerkleProof.VerifyInclusion(index, size, Zero32, proof, Zero32));
        Assert.False(MerkleProof.VerifyConsistency(index == 0 ? 1 : index, size, proof, Zero32, Zero32));
    }

    [Fact]
    public void Verify_NullOrWrongLengthEntries_False()
    {
        using var tree = new MerkleTree();
        for (byte i = 0; i < 5; i++)
        {
            tree.Append([i]);
        }

        byte[][] proof = tree.GetInclusionProof(1, 5);
        byte[] root = tree.GetRoot(), leaf = tree.GetLeafHash(1);
        Assert.True(MerkleProof.VerifyInclusion(1, 5, leaf, proof, root));

        byte[][] withNull = [.. proof];
        withNull[1] = null!;
        byte[][] shortEntry = [.. proof];
        shortEntry[1] = proof[1][..31];
        Assert.False(MerkleProof.VerifyInclusion(1, 5, leaf, withNull, root));
        Assert.False(MerkleProof.VerifyInclusion(1, 5, leaf, shortEntry, root));
        Assert.False(MerkleProof.VerifyInclusion(1, 5, leaf, [.. Enumerable.Repeat(proof[0], MerkleProof.MaxProofLength + 1)], root));

        byte[][] consistency = tree.GetConsistencyProof(3, 5);
        byte[][] consistencyNull = [.. consistency];
        consistencyNull[0] = null!;
        Assert.True(MerkleProof.VerifyConsistency(3, 5, consistency, tree.GetRoot(3), root));
        Assert.False(MerkleProof.VerifyConsistency(3, 5, consistencyNull, tree.GetRoot(3), root));
    }

    [Fact]
    public void TryComputeRootFromInclusionProof_GoodProof_WritesRoot()
    {
        using var tree = new MerkleTree();
        for (byte i = 0; i < 9; i++)
        {
            tree.Append([i]);
        }

        byte[] destination = new byte[40];
        Assert.True(MerkleProof.TryComputeRootFromInclusionProof(7, 9, tree.GetLeafHash(7), tree.GetInclusionProof(7, 9), destination));
        Assert.Equal(tree.GetRoot(), destination[..32]);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() =>
            MerkleProof.TryComputeRootFromInclusionProof(7, 9, tree.GetLeafHash(7), tree.GetInclusionProof(7, 9), new byte[31])).ParamName);
    }
}
