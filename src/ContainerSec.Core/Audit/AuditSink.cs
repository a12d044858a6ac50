namespace ContainerSec.Audit;

/// <summary>
/// Where audit events are written. An implementation serialises each event with
/// <see cref="AuditEventSerializer.ToCanonicalJson"/> and appends the bytes as one log entry.
/// </summary>
public interface IAuditSink
{
    /// <summary>Appends <paramref name="auditEvent"/> and returns its 0-based index once it is stored (durably, for a durable sink).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="auditEvent"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The event cannot be serialised (see <see cref="AuditEventSerializer.ToCanonicalJson"/>) or is too long for the log.</exception>
    /// <exception cref="ObjectDisposedException">The sink was disposed.</exception>
    ulong Append(AuditEvent auditEvent);
}

/// <summary>
/// An audit sink that is also a readable, verifiable RFC 9162 Merkle log: entries are the canonical
/// JSON of the events, leaf hashes are <c>SHA-256(0x00 ‖ entry)</c>, and proofs verify with <see cref="MerkleProof"/>.
/// </summary>
/// <remarks>Implementations in this library are thread-safe.</remarks>
public interface IAuditLog : IAuditSink
{
    /// <summary>The number of entries.</summary>
    ulong Size { get; }

    /// <summary>
    /// The number of entries, from the start, whose payloads were purged by retention (they keep
    /// their leaf hashes; <see cref="ReadEntry"/> throws <see cref="LogEntryPurgedException"/> for
    /// them). 0 for a log that never purges.
    /// </summary>
    ulong PurgedEntries => 0;

    /// <summary>The canonical JSON of the entry at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Size"/>.</exception>
    /// <exception cref="LogEntryPurgedException"><paramref name="index"/> is below <see cref="PurgedEntries"/>: the payload was purged.</exception>
    /// <exception cref="InvalidDataException">A stored entry no longer matches its leaf hash.</exception>
    byte[] ReadEntry(ulong index);

    /// <summary>The leaf hash of the entry at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Size"/>.</exception>
    byte[] GetLeafHash(ulong index);

    /// <summary>The root of the first <paramref name="treeSize"/> entries.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="treeSize"/> exceeds <see cref="Size"/>.</exception>
    byte[] GetRoot(ulong treeSize);

    /// <summary>The inclusion proof of entry <paramref name="leafIndex"/> in the tree of size <paramref name="treeSize"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="MerkleTree.GetInclusionProof"/>.</exception>
    byte[][] GetInclusionProof(ulong leafIndex, ulong treeSize);

    /// <summary>The consistency proof between the trees of sizes <paramref name="size1"/> and <paramref name="size2"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="MerkleTree.GetConsistencyProof"/>.</exception>
    byte[][] GetConsistencyProof(ulong size1, ulong size2);
}
