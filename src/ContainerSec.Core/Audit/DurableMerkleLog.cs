using System.Buffers.Binary;

namespace ContainerSec.Audit;

/// <summary>Options of a <see cref="DurableMerkleLog"/>.</summary>
public sealed record DurableMerkleLogOptions
{
    /// <summary>Whether each batch is flushed to the storage device (fsync) before it is acknowledged. Default true.</summary>
    public bool FlushToDisk { get; init; } = true;

    /// <summary>The largest entry accepted, in bytes. Default 1 MiB.</summary>
    public int MaxEntryBytes { get; init; } = 1 << 20;

    /// <summary>
    /// The most bytes one batch may write. On opening, an invalid tail no longer than this is
    /// treated as a torn last batch and discarded; a longer one is corruption and is refused. Default 64 MiB.
    /// </summary>
    public int MaxBatchBytes { get; init; } = 64 << 20;
}

/// <summary>The outcome of <see cref="DurableMerkleLog.VerifyFile"/>.</summary>
/// <param name="IsValid">Whether the whole file verified (and matched the checkpoint, if one was given).</param>
/// <param name="ValidEntries">The number of leading entries that verified; when invalid, the index of the first bad entry.</param>
/// <param name="FirstBadOffset">The byte offset of the first bad record, 0 when only the checkpoint root differs, or -1 when valid.</param>
/// <param name="Problem">What was wrong, or <see langword="null"/>.</param>
/// <param name="Root">The root of the valid entries.</param>
public sealed record LogVerificationResult(bool IsValid, ulong ValidEntries, long FirstBadOffset, string? Problem, byte[] Root);

/// <summary>
/// A file-backed, append-only Merkle log: entries are appended in batches (group commit, one
/// flush per batch) and acknowledged only when durable; reopening after a crash recovers every
/// acknowledged entry and discards a torn tail.
/// </summary>
/// <remarks>
/// <para>File format: a sequence of records <c>u32 length (little-endian) ‖ entry ‖ SHA-256(0x00 ‖ entry)</c>,
/// i.e. each record carries its RFC 9162 leaf hash. On <see cref="Open"/>, records are read and
/// checked in order; the first record that is incomplete or whose hash does not match starts the
/// invalid tail. A tail of at most <see cref="DurableMerkleLogOptions.MaxBatchBytes"/> bytes is a
/// torn last batch: it is truncated and reported in <see cref="DiscardedTailBytes"/>. A longer
/// invalid region is corruption, not a torn write: opening throws <see cref="InvalidDataException"/>
/// and the file is left untouched as evidence.</para>
/// <para><see cref="ReadEntry"/> re-reads the entry from the file and checks it against the
/// in-memory leaf hash, so a corrupted entry is never served. Not thread-safe; one writer per file.</para>
/// </remarks>
public sealed class DurableMerkleLog : IDisposable
{
    private const int LengthSize = 4;
    private const int HashSize = MerkleHasher.HashSizeInBytes;

    private readonly FileStream _file;
    private readonly DurableMerkleLogOptions _options;
    private readonly MerkleTree _tree = new();
    private readonly MerkleHasher _hasher = new();
    private readonly List<long> _offsets = [];
    private bool _disposed;
    private bool _broken;

    private DurableMerkleLog(FileStream file, DurableMerkleLogOptions options)
    {
        _file = file;
        _options = options;
    }

    /// <summary>The number of durable entries.</summary>
    public ulong Size => _tree.Size;

    /// <summary>Bytes of a torn tail discarded when the log was opened (0 when the file was clean).</summary>
    public long DiscardedTailBytes { get; private set; }

    /// <summary>Opens (or creates) the log at <paramref name="path"/>, recovering from a torn last batch.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="InvalidDataException">The file holds an invalid region longer than a batch (corruption, not a torn write).</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static DurableMerkleLog Open(string path, DurableMerkleLogOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new DurableMerkleLogOptions();
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        var log = new DurableMerkleLog(file, options);
        try
        {
            log.Recover();
            return log;
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>Appends <paramref name="entries"/> as one batch and returns once it is durable.</summary>
    /// <returns>The index of the first entry of the batch.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="entries"/> is <see langword="null"/> or holds <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The batch is empty, an entry is longer than <see cref="DurableMerkleLogOptions.MaxEntryBytes"/>, or the batch is longer than <see cref="DurableMerkleLogOptions.MaxBatchBytes"/>.</exception>
    /// <exception cref="IOException">Writing failed; the entries are not acknowledged (the log must be reopened).</exception>
    /// <exception cref="InvalidOperationException">An earlier write failed; reopen the log first.</exception>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public ulong AppendBatch(IReadOnlyList<byte[]> entries)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            throw new ArgumentException("A batch holds at least one entry.", nameof(entries));
        }

        long total = 0;
        foreach (byte[] entry in entries)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(entries));
            if (entry.Length > _options.MaxEntryBytes)
            {
                throw Internal.Error.TooLong(nameof(entries), "audit log entry", _options.MaxEntryBytes, entry.Length);
            }

            total += LengthSize + entry.Length + HashSize;
        }

        if (total > _options.MaxBatchBytes)
        {
            throw Internal.Error.TooLong(nameof(entries), "audit log batch", _options.MaxBatchBytes, total);
        }

        byte[] buffer = new byte[total];
        var hashes = new byte[entries.Count][];
        int at = 0;
        for (int i = 0; i < entries.Count; i++)
        {
            byte[] entry = entries[i];
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at), (uint)entry.Length);
            entry.CopyTo(buffer, at + LengthSize);
            hashes[i] = _hasher.HashLeaf(entry);
            hashes[i].CopyTo(buffer, at + LengthSize + entry.Length);
            at += LengthSize + entry.Length + HashSize;
        }

        if (_broken)
        {
            throw new InvalidOperationException("An earlier write failed; reopen the log to recover before appending.");
        }

        long start = _file.Length;
        try
        {
            _file.Position = start;
            _file.Write(buffer);
            _file.Flush(flushToDisk: _options.FlushToDisk);
        }
        catch (IOException)
        {
            // The file may now end in a partial batch: only recovery on reopening may touch it.
            _broken = true;
            throw;
        }

        // Durable: only now does the batch become visible.
        ulong first = _tree.Size;
        long offset = start;
        for (int i = 0; i < entries.Count; i++)
        {
            _offsets.Add(offset);
            _tree.AppendLeafHash(hashes[i]);
            offset += LengthSize + entries[i].Length + HashSize;
        }

        return first;
    }

    /// <summary>Reads the entry at <paramref name="index"/> from the file, checked against its leaf hash.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Size"/>.</exception>
    /// <exception cref="InvalidDataException">The stored entry no longer matches its hash (the file was changed).</exception>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public byte[] ReadEntry(ulong index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        long offset = _offsets[(int)index];
        byte[] length = new byte[LengthSize];
        _file.Position = offset;
        _file.ReadExactly(length);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(length);
        if (size > _options.MaxEntryBytes)
        {
            throw new InvalidDataException($"Entry {index} has a corrupted length.");
        }

        byte[] entry = new byte[size];
        _file.ReadExactly(entry);
        if (!_hasher.HashLeaf(entry).AsSpan().SequenceEqual(_tree.GetLeafHash(index)))
        {
            throw new InvalidDataException($"Entry {index} does not match its leaf hash.");
        }

        return entry;
    }

    /// <summary>The root of the first <paramref name="treeSize"/> entries.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="treeSize"/> exceeds <see cref="Size"/>.</exception>
    public byte[] GetRoot(ulong treeSize) => _tree.GetRoot(treeSize);

    /// <summary>The leaf hash of the entry at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Size"/>.</exception>
    public byte[] GetLeafHash(ulong index) => _tree.GetLeafHash(index);

    /// <summary>An inclusion proof, as <see cref="MerkleTree.GetInclusionProof"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="MerkleTree.GetInclusionProof"/>.</exception>
    public byte[][] GetInclusionProof(ulong leafIndex, ulong treeSize) => _tree.GetInclusionProof(leafIndex, treeSize);

    /// <summary>A consistency proof, as <see cref="MerkleTree.GetConsistencyProof"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="MerkleTree.GetConsistencyProof"/>.</exception>
    public byte[][] GetConsistencyProof(ulong size1, ulong size2) => _tree.GetConsistencyProof(size1, size2);

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _file.Dispose();
            _tree.Dispose();
            _hasher.Dispose();
        }
    }

    /// <summary>
    /// Verifies a log file offline, without changing it: every record must be complete and match
    /// its stored leaf hash, nothing may follow the last record, and, when
    /// <paramref name="checkpoint"/> is given, the file must hold at least its size and the root of
    /// that prefix must equal its root.
    /// </summary>
    /// <param name="path">The log file.</param>
    /// <param name="checkpoint">A (verified) checkpoint the log must be consistent with, or <see langword="null"/>.</param>
    /// <param name="maxEntryBytes">The largest entry length accepted.</param>
    /// <returns>The outcome, naming the first entry and byte offset that does not verify.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static LogVerificationResult VerifyFile(string path, Checkpoint? checkpoint = null, int maxEntryBytes = 1 << 20)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        using var tree = new MerkleTree();
        using var hasher = new MerkleHasher();
        long length = file.Length, offset = 0;
        byte[] header = new byte[LengthSize];
        byte[] hash = new byte[HashSize];
        string? problem = null;
        while (offset < length)
        {
            if (length - offset < LengthSize + HashSize)
            {
                problem = "a truncated record";
                break;
            }

            file.Position = offset;
            file.ReadExactly(header);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (size > maxEntryBytes || length - offset - LengthSize - HashSize < size)
            {
                problem = "an impossible record length";
                break;
            }

            byte[] entry = new byte[size];
            file.ReadExactly(entry);
            file.ReadExactly(hash);
            byte[] computed = hasher.HashLeaf(entry);
            if (!computed.AsSpan().SequenceEqual(hash))
            {
                problem = "an entry that does not match its stored hash";
                break;
            }

            tree.AppendLeafHash(computed);
            offset += LengthSize + size + HashSize;
        }

        if (problem is null && checkpoint is not null)
        {
            if (checkpoint.TreeSize > tree.Size)
            {
                problem = $"fewer entries than the checkpoint's {checkpoint.TreeSize}";
            }
            else if (!tree.GetRoot(checkpoint.TreeSize).AsSpan().SequenceEqual(checkpoint.RootHash))
            {
                problem = "entries whose root differs from the checkpoint's";
                offset = 0;
            }
        }

        return new LogVerificationResult(problem is null, tree.Size, problem is null ? -1 : offset, problem, tree.GetRoot());
    }

    private void Recover()
    {
        long length = _file.Length;
        long offset = 0;
        byte[] header = new byte[LengthSize];
        byte[] hash = new byte[HashSize];
        _file.Position = 0;
        while (offset < length)
        {
            if (length - offset < LengthSize + HashSize)
            {
                break;
            }

            _file.Position = offset;
            _file.ReadExactly(header);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (size > _options.MaxEntryBytes || length - offset - LengthSize - HashSize < size)
            {
                break;
            }

            byte[] entry = new byte[size];
            _file.ReadExactly(entry);
            _file.ReadExactly(hash);
            byte[] computed = _hasher.HashLeaf(entry);
            if (!computed.AsSpan().SequenceEqual(hash))
            {
                break;
            }

            _offsets.Add(offset);
            _tree.AppendLeafHash(computed);
            offset += LengthSize + size + HashSize;
        }

        long tail = length - offset;
        if (tail > _options.MaxBatchBytes)
        {
            throw new InvalidDataException(
                $"The log is corrupted at byte {offset} (entry {_tree.Size}): {tail} invalid bytes follow, more than one batch. Refusing to truncate.");
        }

        if (tail > 0)
        {
            _file.SetLength(offset);
            _file.Flush(flushToDisk: _options.FlushToDisk);
            DiscardedTailBytes = tail;
        }
    }
}
