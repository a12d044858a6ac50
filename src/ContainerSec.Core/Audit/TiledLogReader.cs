namespace ContainerSec.Audit;

/// <summary>
/// Reads a c2sp.org/tlog-tiles log from its static resources alone — as a client of a static
/// HTTP server or CDN would — and serves entries, roots, inclusion and consistency proofs, each
/// checked against the signed checkpoint before it is returned.
/// </summary>
/// <remarks>
/// <para>The checkpoint is opened with the trusted <see cref="NoteVerifier"/>s when the reader is
/// created; everything else read from storage is untrusted. An entry is returned only after its
/// leaf hash is proved included in the checkpoint's tree; a root of an earlier size only after a
/// consistency proof to the checkpoint verifies; a proof only after it verifies. Tampered storage
/// therefore gives <see cref="InvalidDataException"/>, never wrong data.</para>
/// <para>The reader sees the checkpoint it was opened with; open a new reader to follow the log.
/// Not thread-safe (tiles are cached per reader).</para>
/// </remarks>
public sealed class TiledLogReader : IDisposable
{
    private readonly ITileStorage _storage;
    private readonly MerkleHasher _hasher = new();
    private readonly StoredTileHashes _tiles;
    private readonly byte[] _root;
    private bool _disposed;

    private TiledLogReader(ITileStorage storage, Checkpoint checkpoint)
    {
        _storage = storage;
        Checkpoint = checkpoint;
        _root = checkpoint.RootHash;
        _tiles = new StoredTileHashes(storage, checkpoint.TreeSize);
    }

    /// <summary>The verified checkpoint the reader serves.</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>The checkpoint's tree size.</summary>
    public ulong TreeSize => Checkpoint.TreeSize;

    /// <summary>Opens the log in <paramref name="storage"/>: its <c>checkpoint</c> must be a checkpoint of <paramref name="origin"/> signed by a trusted key.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">There is no checkpoint, or it does not open as <see cref="NoteOpenStatus.Verified"/> for the origin.</exception>
    public static TiledLogReader Open(ITileStorage storage, string origin, IEnumerable<NoteVerifier> verifiers)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(verifiers);
        byte[] note = storage.Read(TileCoordinate.CheckpointPath, TileMath.MaxCheckpointBytes)
            ?? throw new InvalidDataException("The log has no checkpoint.");
        NoteOpenStatus status = Checkpoint.Open(System.Text.Encoding.UTF8.GetString(note), verifiers, origin, out Checkpoint? checkpoint);
        return status == NoteOpenStatus.Verified
            ? new TiledLogReader(storage, checkpoint!)
            : throw new InvalidDataException($"The checkpoint does not verify for '{origin}': {status}.");
    }

    /// <summary>Reads the entry at <paramref name="index"/>, proved included in the checkpoint's tree.</summary>
    /// <param name="index">The entry index, below <see cref="TreeSize"/>.</param>
    /// <param name="entry">The entry, or <see langword="null"/> when its bundle was pruned (retention).</param>
    /// <returns><see langword="false"/> when the entry's bundle is absent (pruned).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="TreeSize"/>.</exception>
    /// <exception cref="InvalidDataException">The bundle or the tiles do not match the checkpoint (tampering or corruption).</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public bool TryReadEntry(ulong index, out byte[]? entry)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, TreeSize);
        entry = null;
        ulong bundleIndex = index / TileMath.Width;
        int width = (int)Math.Min(TileMath.Width, TreeSize - (bundleIndex * TileMath.Width));
        byte[]? bundle = width < TileMath.Width ? _storage.Read(TileCoordinate.EntryBundle(bundleIndex, width).Path, TileMath.MaxBundleBytes) : null;
        bundle ??= _storage.Read(TileCoordinate.EntryBundle(bundleIndex).Path, TileMath.MaxBundleBytes);
        if (bundle is null)
        {
            return false;
        }

        int offset = 0;
        ReadOnlySpan<byte> found = default;
        for (ulong i = 0; i <= index % TileMath.Width; i++)
        {
            if (!TileMath.TryNextEntry(bundle, ref offset, out found))
            {
                throw new InvalidDataException($"The entry bundle of entry {index} is malformed.");
            }
        }

        byte[] leaf = _hasher.HashLeaf(found);
        if (!MerkleProof.VerifyInclusion(index, TreeSize, leaf, Proof(index, TreeSize), _root))
        {
            throw new InvalidDataException($"Entry {index} is not included in the checkpoint's tree.");
        }

        entry = found.ToArray();
        return true;
    }

    /// <summary>Reads the entry at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="TreeSize"/>.</exception>
    /// <exception cref="InvalidOperationException">The entry was pruned (only its hash remains).</exception>
    /// <exception cref="InvalidDataException">The storage does not match the checkpoint.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public byte[] ReadEntry(ulong index) =>
        TryReadEntry(index, out byte[]? entry) ? entry! : throw new InvalidOperationException($"Entry {index} was pruned; only its leaf hash remains.");

    /// <summary>The leaf hash at <paramref name="index"/> (available for pruned entries too), proved included in the checkpoint's tree.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="TreeSize"/>.</exception>
    /// <exception cref="InvalidDataException">The tiles do not match the checkpoint.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public byte[] GetLeafHash(ulong index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, TreeSize);
        byte[] leaf = new byte[TileMath.H];
        Fetch(0, index, leaf);
        return MerkleProof.VerifyInclusion(index, TreeSize, leaf, Proof(index, TreeSize), _root)
            ? leaf
            : throw new InvalidDataException($"The leaf hash of entry {index} is not included in the checkpoint's tree.");
    }

    /// <summary>The root of the first <paramref name="treeSize"/> entries, proved consistent with the checkpoint.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="treeSize"/> exceeds <see cref="TreeSize"/>.</exception>
    /// <exception cref="InvalidDataException">The tiles do not match the checkpoint.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public byte[] GetRoot(ulong treeSize)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(treeSize, TreeSize);
        if (treeSize == TreeSize)
        {
            return (byte[])_root.Clone();
        }

        byte[] root = TileMath.TreeRoot(_hasher, Fetch, treeSize);
        if (treeSize > 0 && !MerkleProof.VerifyConsistency(treeSize, TreeSize, TileMath.ConsistencyProof(_hasher, Fetch, treeSize, TreeSize), root, _root))
        {
            throw new InvalidDataException($"The tiles give a root at size {treeSize} that is not consistent with the checkpoint.");
        }

        return root;
    }

    /// <summary>The inclusion proof of the entry at <paramref name="leafIndex"/> in the tree of <paramref name="treeSize"/> entries, verified before it is returned.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="treeSize"/> exceeds <see cref="TreeSize"/>, or <paramref name="leafIndex"/> is not below it.</exception>
    /// <exception cref="InvalidDataException">The tiles do not match the checkpoint.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public byte[][] GetInclusionProof(ulong leafIndex, ulong treeSize)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(treeSize, TreeSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(leafIndex, treeSize);
        byte[] root = GetRoot(treeSize);
        byte[] leaf = new byte[TileMath.H];
        Fetch(0, leafIndex, leaf);
        byte[][] proof = Proof(leafIndex, treeSize);
        return MerkleProof.VerifyInclusion(leafIndex, treeSize, leaf, proof, root)
            ? proof
            : throw new InvalidDataException($"The tiles give an inclusion proof for entry {leafIndex} that does not verify.");
    }

    /// <summary>The consistency proof between the trees of <paramref name="size1"/> and <paramref name="size2"/> entries, verified before it is returned.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size2"/> exceeds <see cref="TreeSize"/>, <paramref name="size1"/> exceeds <paramref name="size2"/>, or <paramref name="size1"/> is 0.</exception>
    /// <exception cref="InvalidDataException">The tiles do not match the checkpoint.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public byte[][] GetConsistencyProof(ulong size1, ulong size2)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size2, TreeSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size1, size2);
        ArgumentOutOfRangeException.ThrowIfZero(size1);
        byte[] root1 = GetRoot(size1), root2 = GetRoot(size2);
        byte[][] proof = size1 == size2 ? [] : TileMath.ConsistencyProof(_hasher, Fetch, size1, size2);
        return MerkleProof.VerifyConsistency(size1, size2, proof, root1, root2)
            ? proof
            : throw new InvalidDataException($"The tiles give a consistency proof from {size1} to {size2} that does not verify.");
    }

    /// <summary>Releases the hash state.</summary>
    public void Dispose()
    {
        _disposed = true;
        _hasher.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"TiledLogReader({Checkpoint.Origin}, {TreeSize})";

    private byte[][] Proof(ulong leafIndex, ulong treeSize) => TileMath.InclusionProof(_hasher, Fetch, leafIndex, treeSize);

    private void Fetch(int level, ulong index, Span<byte> destination) => _tiles.Get(level, index, destination);
}
