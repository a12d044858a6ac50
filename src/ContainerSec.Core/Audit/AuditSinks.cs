namespace ContainerSec.Audit;

/// <summary>
/// An in-memory audit log: the canonical JSON of each event is kept in memory and appended to a
/// <see cref="MerkleTree"/>. For tests, short-lived processes and as the tree behind a log that is
/// persisted elsewhere; nothing survives the process. Thread-safe.
/// </summary>
public sealed class MerkleTreeAuditSink : IAuditLog, IDisposable
{
    private readonly Lock _gate = new();
    private readonly MerkleTree _tree = new();
    private readonly List<byte[]> _entries = [];
    private bool _disposed;

    /// <inheritdoc/>
    public ulong Size
    {
        get
        {
            lock (_gate)
            {
                return _tree.Size;
            }
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The event cannot be serialised, or its canonical JSON is longer than <see cref="AuditEventSerializer.MaxEntryBytes"/> (nothing is appended).</exception>
    /// <exception cref="InvalidOperationException">The tree already holds <see cref="MerkleTree.MaxSize"/> entries.</exception>
    public ulong Append(AuditEvent auditEvent)
    {
        byte[] entry = AuditEventSerializer.ToLogEntry(auditEvent);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ulong index = _tree.Append(entry);
            _entries.Add(entry);
            return index;
        }
    }

    /// <inheritdoc/>
    public byte[] ReadEntry(ulong index)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _tree.Size);
            return (byte[])_entries[(int)index].Clone();
        }
    }

    /// <inheritdoc/>
    public byte[] GetLeafHash(ulong index)
    {
        lock (_gate)
        {
            return _tree.GetLeafHash(index);
        }
    }

    /// <inheritdoc/>
    public byte[] GetRoot(ulong treeSize)
    {
        lock (_gate)
        {
            return _tree.GetRoot(treeSize);
        }
    }

    /// <inheritdoc/>
    public byte[][] GetInclusionProof(ulong leafIndex, ulong treeSize)
    {
        lock (_gate)
        {
            return _tree.GetInclusionProof(leafIndex, treeSize);
        }
    }

    /// <inheritdoc/>
    public byte[][] GetConsistencyProof(ulong size1, ulong size2)
    {
        lock (_gate)
        {
            return _tree.GetConsistencyProof(size1, size2);
        }
    }

    /// <summary>Releases the tree.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _tree.Dispose();
        }
    }
}

/// <summary>
/// An audit sink over a <see cref="DurableMerkleLog"/>: each event's canonical JSON is appended
/// with <see cref="DurableMerkleLog.Append(ReadOnlySpan{byte})"/>, so <see cref="Append"/> returns
/// only once the event is durable, and events recorded at the same time from several threads share
/// one write and one fsync (the log's group commit). Thread-safe without a lock of its own: the log
/// serialises its writer and lets readers run beside it.
/// </summary>
public sealed class DurableMerkleLogAuditSink : IAuditLog, IDisposable
{
    private readonly DurableMerkleLog _log;
    private readonly bool _leaveOpen;

    /// <summary>Wraps <paramref name="log"/>.</summary>
    /// <param name="log">The log; all access to it should go through this sink from now on.</param>
    /// <param name="leaveOpen">When false (the default), disposing the sink disposes the log.</param>
    /// <exception cref="ArgumentNullException"><paramref name="log"/> is <see langword="null"/>.</exception>
    public DurableMerkleLogAuditSink(DurableMerkleLog log, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(log);
        _log = log;
        _leaveOpen = leaveOpen;
    }

    /// <inheritdoc/>
    public ulong Size => _log.Size;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The event cannot be serialised, or its canonical JSON is longer than <see cref="AuditEventSerializer.MaxEntryBytes"/>, which a tlog-tiles publisher could never publish (nothing is written).</exception>
    /// <exception cref="IOException">Writing failed; the event is not acknowledged (see <see cref="DurableMerkleLog.Append(ReadOnlySpan{byte})"/>).</exception>
    /// <exception cref="InvalidOperationException">An earlier write failed; the log must be reopened.</exception>
    public ulong Append(AuditEvent auditEvent) => _log.Append(AuditEventSerializer.ToLogEntry(auditEvent));

    /// <inheritdoc/>
    public ulong PurgedEntries => _log.PurgedEntries;

    /// <inheritdoc/>
    public byte[] ReadEntry(ulong index) => _log.ReadEntry(index);

    /// <inheritdoc/>
    public byte[] GetLeafHash(ulong index) => _log.GetLeafHash(index);

    /// <inheritdoc/>
    public byte[] GetRoot(ulong treeSize) => _log.GetRoot(treeSize);

    /// <inheritdoc/>
    public byte[][] GetInclusionProof(ulong leafIndex, ulong treeSize) => _log.GetInclusionProof(leafIndex, treeSize);

    /// <inheritdoc/>
    public byte[][] GetConsistencyProof(ulong size1, ulong size2) => _log.GetConsistencyProof(size1, size2);

    /// <summary>Disposes the log unless the sink was created with <c>leaveOpen</c>.</summary>
    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _log.Dispose();
        }
    }
}
