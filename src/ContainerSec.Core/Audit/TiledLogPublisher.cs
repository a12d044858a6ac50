namespace ContainerSec.Audit;

/// <summary>The outcome of <see cref="TiledLogPublisher.PruneEntryBundles"/>.</summary>
/// <param name="MinimumIndex">The tlog-tiles <em>minimum index</em> after pruning: entry bundles below it are gone.</param>
/// <param name="BundlesDeleted">The number of full entry bundles this call deleted.</param>
public sealed record TiledLogPruneResult(ulong MinimumIndex, int BundlesDeleted);

/// <summary>
/// Publishes a log as c2sp.org/tlog-tiles resources — hash tiles, entry bundles and the signed
/// <c>checkpoint</c> — into an <see cref="ITileStorage"/>, incrementally: each call writes only
/// the tiles that changed since the last checkpoint.
/// </summary>
/// <remarks>
/// <para>Order of writes: full tiles and bundles, then partial ones, then the checkpoint, so a
/// reader that follows the checkpoint always finds what it needs; after a crash the next
/// <see cref="Open"/> resumes from the stored checkpoint and rewrites the same bytes. Full tiles
/// and bundles are immutable: if one already exists with different bytes, publishing throws
/// <see cref="InvalidDataException"/> and writes no checkpoint. When a tile becomes full its
/// partial versions are deleted (tlog-tiles allows this; readers fall back to the full tile).</para>
/// <para>Before signing, the root computed from the tiles must equal the source log's root, and
/// the source must extend the stored checkpoint (same root at the stored size).</para>
/// <para>Just before the checkpoint is written, the stored one is read again and verified: it
/// must be a checkpoint of the origin signed by the signer, no larger than the new one, with the
/// new tree's root at its size. So a second, stale publisher on the same storage (another process,
/// or one opened before this one advanced) cannot roll the public checkpoint back or replace it by
/// a fork: its <see cref="Publish(DurableMerkleLog)"/> throws and it must be reopened. The check is
/// not atomic with the write; storage that several writers share needs a lock of its own.</para>
/// <para>Entries longer than 65,535 bytes cannot be encoded in an entry bundle and are refused
/// (the audit sinks refuse such events). Not thread-safe: one publisher per storage.</para>
/// </remarks>
public sealed class TiledLogPublisher : IDisposable
{
    private const int H = TileMath.H;
    private const int Width = TileMath.Width;

    private readonly ITileStorage _storage;
    private readonly string _origin;
    private readonly NoteSigner _signer;
    private readonly MerkleHasher _hasher = new();
    private readonly List<byte[]> _edge = [];
    private readonly List<int> _edgeCounts = [];
    private readonly List<byte[]> _edgeEntries = [];
    private bool _edgeEntriesLoaded;
    private bool _broken;
    private bool _disposed;

    private TiledLogPublisher(ITileStorage storage, string origin, NoteSigner signer)
    {
        _storage = storage;
        _origin = origin;
        _signer = signer;
    }

    /// <summary>The size of the last published checkpoint.</summary>
    public ulong PublishedSize => Checkpoint?.TreeSize ?? 0;

    /// <summary>The last published checkpoint, or <see langword="null"/> before the first publication.</summary>
    public Checkpoint? Checkpoint { get; private set; }

    /// <summary>
    /// Opens a publisher on <paramref name="storage"/>. An existing checkpoint must be a checkpoint
    /// of <paramref name="origin"/> signed by <paramref name="signer"/>, and the stored right-edge
    /// tiles must reproduce its root; publishing then continues from it.
    /// </summary>
    /// <param name="storage">The storage.</param>
    /// <param name="origin">The checkpoint origin (conventionally the log's URL prefix without scheme).</param>
    /// <param name="signer">The log's key; not owned (the caller disposes it).</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="origin"/> is not a valid origin line.</exception>
    /// <exception cref="InvalidDataException">The stored checkpoint does not verify with the signer's key, or the stored tiles do not reproduce its root.</exception>
    public static TiledLogPublisher Open(ITileStorage storage, string origin, NoteSigner signer)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(signer);
        _ = new Checkpoint(origin, 0, MerkleHasher.EmptyRoot); // validates the origin
        var publisher = new TiledLogPublisher(storage, origin, signer);
        try
        {
            publisher.Restore();
            return publisher;
        }
        catch
        {
            publisher.Dispose();
            throw;
        }
    }

    /// <summary>Publishes every durable entry of <paramref name="log"/> and signs a checkpoint of its size.</summary>
    /// <remarks>
    /// Entries whose payloads were purged from the log (<see cref="DurableMerkleLog.PurgePayloads(ulong)"/>)
    /// are fine once published: only entries past the published size are read, and the entries of
    /// the published partial bundle, needed to rewrite it, are taken from the stored bundle when the
    /// log no longer has them (checked against the stored leaf hashes). Entries purged before they
    /// were ever published cannot be published: that is refused before anything is written.
    /// </remarks>
    /// <returns>The new checkpoint (the current one when nothing was added).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="log"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The log is shorter than the published checkpoint or has a different root at its size; an entry is longer than 65,535 bytes; the log purged the payloads of entries that were never published (<see cref="DurableMerkleLog.PurgedEntries"/> exceeds <see cref="PublishedSize"/>), or a purge ran during this call (<see cref="LogEntryPurgedException"/>); the stored checkpoint was advanced past the log by another publisher, or the log does not extend it (nothing is signed; open a new publisher).</exception>
    /// <exception cref="InvalidDataException">A full tile or bundle already stored has different bytes; a log entry no longer matches its hash; the stored checkpoint no longer verifies with the signer's key.</exception>
    /// <exception cref="ObjectDisposedException">The publisher was disposed.</exception>
    public Checkpoint Publish(DurableMerkleLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ulong purged = log.PurgedEntries;
        if (purged > PublishedSize)
        {
            throw new InvalidOperationException(
                $"The log purged the payloads of entries {PublishedSize} to {purged - 1}, which were never published; their entry bundles cannot be written. Publish before purging.");
        }

        return Publish(log.Size, log.ReadEntry, log.GetRoot);
    }

    /// <summary>
    /// Publishes the leaves of <paramref name="tree"/>, whose entries are <paramref name="entries"/>
    /// (<c>entries[i]</c> is leaf i; at least <c>tree.Size</c> of them), and signs a checkpoint of the tree's size.
    /// </summary>
    /// <returns>The new checkpoint (the current one when nothing was added).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tree"/> or <paramref name="entries"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="entries"/> has fewer items than the tree, or a new entry does not hash to the tree's leaf.</exception>
    /// <exception cref="InvalidOperationException">The tree is smaller than the published checkpoint or has a different root at its size; an entry is longer than 65,535 bytes; the stored checkpoint was advanced past the tree by another publisher, or the tree does not extend it (nothing is signed; open a new publisher).</exception>
    /// <exception cref="InvalidDataException">A full tile or bundle already stored has different bytes; the stored checkpoint no longer verifies with the signer's key.</exception>
    /// <exception cref="ObjectDisposedException">The publisher was disposed.</exception>
    public Checkpoint Publish(MerkleTree tree, IReadOnlyList<byte[]> entries)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(entries);
        if ((ulong)entries.Count < tree.Size)
        {
            throw new ArgumentException($"The tree has {tree.Size} leaves but only {entries.Count} entries were given.", nameof(entries));
        }

        byte[] ReadChecked(ulong index)
        {
            byte[] entry = entries[(int)index] ?? throw new ArgumentNullException(nameof(entries));
            if (!_hasher.HashLeaf(entry).AsSpan().SequenceEqual(tree.GetLeafHash(index)))
            {
                throw new ArgumentException($"Entry {index} does not hash to the tree's leaf {index}.", nameof(entries));
            }

            return entry;
        }

        return Publish(tree.Size, ReadChecked, tree.GetRoot);
    }

    /// <summary>
    /// Retention: deletes the full entry bundles, from the start of the log, whose entries are all
    /// older than <paramref name="cutoff"/>, and stops at the first bundle holding a newer entry
    /// (tlog-tiles pruning removes a prefix: the minimum index). Hash tiles are all kept, so every
    /// checkpoint, inclusion proof and consistency proof still verifies; only the contents of
    /// pruned entries are gone. The partial bundle at the end of the log is never pruned.
    /// </summary>
    /// <param name="timestampOf">The time of an entry; for canonical audit events, <see cref="AuditEventTime"/>.</param>
    /// <param name="cutoff">Entries strictly older than this may be purged (typically <c>timeProvider.GetUtcNow() - retention</c>).</param>
    /// <returns>The new minimum index and the number of bundles deleted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="timestampOf"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">A stored bundle is malformed (not a sequence of length-prefixed entries of the bundle's width).</exception>
    /// <exception cref="ObjectDisposedException">The publisher was disposed.</exception>
    public TiledLogPruneResult PruneEntryBundles(Func<ReadOnlySpan<byte>, DateTimeOffset> timestampOf, DateTimeOffset cutoff)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(timestampOf);
        ulong fullBundles = PublishedSize / Width;
        int deleted = 0;
        ulong bundle = 0;
        for (; bundle < fullBundles; bundle++)
        {
            TileCoordinate coordinate = TileCoordinate.EntryBundle(bundle);
            byte[]? contents = _storage.Read(coordinate.Path, TileMath.MaxBundleBytes);
            if (contents is null)
            {
                continue; // pruned before
            }

            if (!AllOlder(contents, timestampOf, cutoff, coordinate))
            {
                break;
            }

            DeletePartials(coordinate);
            _storage.Delete(coordinate.Path);
            deleted++;
        }

        return new TiledLogPruneResult(bundle * Width, deleted);
    }

    /// <summary>
    /// The time of an entry written by <see cref="AuditEventSerializer.ToCanonicalJson"/>: its
    /// <c>stageTimestamp</c> (the time of the event's last recorded stage), for
    /// <see cref="PruneEntryBundles"/>.
    /// </summary>
    /// <param name="entry">A canonical audit event (UTF-8 JSON object).</param>
    /// <returns>The stage timestamp.</returns>
    /// <exception cref="InvalidDataException">The entry is not a JSON object with a top-level RFC 3339 <c>stageTimestamp</c> string.</exception>
    public static DateTimeOffset AuditEventTime(ReadOnlySpan<byte> entry)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(entry);
            if (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
                {
                    bool found = reader.ValueTextEquals("stageTimestamp"u8);
                    reader.Read();
                    if (found && reader.TokenType == System.Text.Json.JsonTokenType.String
                        && DateTimeOffset.TryParse(reader.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out DateTimeOffset time))
                    {
                        return time;
                    }

                    reader.Skip();
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Reported below.
        }

        throw new InvalidDataException("The entry is not a canonical audit event with a stageTimestamp.");
    }

    /// <summary>Releases the hash state (the signer and storage are not owned).</summary>
    public void Dispose()
    {
        _disposed = true;
        _hasher.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"TiledLogPublisher({_origin}, {PublishedSize})";

    private static bool AllOlder(byte[] contents, Func<ReadOnlySpan<byte>, DateTimeOffset> timestampOf, DateTimeOffset cutoff, TileCoordinate coordinate)
    {
        int offset = 0;
        for (int i = 0; i < Width; i++)
        {
            if (!TileMath.TryNextEntry(contents, ref offset, out ReadOnlySpan<byte> entry))
            {
                throw new InvalidDataException($"The entry bundle {coordinate.Path} is malformed at entry {i}.");
            }

            if (timestampOf(entry) >= cutoff)
            {
                return false;
            }
        }

        return offset == contents.Length ? true : throw new InvalidDataException($"The entry bundle {coordinate.Path} has trailing bytes.");
    }

    private Checkpoint Publish(ulong size, Func<ulong, byte[]> readEntry, Func<ulong, byte[]> rootAt)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ulong published = PublishedSize;
        if (size < published)
        {
            throw new InvalidOperationException($"The log has {size} entries, fewer than the published checkpoint's {published}.");
        }

        if (Checkpoint is not null && !rootAt(published).AsSpan().SequenceEqual(Checkpoint.RootHash))
        {
            throw new InvalidOperationException($"The log's root at size {published} differs from the published checkpoint's: it does not extend the published log.");
        }

        if (Checkpoint is not null && size == published)
        {
            return Checkpoint;
        }

        if (_broken)
        {
            throw new InvalidOperationException("An earlier publication failed part way; open a new publisher to resume from the stored checkpoint.");
        }

        try
        {
            return Append(size, readEntry, rootAt);
        }
        catch
        {
            _broken = true;
            throw;
        }
    }

    private Checkpoint Append(ulong size, Func<ulong, byte[]> readEntry, Func<ulong, byte[]> rootAt)
    {
        ulong published = PublishedSize;
        LoadEdgeEntries(readEntry);
        Span<byte> leaf = stackalloc byte[H];
        for (ulong i = published; i < size; i++)
        {
            byte[] entry = readEntry(i);
            if (entry.Length > TileMath.MaxEntryBytes)
            {
                throw new InvalidOperationException($"Entry {i} is {entry.Length} bytes; an entry bundle holds entries of at most {TileMath.MaxEntryBytes} bytes.");
            }

            _hasher.HashLeaf(entry, leaf);
            _edgeEntries.Add(entry);
            AddHash(0, leaf, i / Width);
        }

        // Partial tiles (widest level last does not matter: none is referenced by another).
        for (int level = 0; level < _edge.Count; level++)
        {
            int count = _edgeCounts[level];
            if (count > 0)
            {
                ulong tileIndex = TileMath.HashesAt(size, level) / Width;
                WriteIfChanged(TileCoordinate.HashTile(level, tileIndex, count), _edge[level].AsSpan(0, count * H));
                if (level == 0)
                {
                    WriteIfChanged(TileCoordinate.EntryBundle(tileIndex, count), TileMath.EncodeBundle(_edgeEntries));
                }
            }
        }

        byte[] root = TileMath.TreeRoot(_hasher, EdgeHash, size);
        if (!root.AsSpan().SequenceEqual(rootAt(size)))
        {
            throw new InvalidOperationException("The root computed from the tiles differs from the log's root; nothing was signed.");
        }

        var checkpoint = new Checkpoint(_origin, size, root);
        if (ReadStoredCheckpoint() is { } stored
            && (stored.TreeSize > size || !stored.RootHash.AsSpan().SequenceEqual(stored.TreeSize == size ? root : rootAt(stored.TreeSize))))
        {
            throw new InvalidOperationException(stored.TreeSize > size
                ? $"The stored checkpoint (size {stored.TreeSize}) is larger than this publication ({size}): another publisher advanced it; nothing was signed."
                : $"The stored checkpoint (size {stored.TreeSize}) is not consistent with this log: its root differs from the log's root at that size; nothing was signed.");
        }

        _storage.Write(TileCoordinate.CheckpointPath, System.Text.Encoding.UTF8.GetBytes(checkpoint.Sign(_signer)));
        Checkpoint = checkpoint;
        return checkpoint;
    }

    /// <summary>Appends a hash to the right edge of <paramref name="level"/>; a full tile is written and its root carried up.</summary>
    private void AddHash(int level, ReadOnlySpan<byte> hash, ulong tileIndex)
    {
        while (_edge.Count <= level)
        {
            _edge.Add(new byte[TileMath.FullTileBytes]);
            _edgeCounts.Add(0);
        }

        byte[] tile = _edge[level];
        int count = _edgeCounts[level];
        hash.CopyTo(tile.AsSpan(count * H, H));
        _edgeCounts[level] = ++count;
        if (count < Width)
        {
            return;
        }

        TileCoordinate full = TileCoordinate.HashTile(level, tileIndex);
        WriteImmutable(full, tile);
        if (level == 0)
        {
            TileCoordinate bundle = TileCoordinate.EntryBundle(tileIndex);
            WriteImmutable(bundle, TileMath.EncodeBundle(_edgeEntries));
            DeletePartials(bundle);
            _edgeEntries.Clear();
        }

        DeletePartials(full);
        Span<byte> root = stackalloc byte[H];
        TileMath.RootOfRun(_hasher, tile, root);
        _edgeCounts[level] = 0;
        AddHash(level + 1, root, tileIndex / Width);
    }

    private void WriteImmutable(TileCoordinate coordinate, ReadOnlySpan<byte> contents)
    {
        byte[]? existing = _storage.Read(coordinate.Path, coordinate.IsEntryBundle ? TileMath.MaxBundleBytes : TileMath.FullTileBytes);
        if (existing is not null)
        {
            if (!existing.AsSpan().SequenceEqual(contents))
            {
                throw new InvalidDataException($"The full tile {coordinate.Path} already exists with different contents; full tiles are immutable.");
            }

            return;
        }

        _storage.Write(coordinate.Path, contents);
    }

    private void WriteIfChanged(TileCoordinate coordinate, ReadOnlySpan<byte> contents)
    {
        byte[]? existing = _storage.Read(coordinate.Path, coordinate.IsEntryBundle ? TileMath.MaxBundleBytes : TileMath.FullTileBytes);
        if (existing is null || !existing.AsSpan().SequenceEqual(contents))
        {
            _storage.Write(coordinate.Path, contents);
        }
    }

    private void DeletePartials(TileCoordinate full)
    {
        foreach (string path in _storage.List(full.Path + ".p"))
        {
            _storage.Delete(path);
        }
    }

    private void EdgeHash(int level, ulong index, Span<byte> destination)
    {
        // Only right-edge hashes are needed for the root: the hashes of the current partial tile of each level.
        int position = (int)(index % Width);
        if (level >= _edge.Count || position >= _edgeCounts[level])
        {
            throw new InvalidOperationException("Internal error: a root needs a hash outside the right edge.");
        }

        _edge[level].AsSpan(position * H, H).CopyTo(destination);
    }

    private void Restore()
    {
        Checkpoint? checkpoint = ReadStoredCheckpoint();
        if (checkpoint is null)
        {
            _edgeEntriesLoaded = true;
            return;
        }

        ulong size = checkpoint.TreeSize;
        var stored = new StoredTileHashes(_storage, size);
        for (int level = 0; level <= TileCoordinate.MaxLevel && TileMath.HashesAt(size, level) > 0; level++)
        {
            _edge.Add(new byte[TileMath.FullTileBytes]);
            int width = TileMath.PartialWidth(size, level);
            _edgeCounts.Add(width);
            if (width > 0)
            {
                stored.Tile(level, TileMath.HashesAt(size, level) / Width).AsSpan(0, width * H).CopyTo(_edge[level]);
            }
        }

        if (!TileMath.TreeRoot(_hasher, EdgeHash, size).AsSpan().SequenceEqual(checkpoint.RootHash))
        {
            throw new InvalidDataException("The stored right-edge tiles do not reproduce the stored checkpoint's root.");
        }

        Checkpoint = checkpoint;
    }

    /// <summary>The stored checkpoint, verified with the signer's key, or <see langword="null"/> when there is none.</summary>
    /// <exception cref="InvalidDataException">The stored checkpoint is not a checkpoint of the origin signed by the signer.</exception>
    private Checkpoint? ReadStoredCheckpoint()
    {
        byte[]? note = _storage.Read(TileCoordinate.CheckpointPath, TileMath.MaxCheckpointBytes);
        if (note is null)
        {
            return null;
        }

        using NoteVerifier verifier = _signer.CreateVerifier();
        NoteOpenStatus status;
        Checkpoint? checkpoint;
        try
        {
            status = Checkpoint.Open(System.Text.Encoding.UTF8.GetString(note), [verifier], _origin, out checkpoint);
        }
        catch (ArgumentException)
        {
            status = NoteOpenStatus.Malformed;
            checkpoint = null;
        }

        if (status != NoteOpenStatus.Verified)
        {
            throw new InvalidDataException($"The stored checkpoint is not a checkpoint of '{_origin}' signed by {_signer.Name} ({status}).");
        }

        return checkpoint;
    }

    /// <summary>The entries of the stored partial entry bundle <paramref name="index"/> of <paramref name="width"/> entries.</summary>
    private List<byte[]> StoredPartialBundle(ulong index, int width)
    {
        TileCoordinate coordinate = TileCoordinate.EntryBundle(index, width);
        byte[] contents = _storage.Read(coordinate.Path, TileMath.MaxBundleBytes)
            ?? throw new InvalidOperationException($"The log purged published entries of the partial bundle {coordinate.Path}, which is missing from storage; it cannot be rewritten.");
        var entries = new List<byte[]>(width);
        int offset = 0;
        for (int i = 0; i < width; i++)
        {
            if (!TileMath.TryNextEntry(contents, ref offset, out ReadOnlySpan<byte> entry))
            {
                throw new InvalidDataException($"The entry bundle {coordinate.Path} is malformed at entry {i}.");
            }

            entries.Add(entry.ToArray());
        }

        return offset == contents.Length ? entries : throw new InvalidDataException($"The entry bundle {coordinate.Path} has trailing bytes.");
    }

    private void LoadEdgeEntries(Func<ulong, byte[]> readEntry)
    {
        if (_edgeEntriesLoaded)
        {
            return;
        }

        // The entries of the partial level-0 tile come from the source log and must match its stored hashes.
        ulong size = PublishedSize;
        int width = TileMath.PartialWidth(size, 0);
        Span<byte> leaf = stackalloc byte[H];
        List<byte[]>? stored = null;
        for (int i = 0; i < width; i++)
        {
            byte[] entry;
            try
            {
                entry = readEntry(size - (ulong)width + (ulong)i);
            }
            catch (LogEntryPurgedException)
            {
                // Purged from the source log after it was published: the stored partial bundle has it.
                stored ??= StoredPartialBundle(size / Width, width);
                entry = stored[i];
            }

            _hasher.HashLeaf(entry, leaf);
            if (!leaf.SequenceEqual(_edge[0].AsSpan(i * H, H)))
            {
                throw new InvalidOperationException($"Entry {size - (ulong)width + (ulong)i} of the log does not match the published leaf hash.");
            }

            _edgeEntries.Add(entry);
        }

        _edgeEntriesLoaded = true;
    }
}
