using System.Buffers;
using System.Buffers.Binary;

namespace ContainerSec.Audit;

/// <summary>Options of a <see cref="DurableMerkleLog"/>.</summary>
public sealed record DurableMerkleLogOptions
{
    /// <summary>The longest accepted <see cref="MaxBatchDelay"/>.</summary>
    internal static readonly TimeSpan MaxBatchDelayLimit = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether each batch is flushed to the storage device (fsync) before it is acknowledged. Default true.
    /// Without it, an acknowledged entry has reached the operating system (it survives the process
    /// being killed) but not necessarily the disk (it may be lost with power).
    /// </summary>
    public bool FlushToDisk { get; init; } = true;

    /// <summary>
    /// The largest entry accepted, in bytes. Default 65,535: the most a C2SP tlog-tiles entry bundle
    /// can hold (<see cref="AuditEventSerializer.MaxEntryBytes"/>), so every acknowledged entry can be
    /// published by <see cref="TiledLogPublisher"/>. Raise it only for a log that is never published as tiles.
    /// </summary>
    public int MaxEntryBytes { get; init; } = TileMath.MaxEntryBytes;

    /// <summary>
    /// The most bytes one batch may write (each entry takes its length + 36 bytes). Concurrent
    /// appends are coalesced into batches up to this size. On opening, an invalid tail no longer
    /// than this is treated as a torn last batch and discarded; a longer one is corruption and is
    /// refused. Default 64 MiB.
    /// </summary>
    public int MaxBatchBytes { get; init; } = 64 << 20;

    /// <summary>The most entries one batch may hold; concurrent appends are coalesced up to this count. Default 4,096.</summary>
    public int MaxBatchEntries { get; init; } = 4096;

    /// <summary>
    /// How long the writer may wait for more entries before it writes a batch that is not full
    /// (rounded up to whole milliseconds, at most one second). Default zero:
    /// a batch is written as soon as the writer is free, and entries that arrive while a batch is
    /// being flushed form the next one, which already coalesces well under load. A delay trades
    /// latency for fewer flushes when appenders are few and slow.
    /// </summary>
    public TimeSpan MaxBatchDelay { get; init; } = TimeSpan.Zero;
}

/// <summary>The outcome of <see cref="DurableMerkleLog.VerifyFile"/>.</summary>
/// <param name="IsValid">Whether the whole file verified (and matched the checkpoint, if one was given).</param>
/// <param name="ValidEntries">The number of leading entries that verified; when invalid, the index of the first bad entry.</param>
/// <param name="FirstBadOffset">The byte offset of the first bad record, 0 when only the checkpoint root differs, or -1 when valid.</param>
/// <param name="Problem">What was wrong, or <see langword="null"/>.</param>
/// <param name="Root">The root of the valid entries.</param>
/// <param name="PurgedEntries">How many of the valid entries, from the start, are hash-only records (payload purged by <see cref="DurableMerkleLog.PurgePayloads(ulong)"/>).</param>
public sealed record LogVerificationResult(bool IsValid, ulong ValidEntries, long FirstBadOffset, string? Problem, byte[] Root, ulong PurgedEntries);

/// <summary>
/// The payload of a log entry was purged by retention (<see cref="DurableMerkleLog.PurgePayloads(ulong)"/>):
/// the log keeps its leaf hash (so roots and proofs are unchanged) but can no longer produce its contents.
/// </summary>
public sealed class LogEntryPurgedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public LogEntryPurgedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public LogEntryPurgedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public LogEntryPurgedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal LogEntryPurgedException(ulong index, ulong purgedEntries)
        : base($"The payload of entry {index} was purged by retention (entries 0 to {purgedEntries - 1} keep only their leaf hashes).")
    {
        Index = index;
    }

    /// <summary>The index of the purged entry that was asked for (0 when created by the public constructors).</summary>
    public ulong Index { get; }
}

/// <summary>
/// A file-backed, append-only Merkle log with group commit: appends from any number of threads
/// are coalesced into batches, each written and flushed (fsync) once, and every append returns
/// only when its entry is durable. Reopening after a crash recovers every acknowledged entry and
/// discards a torn tail.
/// </summary>
/// <remarks>
/// <para>File format: a sequence of records <c>u32 length (little-endian) ‖ entry ‖ SHA-256(0x00 ‖ entry)</c>,
/// i.e. each record carries its RFC 9162 leaf hash. After retention (<see cref="PurgePayloads(ulong)"/>)
/// the file starts with hash-only records <c>0xFFFFFFFF ‖ leaf hash ‖ SHA-256(0x00 ‖ leaf hash)</c>
/// for the purged prefix. On <see cref="Open"/>, records are read and
/// checked in order; the first record that is incomplete or whose hash does not match starts the
/// invalid tail. A tail of at most <see cref="DurableMerkleLogOptions.MaxBatchBytes"/> bytes is a
/// torn last batch: it is truncated and reported in <see cref="DiscardedTailBytes"/>. A longer
/// invalid region is corruption, not a torn write: opening throws <see cref="InvalidDataException"/>
/// and the file is left untouched as evidence.</para>
/// <para>Group commit: <see cref="Append"/>, <see cref="AppendAsync"/> and <see cref="AppendBatch"/>
/// copy their entries into the batch being formed and wait. One writer at a time (the first
/// appender that finds none, or a thread-pool thread) writes the oldest batch, flushes it and only
/// then adds its entries to the tree and releases its waiters; batches are written strictly one
/// after another, so index order is file order and at most one batch is ever in flight.
/// Acknowledged (an index was returned) means durable. If a write or flush fails, every waiter of
/// that batch and of the batches queued behind it fails with an <see cref="IOException"/>, the
/// file is truncated back to the end of the last acknowledged batch, and the log refuses further
/// appends (<see cref="InvalidOperationException"/>) until it is reopened.</para>
/// <para><see cref="Size"/>, <see cref="GetRoot"/>, the proofs and <see cref="ReadEntry"/> may be
/// called from any thread while appends run; they see acknowledged entries only.
/// <see cref="ReadEntry"/> re-reads the entry from the file and checks it against the in-memory
/// leaf hash, so a corrupted entry is never served. One log object per file.</para>
/// </remarks>
public sealed class DurableMerkleLog : IDisposable
{
    private const int LengthSize = 4;
    private const int HashSize = MerkleHasher.HashSizeInBytes;
    private const int RecordOverhead = LengthSize + HashSize;

    /// <summary>The length field of a hash-only record (the entry's payload was purged).</summary>
    private const uint PurgedMarker = uint.MaxValue;

    /// <summary>A hash-only record: <c>0xFFFFFFFF ‖ leaf hash ‖ SHA-256(0x00 ‖ leaf hash)</c>.</summary>
    private const int PurgedRecordSize = LengthSize + HashSize + HashSize;

    /// <summary>The suffix of the temporary file a purge writes next to the log before renaming it over the log.</summary>
    private const string PurgeTempSuffix = ".purge-tmp";

    private readonly DurableMerkleLogOptions _options;

    // The file: replaced by a purge under the write lock; readers hold the read lock while they use an offset.
    private readonly ReaderWriterLockSlim _fileLock = new();
    private DurableLogFile _file;

    /// <summary>The log's path (a purge writes the new file next to it and renames it over it).</summary>
    private readonly string _path;

    // Tree, offsets, purged count and disposal: guarded by _treeLock (readers and the writer's publish step).
    private readonly Lock _treeLock = new();
    private readonly MerkleTree _tree = new();
    private readonly List<long> _offsets = [];
    private ulong _purged;
    private bool _disposed;

    // Purges run one at a time; a purge waiting for the writer role is flagged under _gate.
    private readonly Lock _purgeLock = new();
    private bool _purgeWaiting;
    private bool _purgeOwnsWriter;

    // Used only by the one active writer (and by Recover before the log is shared).
    private readonly MerkleHasher _writeHasher = new();
    private long _end;

    private readonly Lock _readLock = new();
    private readonly MerkleHasher _readHasher = new();

    // The queue: guarded by _gate.
    private readonly object _gate = new();
    private readonly Queue<Batch> _sealed = new();
    private Batch? _open;
    private ulong _accepted;
    private bool _writerActive;
    private bool _writerDelaying;
    private bool _closing;
    private Exception? _fault;

    private DurableMerkleLog(DurableLogFile file, DurableMerkleLogOptions options)
    {
        _file = file;
        _path = file.Path;
        _options = options;
    }

    /// <summary>The number of durable (acknowledged) entries.</summary>
    public ulong Size
    {
        get
        {
            lock (_treeLock)
            {
                return _tree.Size;
            }
        }
    }

    /// <summary>
    /// The number of entries, from the start, whose payloads were purged (<see cref="PurgePayloads(ulong)"/>):
    /// entries below it keep only their leaf hashes and <see cref="ReadEntry"/> throws
    /// <see cref="LogEntryPurgedException"/> for them.
    /// </summary>
    public ulong PurgedEntries
    {
        get
        {
            lock (_treeLock)
            {
                return _purged;
            }
        }
    }

    /// <summary>Test hook: called before each step of a purge's file replacement; throwing from it simulates a crash at that point.</summary>
    internal Action<KeyManagement.FileWriteStep>? BeforePurgeStep { get; set; }

    /// <summary>Bytes of a torn tail discarded when the log was opened (0 when the file was clean).</summary>
    public long DiscardedTailBytes { get; private set; }

    /// <summary>Opens (or creates) the log at <paramref name="path"/>, recovering from a torn last batch (and deleting the temporary file of a purge a crash interrupted).</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range: <see cref="DurableMerkleLogOptions.MaxEntryBytes"/> negative, <see cref="DurableMerkleLogOptions.MaxBatchBytes"/> or <see cref="DurableMerkleLogOptions.MaxBatchEntries"/> below 1, <see cref="DurableMerkleLogOptions.MaxBatchDelay"/> negative or above one second.</exception>
    /// <exception cref="InvalidDataException">The file holds an invalid region longer than a batch (corruption, not a torn write).</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static DurableMerkleLog Open(string path, DurableMerkleLogOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options = CheckOptions(options);
        DeleteStaleTemp(path + PurgeTempSuffix);
        return OpenFile(new DurableLogFile(path), options);
    }

    /// <summary>Opens the log on an already opened file (the tests pass one that fails on demand).</summary>
    internal static DurableMerkleLog OpenFile(DurableLogFile file, DurableMerkleLogOptions? options)
    {
        var log = new DurableMerkleLog(file, CheckOptions(options));
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

    /// <summary>Appends one entry and returns once it is durable (group commit with concurrent appenders).</summary>
    /// <param name="source">The entry; copied before the call waits.</param>
    /// <returns>The index of the entry.</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="DurableMerkleLogOptions.MaxEntryBytes"/> or does not fit in one batch.</exception>
    /// <exception cref="IOException">The batch holding the entry could not be written or flushed (or an earlier queued batch failed); the entry is not acknowledged. The log then refuses further appends until reopened.</exception>
    /// <exception cref="InvalidOperationException">An earlier write failed (reopen the log), or the log holds <see cref="MerkleTree.MaxSize"/> entries.</exception>
    /// <exception cref="ObjectDisposedException">The log was disposed (or is being disposed).</exception>
    public ulong Append(ReadOnlySpan<byte> source)
    {
        CheckEntry(source.Length, nameof(source));
        (Batch batch, int position, bool write) = Enqueue(source, null, null);
        return WaitOrWrite(batch, write) + (ulong)position;
    }

    /// <summary>
    /// Appends one entry; the task completes once the entry is durable (group commit). Many
    /// appends may be in flight from one thread: they are coalesced into the same batches.
    /// </summary>
    /// <param name="source">The entry; copied before this method returns.</param>
    /// <param name="cancellationToken">
    /// Cancels the wait. Checked before the entry is queued (then nothing is appended); once
    /// queued, a cancelled wait does not withdraw the entry, which may still become durable
    /// (like an entry in flight at a crash, it is simply not acknowledged).
    /// </param>
    /// <returns>The index of the entry.</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> is longer than <see cref="DurableMerkleLogOptions.MaxEntryBytes"/> or does not fit in one batch (thrown, not returned in the task).</exception>
    /// <exception cref="IOException">(In the task.) The batch holding the entry could not be written or flushed; the entry is not acknowledged.</exception>
    /// <exception cref="OperationCanceledException">(In the task.) <paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">An earlier write failed (reopen the log), or the log is full.</exception>
    /// <exception cref="ObjectDisposedException">The log was disposed (or is being disposed).</exception>
    public ValueTask<ulong> AppendAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        CheckEntry(source.Length, nameof(source));
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ulong>(cancellationToken);
        }

        // The task is completed by the writer itself (continuations run elsewhere), so it is
        // already complete when the batch is, and when Dispose returns.
        var waiter = new TaskCompletionSource<ulong>(TaskCreationOptions.RunContinuationsAsynchronously);
        (_, _, bool write) = Enqueue(source.Span, null, waiter);
        if (write)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static log => log.RunWriter(null), this, preferLocal: false);
        }

        if (cancellationToken.CanBeCanceled && !waiter.Task.IsCompleted)
        {
            // Disposed when the task completes, whichever way; a cancelled wait leaves the entry queued.
            CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(
                static (state, token) => ((TaskCompletionSource<ulong>)state!).TrySetCanceled(token), waiter);
            waiter.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return new ValueTask<ulong>(waiter.Task);
    }

    /// <summary>
    /// Appends <paramref name="entries"/> as consecutive entries of one batch (possibly shared with
    /// concurrent appenders) and returns once they are durable.
    /// </summary>
    /// <returns>The index of the first entry.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="entries"/> is <see langword="null"/> or holds <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The batch is empty, an entry is longer than <see cref="DurableMerkleLogOptions.MaxEntryBytes"/>, or the entries are more than <see cref="DurableMerkleLogOptions.MaxBatchEntries"/> or <see cref="DurableMerkleLogOptions.MaxBatchBytes"/> allow.</exception>
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

        if (entries.Count > _options.MaxBatchEntries)
        {
            throw new ArgumentException($"A batch holds at most {_options.MaxBatchEntries} entries; {entries.Count} were given.", nameof(entries));
        }

        long total = 0;
        foreach (byte[] entry in entries)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(entries));
            if (entry.Length > _options.MaxEntryBytes)
            {
                throw Internal.Error.TooLong(nameof(entries), "audit log entry", _options.MaxEntryBytes, entry.Length);
            }

            total += RecordOverhead + entry.Length;
        }

        if (total > _options.MaxBatchBytes)
        {
            throw Internal.Error.TooLong(nameof(entries), "audit log batch", _options.MaxBatchBytes, total);
        }

        (Batch batch, int position, bool write) = Enqueue(default, entries, null);
        return WaitOrWrite(batch, write) + (ulong)position;
    }

    /// <summary>Reads the entry at <paramref name="index"/> from the file, checked against its leaf hash.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Size"/>.</exception>
    /// <exception cref="LogEntryPurgedException"><paramref name="index"/> is below <see cref="PurgedEntries"/>: the payload was purged (its leaf hash remains; see <see cref="GetLeafHash"/>).</exception>
    /// <exception cref="InvalidDataException">The stored entry no longer matches its hash (the file was changed).</exception>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public byte[] ReadEntry(ulong index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _fileLock.EnterReadLock();
        try
        {
            return ReadEntryLocked(index);
        }
        finally
        {
            _fileLock.ExitReadLock();
        }
    }

    /// <summary>
    /// Retention: purges the payloads of the entries [0, <paramref name="count"/>), keeping their
    /// leaf hashes, so <see cref="Size"/>, every root and every inclusion and consistency proof are
    /// unchanged and every checkpoint ever signed still verifies; only the contents of those entries
    /// are gone. Entries purged before stay purged (a smaller <paramref name="count"/> does nothing).
    /// </summary>
    /// <remarks>
    /// The file is rewritten: a temporary file next to it (<c>&lt;path&gt;.purge-tmp</c>) receives a
    /// hash-only record per purged entry followed by the retained records byte for byte, is flushed
    /// (fsync, with <see cref="DurableMerkleLogOptions.FlushToDisk"/>), renamed over the log and the
    /// directory is flushed: a crash at any point leaves the old file or the new one, never a mix
    /// (a leftover temporary file is deleted by the next <see cref="Open"/>). Appends are held while
    /// the file is rewritten (the purge takes the group-commit writer's role between two batches):
    /// no acknowledged or queued append is lost or reordered; queued appends are written right after.
    /// Readers keep running, except for the moment the new file replaces the old one.
    /// </remarks>
    /// <param name="count">The number of entries, from the start, to purge; at most <see cref="Size"/>.</param>
    /// <returns>The number of purged entries now (<see cref="PurgedEntries"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> exceeds <see cref="Size"/>.</exception>
    /// <exception cref="IOException">Writing, flushing or renaming the new file failed. If it failed before the rename, the log is unchanged (and keeps working); if only the final directory flush failed, the purge took effect but may not survive a power loss.</exception>
    /// <exception cref="InvalidOperationException">An earlier write failed; reopen the log first.</exception>
    /// <exception cref="ObjectDisposedException">The log was disposed (or is being disposed).</exception>
    public ulong PurgePayloads(ulong count)
    {
        lock (_purgeLock)
        {
            return PurgeLocked(count);
        }
    }

    /// <summary>
    /// Retention by time: purges the payloads of the longest prefix of entries all strictly older
    /// than <paramref name="cutoff"/>, stopping at the first entry that is not (out-of-order times
    /// never punch holes), as <see cref="TiledLogPublisher.PruneEntryBundles"/> does for entry
    /// bundles. See <see cref="PurgePayloads(ulong)"/> for what is kept and how the file is replaced.
    /// </summary>
    /// <param name="timestampOf">The time of an entry; for canonical audit events, <see cref="TiledLogPublisher.AuditEventTime"/>.</param>
    /// <param name="cutoff">Entries strictly older than this are purged (typically <c>timeProvider.GetUtcNow() - retention</c>).</param>
    /// <returns>The number of purged entries now (<see cref="PurgedEntries"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="timestampOf"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">A retained entry no longer matches its hash; or <paramref name="timestampOf"/> threw it (as <see cref="TiledLogPublisher.AuditEventTime"/> does for an entry that is not an audit event). Nothing was purged.</exception>
    /// <exception cref="IOException">As <see cref="PurgePayloads(ulong)"/>.</exception>
    /// <exception cref="InvalidOperationException">An earlier write failed; reopen the log first.</exception>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public ulong PurgePayloads(Func<ReadOnlySpan<byte>, DateTimeOffset> timestampOf, DateTimeOffset cutoff)
    {
        ArgumentNullException.ThrowIfNull(timestampOf);
        lock (_purgeLock)
        {
            ulong size = Size;
            ulong count = PurgedEntries;
            while (count < size && timestampOf(ReadEntry(count)) < cutoff)
            {
                count++;
            }

            return PurgeLocked(count);
        }
    }

    private byte[] ReadEntryLocked(ulong index)
    {
        long offset;
        Span<byte> expected = stackalloc byte[HashSize];
        lock (_treeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _tree.Size);
            if (index < _purged)
            {
                throw new LogEntryPurgedException(index, _purged);
            }

            offset = _offsets[(int)index];
            _tree.GetLeafHash(index).CopyTo(expected);
        }

        Span<byte> length = stackalloc byte[LengthSize];
        _file.ReadExactly(length, offset);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(length);
        if (size > _options.MaxEntryBytes)
        {
            throw new InvalidDataException($"Entry {index} has a corrupted length.");
        }

        byte[] entry = new byte[size];
        _file.ReadExactly(entry, offset + LengthSize);
        Span<byte> actual = stackalloc byte[HashSize];
        lock (_readLock)
        {
            _readHasher.HashLeaf(entry, actual);
        }

        if (!actual.SequenceEqual(expected))
        {
            throw new InvalidDataException($"Entry {index} does not match its leaf hash.");
        }

        return entry;
    }

    /// <summary>The root of the first <paramref name="treeSize"/> entries.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="treeSize"/> exceeds <see cref="Size"/>.</exception>
    public byte[] GetRoot(ulong treeSize)
    {
        lock (_treeLock)
        {
            return _tree.GetRoot(treeSize);
        }
    }

    /// <summary>The leaf hash of the entry at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Size"/>.</exception>
    public byte[] GetLeafHash(ulong index)
    {
        lock (_treeLock)
        {
            return _tree.GetLeafHash(index);
        }
    }

    /// <summary>An inclusion proof, as <see cref="MerkleTree.GetInclusionProof"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="MerkleTree.GetInclusionProof"/>.</exception>
    public byte[][] GetInclusionProof(ulong leafIndex, ulong treeSize)
    {
        lock (_treeLock)
        {
            return _tree.GetInclusionProof(leafIndex, treeSize);
        }
    }

    /// <summary>A consistency proof, as <see cref="MerkleTree.GetConsistencyProof"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="MerkleTree.GetConsistencyProof"/>.</exception>
    public byte[][] GetConsistencyProof(ulong size1, ulong size2)
    {
        lock (_treeLock)
        {
            return _tree.GetConsistencyProof(size1, size2);
        }
    }

    /// <summary>
    /// Stops accepting appends, writes every batch already queued (cutting any
    /// <see cref="DurableMerkleLogOptions.MaxBatchDelay"/> short), waits for it, and closes the
    /// file. When it returns, every append accepted before it has completed: acknowledged, or
    /// failed with an <see cref="IOException"/> if its batch could not be written. Appends that
    /// start after it began throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _closing = true;
            Monitor.PulseAll(_gate);
            while (_writerActive)
            {
                Monitor.Wait(_gate);
            }
        }

        _fileLock.EnterWriteLock();
        try
        {
            lock (_treeLock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                _file.Dispose();
                _tree.Dispose();
                _writeHasher.Dispose();
            }
        }
        finally
        {
            _fileLock.ExitWriteLock();
        }

        lock (_readLock)
        {
            _readHasher.Dispose();
        }
    }

    /// <summary>
    /// Verifies a log file offline, without changing it: every record must be complete and match
    /// its stored leaf hash (a hash-only record of a purged entry: its check hash, and it must
    /// precede every full record), nothing may follow the last record, and, when
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
        using var file = new DurableLogFile(path, writable: false);
        using var tree = new MerkleTree();
        using var hasher = new MerkleHasher();
        long offset = Scan(file, file.Length, maxEntryBytes, hasher, tree, null, out ulong purged, out string? problem);
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

        return new LogVerificationResult(problem is null, tree.Size, problem is null ? -1 : offset, problem, tree.GetRoot(), purged);
    }

    private static DurableMerkleLogOptions CheckOptions(DurableMerkleLogOptions? options)
    {
        options ??= new DurableMerkleLogOptions();
        if (options.MaxEntryBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxEntryBytes, "MaxEntryBytes must not be negative.");
        }

        if (options.MaxBatchBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxBatchBytes, "MaxBatchBytes must be at least 1.");
        }

        if (options.MaxBatchEntries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxBatchEntries, "MaxBatchEntries must be at least 1.");
        }

        if (options.MaxBatchDelay < TimeSpan.Zero || options.MaxBatchDelay > DurableMerkleLogOptions.MaxBatchDelayLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxBatchDelay, $"MaxBatchDelay must be between zero and {DurableMerkleLogOptions.MaxBatchDelayLimit}.");
        }

        return options;
    }

    private void CheckEntry(int length, string paramName)
    {
        if (length > _options.MaxEntryBytes)
        {
            throw Internal.Error.TooLong(paramName, "audit log entry", _options.MaxEntryBytes, length);
        }

        if ((long)length + RecordOverhead > _options.MaxBatchBytes)
        {
            throw Internal.Error.TooLong(paramName, "audit log entry with its 36-byte framing", _options.MaxBatchBytes, (long)length + RecordOverhead);
        }
    }

    /// <summary>
    /// Copies one entry (<paramref name="entry"/>) or a group (<paramref name="group"/>) into the
    /// batch being formed. <c>write</c> tells the caller that no writer is active and it must start one.
    /// </summary>
    private (Batch Batch, int Position, bool Write) Enqueue(ReadOnlySpan<byte> entry, IReadOnlyList<byte[]>? group, TaskCompletionSource<ulong>? asyncWaiter)
    {
        int count = group?.Count ?? 1;
        long bytes = RecordOverhead + entry.Length;
        if (group is not null)
        {
            bytes = 0;
            foreach (byte[] e in group)
            {
                bytes += RecordOverhead + e.Length;
            }
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            if (_fault is not null)
            {
                throw new InvalidOperationException("An earlier write to the audit log failed; reopen the log to recover before appending.", _fault);
            }

            if (_accepted + (ulong)count > MerkleTree.MaxSize)
            {
                throw new InvalidOperationException($"The audit log holds at most {MerkleTree.MaxSize} entries.");
            }

            Batch? batch = _open;
            if (batch is not null && (batch.Count + count > _options.MaxBatchEntries || batch.Length + bytes > _options.MaxBatchBytes))
            {
                _sealed.Enqueue(batch);
                batch = null;
            }

            if (batch is null)
            {
                batch = new Batch((int)Math.Min(Math.Max(bytes, 1 << 16), _options.MaxBatchBytes));
                _open = batch;
            }

            int position = batch.Count;
            if (group is null)
            {
                batch.Add(entry);
            }
            else
            {
                foreach (byte[] e in group)
                {
                    batch.Add(e);
                }
            }

            _accepted += (ulong)count;
            if (asyncWaiter is not null)
            {
                batch.AddAsyncWaiter(asyncWaiter, position);
            }
            else
            {
                batch.SyncWaiters++;
            }

            if (batch.Count >= _options.MaxBatchEntries || batch.Length + RecordOverhead > _options.MaxBatchBytes)
            {
                // Full: seal it now, and end a writer's wait for more entries.
                _sealed.Enqueue(batch);
                _open = null;
                if (_writerDelaying)
                {
                    Monitor.PulseAll(_gate);
                }
            }

            bool write = !_writerActive;
            _writerActive = true;
            return (batch, position, write);
        }
    }

    /// <summary>
    /// A synchronous appender either becomes the writer (no thread hop) or waits for its batch; a
    /// waiter may be handed the writer role for its own batch by the previous writer.
    /// </summary>
    private ulong WaitOrWrite(Batch batch, bool write)
    {
        bool writing = write || batch.WaitOrPromote();
        while (writing && !RunWriter(batch))
        {
            // It gave the role to a purge before writing its batch; the role comes back to a
            // synchronous waiter (perhaps this one) or a thread-pool writer when the purge ends.
            writing = batch.WaitOrPromote();
        }

        return batch.Wait();
    }

    /// <summary>
    /// The writer: writes queued batches one after another. A thread-pool writer
    /// (<paramref name="stopAfter"/> null) runs until none is left. A synchronous appender that
    /// became the writer stops after its own batch and hands the role on, to a synchronous waiter
    /// of the next batch if it has one (no thread hop, no dependence on the thread pool), otherwise
    /// to a thread-pool thread; so no appender writes more than its own batch. A purge waiting for
    /// the role gets it between two batches.
    /// </summary>
    /// <returns>False when the role went to a purge before <paramref name="stopAfter"/> was written.</returns>
    private bool RunWriter(Batch? stopAfter)
    {
        while (true)
        {
            Batch? batch;
            lock (_gate)
            {
                if (YieldToPurge())
                {
                    return false;
                }

                batch = TakeBatch();
                if (batch is null)
                {
                    _writerActive = false;
                    Monitor.PulseAll(_gate);
                    return true;
                }
            }

            Commit(batch);
            if (ReferenceEquals(batch, stopAfter))
            {
                HandOffWriter();
                return true;
            }
        }
    }

    /// <summary>
    /// Gives up the writer role: to a purge waiting for it, else to a synchronous waiter of the
    /// next batch (no thread hop), else to a thread-pool thread; with nothing queued, the log has
    /// no writer until the next append.
    /// </summary>
    private void HandOffWriter()
    {
        lock (_gate)
        {
            if (YieldToPurge())
            {
                return;
            }

            Batch? next = _sealed.Count > 0 ? _sealed.Peek() : _open;
            if (next is null)
            {
                _writerActive = false;
                Monitor.PulseAll(_gate);
                return;
            }

            if (next.SyncWaiters > 0)
            {
                next.Promote();
                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(static log => log.RunWriter(null), this, preferLocal: false);
    }

    /// <summary>
    /// Hands the writer role to a purge waiting for it (between two batches), unless the log is
    /// closing (then the writer first drains the queue). Called under <see cref="_gate"/> by the writer.
    /// </summary>
    private bool YieldToPurge()
    {
        if (!_purgeWaiting || _closing)
        {
            return false;
        }

        _purgeOwnsWriter = true;
        Monitor.PulseAll(_gate);
        return true;
    }

    /// <summary>
    /// Takes the writer role for a purge: at once when no writer is active, otherwise from the
    /// writer between two batches. Appends keep being queued meanwhile; none is written.
    /// </summary>
    private void AcquireWriterForPurge()
    {
        bool closing;
        Exception? fault;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            if (_writerActive)
            {
                _purgeWaiting = true;
                Monitor.PulseAll(_gate); // ends a writer's MaxBatchDelay wait
                while (!_purgeOwnsWriter && _writerActive)
                {
                    Monitor.Wait(_gate);
                }

                _purgeWaiting = false;
                _purgeOwnsWriter = false;
            }

            _writerActive = true;
            (closing, fault) = (_closing, _fault);
        }

        if (closing || fault is not null)
        {
            // Disposed or failed while waiting: give the role back (queued batches still get written, or failed).
            HandOffWriter();
            ObjectDisposedException.ThrowIf(closing, this);
            throw new InvalidOperationException("An earlier write to the audit log failed; reopen the log before purging.", fault);
        }
    }

    private ulong PurgeLocked(ulong count)
    {
        AcquireWriterForPurge();
        try
        {
            ulong size, purged;
            lock (_treeLock)
            {
                (size, purged) = (_tree.Size, _purged);
            }

            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, size);
            if (count <= purged)
            {
                return purged;
            }

            Rewrite(count, size);
            return count;
        }
        finally
        {
            HandOffWriter();
        }
    }

    /// <summary>
    /// Writes the purged file next to the log, flushes it, renames it over the log, switches to it
    /// and flushes the directory. Called by a purge holding the writer role: the file's end is stable.
    /// </summary>
    private void Rewrite(ulong count, ulong size)
    {
        string path = _path;
        string temp = path + PurgeTempSuffix;
        long keepFrom;
        lock (_treeLock)
        {
            keepFrom = count < size ? _offsets[(int)count] : _end;
        }

        long headLength = (long)count * PurgedRecordSize;
        DurableLogFile next;
        PurgeStep(KeyManagement.FileWriteStep.CreateTemp);
        DeleteStaleTemp(temp);
        next = new DurableLogFile(temp);
        try
        {
            WriteHashOnlyRecords(next, count);
            PurgeStep(KeyManagement.FileWriteStep.WriteTemp);
            CopyRetained(next, keepFrom, headLength);
            PurgeStep(KeyManagement.FileWriteStep.FlushTemp);
            next.Flush(_options.FlushToDisk);
            PurgeStep(KeyManagement.FileWriteStep.Rename);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            next.Dispose();
            DeleteStaleTemp(temp);
            throw;
        }

        // The handle follows the renamed file: it is the log now. Offsets shift by the bytes saved.
        DurableLogFile old;
        long shift = headLength - keepFrom;
        _fileLock.EnterWriteLock();
        try
        {
            lock (_treeLock)
            {
                old = _file;
                _file = next;
                for (int i = 0; i < _offsets.Count; i++)
                {
                    _offsets[i] = i < (int)count ? (long)i * PurgedRecordSize : _offsets[i] + shift;
                }

                _purged = count;
            }
        }
        finally
        {
            _fileLock.ExitWriteLock();
        }

        old.Dispose();
        _end += shift;
        PurgeStep(KeyManagement.FileWriteStep.FlushDirectory);
        if (_options.FlushToDisk)
        {
            Internal.DirectorySync.Flush(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        }
    }

    /// <summary>Writes <c>0xFFFFFFFF ‖ h ‖ SHA-256(0x00 ‖ h)</c> for the leaf hash h of each entry [0, <paramref name="count"/>).</summary>
    private void WriteHashOnlyRecords(DurableLogFile destination, ulong count)
    {
        const int PerChunk = 1 << 14;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(PerChunk * PurgedRecordSize);
        try
        {
            for (ulong first = 0; first < count; first += PerChunk)
            {
                int n = (int)Math.Min(PerChunk, count - first);
                lock (_treeLock)
                {
                    for (int i = 0; i < n; i++)
                    {
                        _tree.GetLeafHash(first + (ulong)i).CopyTo(buffer.AsSpan((i * PurgedRecordSize) + LengthSize, HashSize));
                    }
                }

                for (int i = 0; i < n; i++)
                {
                    Span<byte> record = buffer.AsSpan(i * PurgedRecordSize, PurgedRecordSize);
                    BinaryPrimitives.WriteUInt32LittleEndian(record, PurgedMarker);
                    _writeHasher.HashLeaf(record.Slice(LengthSize, HashSize), record.Slice(LengthSize + HashSize, HashSize));
                }

                destination.Write(buffer.AsSpan(0, n * PurgedRecordSize), (long)first * PurgedRecordSize);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies the retained records [<paramref name="from"/>, end) byte for byte to <paramref name="destination"/> at <paramref name="at"/>.</summary>
    private void CopyRetained(DurableLogFile destination, long from, long at)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            for (long offset = from; offset < _end;)
            {
                int n = (int)Math.Min(buffer.Length, _end - offset);
                _file.ReadExactly(buffer.AsSpan(0, n), offset);
                destination.Write(buffer.AsSpan(0, n), at + (offset - from));
                offset += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void PurgeStep(KeyManagement.FileWriteStep step) => BeforePurgeStep?.Invoke(step);

    /// <summary>Deletes a purge's temporary file left by a crash (never read: the log is the old file or the renamed new one).</summary>
    private static void DeleteStaleTemp(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stale temporary file is never read, and a purge truncates it before use.
        }
    }

    /// <summary>The oldest batch to write, or null when none is queued. Called under <see cref="_gate"/>.</summary>
    private Batch? TakeBatch()
    {
        while (true)
        {
            if (_sealed.Count > 0)
            {
                return _sealed.Dequeue();
            }

            Batch? open = _open;
            if (open is null)
            {
                return null;
            }

            if (_options.MaxBatchDelay > TimeSpan.Zero && !_closing && _fault is null && !_purgeWaiting)
            {
                long remaining = (long)Math.Ceiling(_options.MaxBatchDelay.TotalMilliseconds) - (Environment.TickCount64 - open.Created);
                if (remaining > 0)
                {
                    _writerDelaying = true;
                    Monitor.Wait(_gate, (int)remaining);
                    _writerDelaying = false;
                    continue;
                }
            }

            _open = null;
            return open;
        }
    }

    /// <summary>Hashes, writes and flushes one batch, then publishes it and releases its waiters; or fails them.</summary>
    private void Commit(Batch batch)
    {
        Exception? fault;
        lock (_gate)
        {
            fault = _fault;
        }

        if (fault is not null)
        {
            batch.Fail(new IOException("An earlier batch of the audit log failed, so this entry was not written; reopen the log.", fault));
            return;
        }

        Span<byte> records = batch.Records;
        try
        {
            for (int at = 0; at < records.Length;)
            {
                int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(records[at..]);
                _writeHasher.HashLeaf(records.Slice(at + LengthSize, size), records.Slice(at + LengthSize + size, HashSize));
                at += RecordOverhead + size;
            }

            _file.Write(records, _end);
            _file.Flush(_options.FlushToDisk);
        }
#pragma warning disable CA1031 // Any failure must reach the waiters, not kill a thread-pool thread.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            FailAndRollBack(batch, ex);
            return;
        }

        // Durable: only now does the batch become visible.
        ulong first;
        lock (_treeLock)
        {
            first = _tree.Size;
            long offset = _end;
            for (int at = 0; at < records.Length;)
            {
                int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(records[at..]);
                _offsets.Add(offset);
                _tree.AppendLeafHash(records.Slice(at + LengthSize + size, HashSize));
                at += RecordOverhead + size;
                offset += RecordOverhead + size;
            }
        }

        _end += records.Length;
        batch.Complete(first);
    }

    private void FailAndRollBack(Batch batch, Exception failure)
    {
        // The file may end in part (or all) of this batch: cut it back to the last acknowledged
        // record, so the failed entries are not found on reopening. If even that fails, the
        // batch is like one in flight at a crash: reopening discards what is torn.
        string rollback;
        try
        {
            _file.SetLength(_end);
            _file.Flush(_options.FlushToDisk);
            rollback = "the file was cut back to the last acknowledged entry";
        }
#pragma warning disable CA1031 // The first failure is the one to report; this one is described in its message.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            rollback = $"cutting the file back also failed ({ex.GetType().Name}: {ex.Message}); reopening discards a torn tail";
        }

        var error = new IOException($"The audit log batch holding this entry could not be made durable ({failure.Message}); {rollback}. Reopen the log.", failure);
        lock (_gate)
        {
            _fault = error;
        }

        batch.Fail(error);
    }

    private void Recover()
    {
        long length = _file.Length;
        long offset = Scan(_file, length, _options.MaxEntryBytes, _writeHasher, _tree, _offsets, out _purged, out _);
        long tail = length - offset;
        if (tail > _options.MaxBatchBytes)
        {
            throw new InvalidDataException(
                $"The log is corrupted at byte {offset} (entry {_tree.Size}): {tail} invalid bytes follow, more than one batch. Refusing to truncate.");
        }

        if (tail > 0)
        {
            _file.SetLength(offset);
            _file.Flush(_options.FlushToDisk);
            DiscardedTailBytes = tail;
        }

        _end = offset;
        _accepted = _tree.Size;
    }

    /// <summary>
    /// Reads records from the start of <paramref name="file"/> in large chunks and adds each valid
    /// one to <paramref name="tree"/>; stops at the first incomplete or mismatching record, or at a
    /// hash-only record that follows a full one.
    /// </summary>
    /// <returns>The end of the last valid record.</returns>
    private static long Scan(DurableLogFile file, long length, int maxEntryBytes, MerkleHasher hasher, MerkleTree tree, List<long>? offsets, out ulong purged, out string? problem)
    {
        var reader = new ChunkReader(file, length);
        Span<byte> hash = stackalloc byte[HashSize];
        long offset = 0;
        purged = 0;
        problem = null;
        try
        {
            while (offset < length)
            {
                if (length - offset < RecordOverhead)
                {
                    problem = "a truncated record";
                    break;
                }

                uint size = BinaryPrimitives.ReadUInt32LittleEndian(reader.Get(offset, LengthSize));
                if (size == PurgedMarker)
                {
                    if (purged != tree.Size)
                    {
                        problem = "a hash-only (purged) record after a full one";
                        break;
                    }

                    if (length - offset < PurgedRecordSize)
                    {
                        problem = "a truncated record";
                        break;
                    }

                    ReadOnlySpan<byte> hashOnly = reader.Get(offset, PurgedRecordSize);
                    ReadOnlySpan<byte> leaf = hashOnly.Slice(LengthSize, HashSize);
                    hasher.HashLeaf(leaf, hash);
                    if (!hash.SequenceEqual(hashOnly.Slice(LengthSize + HashSize, HashSize)))
                    {
                        problem = "a hash-only (purged) record that does not match its check hash";
                        break;
                    }

                    offsets?.Add(offset);
                    tree.AppendLeafHash(leaf);
                    purged++;
                    offset += PurgedRecordSize;
                    continue;
                }

                if (size > maxEntryBytes || length - offset - RecordOverhead < size)
                {
                    problem = "an impossible record length";
                    break;
                }

                ReadOnlySpan<byte> record = reader.Get(offset, RecordOverhead + (int)size);
                hasher.HashLeaf(record.Slice(LengthSize, (int)size), hash);
                if (!hash.SequenceEqual(record.Slice(LengthSize + (int)size, HashSize)))
                {
                    problem = "an entry that does not match its stored hash";
                    break;
                }

                offsets?.Add(offset);
                tree.AppendLeafHash(hash);
                offset += RecordOverhead + size;
            }
        }
        finally
        {
            reader.Dispose();
        }

        return offset;
    }

    /// <summary>Sequential reads of a file through one pooled buffer (records are read with few system calls).</summary>
    private sealed class ChunkReader(DurableLogFile file, long length) : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        private long _start;
        private int _count;

        /// <summary>The bytes [offset, offset + count) of the file; the caller has checked that they exist.</summary>
        public ReadOnlySpan<byte> Get(long offset, int count)
        {
            if (offset < _start || offset + count > _start + _count)
            {
                int keep = offset >= _start && offset < _start + _count ? (int)(_start + _count - offset) : 0;
                if (count > _buffer.Length)
                {
                    byte[] larger = ArrayPool<byte>.Shared.Rent(count);
                    _buffer.AsSpan((int)(offset - _start), keep).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(_buffer);
                    _buffer = larger;
                }
                else
                {
                    _buffer.AsSpan((int)(offset - _start), keep).CopyTo(_buffer);
                }

                int want = (int)Math.Min(_buffer.Length, length - offset);
                file.ReadExactly(_buffer.AsSpan(keep, want - keep), offset + keep);
                _start = offset;
                _count = want;
            }

            return _buffer.AsSpan((int)(offset - _start), count);
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
    }

    /// <summary>
    /// A batch being formed, then written: the encoded records (hash slots filled by the writer)
    /// and the completion its waiters share. Waiters read only the outcome, never the buffer.
    /// </summary>
    private sealed class Batch(int capacity)
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(capacity);
        private bool _done;
        private bool _promoted;
        private List<(TaskCompletionSource<ulong> Waiter, int Position)>? _asyncWaiters;
        private ulong _first;
        private Exception? _error;

        public long Created { get; } = Environment.TickCount64;

        public int Count { get; private set; }

        public int Length { get; private set; }


        public Span<byte> Records => _buffer.AsSpan(0, Length);

        /// <summary>Encodes <c>length ‖ entry ‖ (hash slot)</c>. Called under the log's gate.</summary>
        public void Add(ReadOnlySpan<byte> entry)
        {
            int record = RecordOverhead + entry.Length;
            if (Length + record > _buffer.Length)
            {
                byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(Length + record, _buffer.Length * 2));
                _buffer.AsSpan(0, Length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            Span<byte> destination = _buffer.AsSpan(Length, record);
            BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)entry.Length);
            entry.CopyTo(destination[LengthSize..]);
            Length += record;
            Count++;
        }

        /// <summary>Registers the task of an <see cref="AppendAsync"/> for the entry at <paramref name="position"/>. Called under the log's gate.</summary>
        public void AddAsyncWaiter(TaskCompletionSource<ulong> waiter, int position) => (_asyncWaiters ??= []).Add((waiter, position));

        public void Complete(ulong first) => Finish(first, null);

        public void Fail(Exception error) => Finish(0, error);

        /// <summary>Synchronous appenders waiting on this batch (counted under the log's gate).</summary>
        public int SyncWaiters { get; set; }

        /// <summary>Hands the writer role to one synchronous waiter of this batch.</summary>
        public void Promote()
        {
            lock (this)
            {
                _promoted = true;
                Monitor.PulseAll(this);
            }
        }

        /// <summary>Blocks until the batch is done (false) or this waiter is made its writer (true).</summary>
        public bool WaitOrPromote()
        {
            lock (this)
            {
                while (!_done && !_promoted)
                {
                    Monitor.Wait(this);
                }

                if (_done)
                {
                    return false;
                }

                _promoted = false;
                return true;
            }
        }

        /// <summary>Blocks until the batch is written or failed; the index of its first entry.</summary>
        public ulong Wait()
        {
            lock (this)
            {
                while (!_done)
                {
                    Monitor.Wait(this);
                }
            }

            return Result();
        }

        public ulong Result() => _error is null
            ? _first
            : throw new IOException(_error.Message, _error);

        private void Finish(ulong first, Exception? error)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            lock (this)
            {
                _first = first;
                _error = error;
                _done = true;
                Monitor.PulseAll(this);
            }

            if (_asyncWaiters is not null)
            {
                foreach ((TaskCompletionSource<ulong> waiter, int position) in _asyncWaiters)
                {
                    if (error is null)
                    {
                        waiter.TrySetResult(first + (ulong)position);
                    }
                    else
                    {
                        waiter.TrySetException(new IOException(error.Message, error));
                    }
                }
            }
        }
    }
}
