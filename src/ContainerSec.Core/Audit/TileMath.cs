using System.Buffers.Binary;
using System.Numerics;

namespace ContainerSec.Audit;

/// <summary>Writes the stored hash at tile level <paramref name="level"/> (stride 256^level), position <paramref name="index"/>.</summary>
internal delegate void TileHashSource(int level, ulong index, Span<byte> destination);

/// <summary>
/// Tile arithmetic shared by the publisher, reader and verifier: hashes per level, subtree hashes
/// from tile hashes, RFC 9162 proof walks over them, and the entry-bundle encoding.
/// </summary>
internal static class TileMath
{
    public const int H = MerkleHasher.HashSizeInBytes;
    public const int Width = TileCoordinate.FullWidth;
    public const int FullTileBytes = Width * H;
    public const int MaxEntryBytes = ushort.MaxValue; // an entry bundle's 16-bit length prefix; the one limit the audit layer and the durable log follow
    public const int MaxBundleBytes = Width * (2 + MaxEntryBytes);
    public const int MaxCheckpointBytes = NoteSigner.MaxNoteBytes + (SignedNote.MaxSignatures * 1024);

    /// <summary>The number of hashes at tile level <paramref name="level"/> for a tree of <paramref name="treeSize"/> leaves.</summary>
    public static ulong HashesAt(ulong treeSize, int level) => level > TileCoordinate.MaxLevel ? 0 : treeSize >> (8 * level);

    /// <summary>The highest level that has a hash (0 for an empty tree).</summary>
    public static int TopLevel(ulong treeSize)
    {
        int level = 0;
        while (HashesAt(treeSize, level + 1) > 0)
        {
            level++;
        }

        return level;
    }

    /// <summary>The width of the partial tile at <paramref name="level"/> (0 when there is none).</summary>
    public static int PartialWidth(ulong treeSize, int level) => (int)(HashesAt(treeSize, level) % Width);

    /// <summary>MTH of a run of already hashed nodes (1 or more), as if they were the leaves of a tree.</summary>
    public static void RootOfRun(MerkleHasher hasher, ReadOnlySpan<byte> hashes, Span<byte> destination)
    {
        int count = hashes.Length / H;
        if (count == 1)
        {
            hashes[..H].CopyTo(destination);
            return;
        }

        int k = (int)LargestPowerOfTwoBelow((ulong)count);
        Span<byte> left = stackalloc byte[H];
        RootOfRun(hasher, hashes[..(k * H)], left);
        RootOfRun(hasher, hashes[(k * H)..], destination);
        hasher.HashChildren(left, destination, destination);
    }

    /// <summary>The root of a tree of <paramref name="treeSize"/> leaves from its tile hashes.</summary>
    public static byte[] TreeRoot(MerkleHasher hasher, TileHashSource source, ulong treeSize)
    {
        byte[] root = new byte[H];
        if (treeSize == 0)
        {
            MerkleHasher.GetEmptyRoot(root);
        }
        else
        {
            SubtreeHash(hasher, source, 0, treeSize, root);
        }

        return root;
    }

    /// <summary>MTH(D[start:start+size]) for 0 &lt; size, from the tile hashes.</summary>
    public static void SubtreeHash(MerkleHasher hasher, TileHashSource source, ulong start, ulong size, Span<byte> destination)
    {
        if (BitOperations.IsPow2(size) && (start & (size - 1)) == 0)
        {
            int k = BitOperations.Log2(size);
            int level = Math.Min(k / 8, TileCoordinate.MaxLevel);
            int count = 1 << (k - (8 * level));
            ulong first = start >> (8 * level);
            if (count == 1)
            {
                source(level, first, destination[..H]);
                return;
            }

            Span<byte> run = stackalloc byte[count * H];
            for (int i = 0; i < count; i++)
            {
                source(level, first + (ulong)i, run.Slice(i * H, H));
            }

            RootOfRun(hasher, run, destination);
            return;
        }

        ulong split = LargestPowerOfTwoBelow(size);
        Span<byte> left = stackalloc byte[H];
        SubtreeHash(hasher, source, start, split, left);
        SubtreeHash(hasher, source, start + split, size - split, destination);
        hasher.HashChildren(left, destination, destination);
    }

    /// <summary>RFC 9162 PATH(m, D[0:n]), sibling first.</summary>
    public static byte[][] InclusionProof(MerkleHasher hasher, TileHashSource source, ulong leafIndex, ulong treeSize)
    {
        var proof = new List<byte[]>(64);
        ulong start = 0, n = treeSize, m = leafIndex;
        while (n > 1)
        {
            ulong k = LargestPowerOfTwoBelow(n);
            bool left = m < k;
            proof.Add(Subtree(hasher, source, left ? start + k : start, left ? n - k : k));
            if (left)
            {
                n = k;
            }
            else
            {
                start += k;
                m -= k;
                n -= k;
            }
        }

        proof.Reverse();
        return [.. proof];
    }

    /// <summary>RFC 9162 PROOF(m, D[0:n]) for 0 &lt; m ≤ n.</summary>
    public static byte[][] ConsistencyProof(MerkleHasher hasher, TileHashSource source, ulong size1, ulong size2)
    {
        var proof = new List<byte[]>(64);
        ulong start = 0, n = size2, m = size1;
        bool complete = true;
        while (m != n)
        {
            ulong k = LargestPowerOfTwoBelow(n);
            bool left = m <= k;
            proof.Add(Subtree(hasher, source, left ? start + k : start, left ? n - k : k));
            if (left)
            {
                n = k;
            }
            else
            {
                start += k;
                m -= k;
                n -= k;
                complete = false;
            }
        }

        if (!complete)
        {
            proof.Add(Subtree(hasher, source, start, n));
        }

        proof.Reverse();
        return [.. proof];
    }

    /// <summary>Encodes entries as an entry bundle: each entry prefixed by its big-endian 16-bit length.</summary>
    public static byte[] EncodeBundle(IReadOnlyList<byte[]> entries)
    {
        int total = 0;
        foreach (byte[] entry in entries)
        {
            total += 2 + entry.Length;
        }

        byte[] bundle = new byte[total];
        int at = 0;
        foreach (byte[] entry in entries)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bundle.AsSpan(at), (ushort)entry.Length);
            entry.CopyTo(bundle, at + 2);
            at += 2 + entry.Length;
        }

        return bundle;
    }

    /// <summary>
    /// Reads the next entry of a bundle at <paramref name="offset"/>; false when fewer bytes remain
    /// than the length prefix announces (or than the prefix itself).
    /// </summary>
    public static bool TryNextEntry(ReadOnlySpan<byte> bundle, scoped ref int offset, out ReadOnlySpan<byte> entry)
    {
        entry = default;
        if (bundle.Length - offset < 2)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(bundle[offset..]);
        if (bundle.Length - offset - 2 < length)
        {
            return false;
        }

        entry = bundle.Slice(offset + 2, length);
        offset += 2 + length;
        return true;
    }

    public static ulong LargestPowerOfTwoBelow(ulong n) => 1UL << (63 - BitOperations.LeadingZeroCount(n - 1));

    private static byte[] Subtree(MerkleHasher hasher, TileHashSource source, ulong start, ulong size)
    {
        byte[] hash = new byte[H];
        SubtreeHash(hasher, source, start, size, hash);
        return hash;
    }
}

/// <summary>
/// Hash tiles read from storage for a tree of a given size, cached per tile: the full tile where
/// the tree covers it, else the partial tile of that size, falling back to the first hashes of the
/// full tile (a partial tile may be deleted once the full one exists). Contents are untrusted until
/// the caller checks a root computed from them.
/// </summary>
internal sealed class StoredTileHashes(ITileStorage storage, ulong treeSize)
{
    private readonly Dictionary<(int Level, ulong Index), (byte[] Tile, string Path)> _tiles = [];

    public ulong TreeSize => treeSize;

    /// <summary>Whether level-0 tiles are cached too (a verifier streaming a large log turns this off).</summary>
    public bool CacheLeafTiles { get; init; } = true;

    public void Get(int level, ulong index, Span<byte> destination)
    {
        byte[] tile = Tile(level, index / TileMath.Width);
        int position = (int)(index % TileMath.Width);
        if ((position + 1) * TileMath.H > tile.Length)
        {
            throw new InvalidDataException($"Hash {index} of level {level} is missing: its tile is too short.");
        }

        tile.AsSpan(position * TileMath.H, TileMath.H).CopyTo(destination);
    }

    public byte[] Tile(int level, ulong tileIndex) => Tile(level, tileIndex, out _);

    /// <summary>Reads (or returns the cached) tile; <paramref name="path"/> is the resource it came from.</summary>
    /// <exception cref="InvalidDataException">The tile is beyond the tree, missing, or of the wrong length.</exception>
    public byte[] Tile(int level, ulong tileIndex, out string path)
    {
        if (_tiles.TryGetValue((level, tileIndex), out (byte[] Tile, string Path) cached))
        {
            path = cached.Path;
            return cached.Tile;
        }

        ulong hashes = TileMath.HashesAt(treeSize, level);
        ulong first = tileIndex * TileMath.Width;
        if (first >= hashes)
        {
            throw new InvalidDataException($"Tile {tileIndex} of level {level} is beyond the tree of {treeSize} leaves.");
        }

        int width = (int)Math.Min(TileMath.Width, hashes - first);
        TileCoordinate full = TileCoordinate.HashTile(level, tileIndex);
        path = TileCoordinate.HashTile(level, tileIndex, width).Path;
        byte[]? tile = width < TileMath.Width ? storage.Read(path, width * TileMath.H) : null;
        if (tile is null)
        {
            tile = storage.Read(full.Path, TileMath.FullTileBytes);
            if (tile is null)
            {
                throw new InvalidDataException($"The hash tile {path} is missing.");
            }

            path = full.Path;
        }

        if (tile.Length != TileMath.FullTileBytes && tile.Length != width * TileMath.H)
        {
            throw new InvalidDataException($"The hash tile {path} has {tile.Length} bytes; {width * TileMath.H} were expected.");
        }

        if (tile.Length > width * TileMath.H)
        {
            tile = tile[..(width * TileMath.H)];
        }

        if (level > 0 || CacheLeafTiles)
        {
            _tiles[(level, tileIndex)] = (tile, path);
        }

        return tile;
    }
}
