using System.Text.Json;
using ContainerSec.Policy;

namespace ContainerSec.Audit;

/// <summary>One entry of a tenant's audit log, at its index in the global log.</summary>
public sealed class TenantLogEntry
{
    internal TenantLogEntry(ulong index, byte[] entry, byte[] leafHash)
    {
        Index = index;
        Entry = entry;
        LeafHash = leafHash;
    }

    /// <summary>The entry's 0-based index in the global log.</summary>
    public ulong Index { get; }

    /// <summary>The entry: the event's canonical JSON (<see cref="AuditEventSerializer"/>).</summary>
    public byte[] Entry { get; }

    /// <summary>The entry's RFC 9162 leaf hash, <c>SHA-256(0x00 ‖ Entry)</c>.</summary>
    public byte[] LeafHash { get; }
}

/// <summary>A tenant's entry with its inclusion proof in the global log at <see cref="TreeSize"/>.</summary>
public sealed class TenantInclusionProof
{
    internal TenantInclusionProof(TenantLogEntry entry, ulong treeSize, byte[][] proof, byte[] root)
    {
        Entry = entry;
        TreeSize = treeSize;
        Proof = proof;
        Root = root;
    }

    /// <summary>The entry proven.</summary>
    public TenantLogEntry Entry { get; }

    /// <summary>The size of the global tree the proof is for (a checkpoint's size).</summary>
    public ulong TreeSize { get; }

    /// <summary>The audit path: the hashes of sibling subtrees, which may cover other tenants' entries (their hashes, never their contents).</summary>
    public IReadOnlyList<byte[]> Proof { get; }

    /// <summary>The global root at <see cref="TreeSize"/>, as the log computes it. Verify against the root of a signed checkpoint, not this value.</summary>
    public byte[] Root { get; }

    /// <summary>Whether the proof shows the entry at its index in the tree of size <see cref="TreeSize"/> whose root is <paramref name="checkpointRoot"/> (the root of a verified checkpoint).</summary>
    public bool Verify(ReadOnlySpan<byte> checkpointRoot)
    {
        using var hasher = new MerkleHasher();
        return MerkleProof.VerifyInclusion(Entry.Index, TreeSize, hasher.HashLeaf(Entry.Entry), Proof, checkpointRoot);
    }
}

/// <summary>The answer of a <see cref="TenantLogReader"/>: the value, or a refusal with its reason.</summary>
/// <typeparam name="T">The value's type.</typeparam>
public sealed class TenantLogResult<T>
    where T : class
{
    internal TenantLogResult(T? value, string reason)
    {
        Value = value;
        Reason = reason;
    }

    /// <summary>Whether the read was allowed (then <see cref="Value"/> is set).</summary>
    public bool Allowed => Value is not null;

    /// <summary>The value, or <see langword="null"/> when refused.</summary>
    public T? Value { get; }

    /// <summary>Why it was allowed (the authorizer's reason) or refused.</summary>
    public string Reason { get; }

    /// <inheritdoc/>
    public override string ToString() => Reason;
}

/// <summary>
/// Gives each tenant its own audit entries and inclusion proofs, and nothing else, through the
/// policy layer, while the log stays one verifiable tree.
/// </summary>
/// <remarks>
/// <para>Rule: a user may read tenant <c>t</c>'s entries and proofs when the authorizer allows
/// <c>get</c> on the virtual resource <see cref="Resource"/> in API group <see cref="ApiGroup"/> in
/// namespace <c>t</c> (RBAC: a Role in <c>t</c> with that rule bound to the user, or a
/// ClusterRoleBinding, which grants every tenant). With the default tenant mapping of
/// <see cref="Auditor"/> the tenant is the namespace; the cluster tenant (<c>""</c>) needs a
/// cluster-wide grant. An entry belongs to the tenant named in its <c>tenant</c> field.</para>
/// <para>Refusals are values (<see cref="TenantLogResult{T}.Allowed"/> false, with the reason): not
/// authorized, or an index that is not one of the tenant's entries (the same answer whether the
/// index belongs to another tenant or is past the end, so it reveals nothing beyond the tree size).</para>
/// <para>Proofs are against the global tree: the tenant learns the tree size and the sibling
/// hashes on its entries' audit paths. A sibling leaf hash is <c>SHA-256(0x00 ‖ entry)</c> of
/// another tenant's entry: it reveals no content, and cannot be used to confirm a guessed entry
/// because every entry holds a random 122-bit audit id. The tree size and the indexes of the
/// tenant's own entries reveal how many events other tenants had, and when.</para>
/// <para>The index tenant → leaf indexes is built when the reader is created, by reading every
/// entry (so it is rebuilt whenever a log is reopened), and extended with entries appended later on
/// each call. Thread-safe when the log is. Pass an <see cref="AuditingRbacAuthorizer"/> to record
/// every read in the log as well.</para>
/// <para>Retention: entries whose payloads were purged (below <see cref="IAuditLog.PurgedEntries"/>)
/// belong to no readable tenant. They are not indexed (their tenant is unknowable), entries purged
/// after they were indexed are dropped from the index, and asking for one is refused like any index
/// that is not the tenant's. Their leaf hashes still sit on other entries' audit paths, so proofs of
/// retained entries are unchanged.</para>
/// </remarks>
public sealed class TenantLogReader
{
    /// <summary>The API group of the virtual resource (<c>audit.containersec.io</c>).</summary>
    public const string ApiGroup = "audit.containersec.io";

    /// <summary>The virtual resource a tenant's audit entries are (<c>auditentries</c>).</summary>
    public const string Resource = "auditentries";

    private static readonly byte[] TenantProperty = "tenant"u8.ToArray();

    private readonly Lock _gate = new();
    private readonly IAuditLog _log;
    private readonly Func<AccessRequest, (bool Allowed, string Reason)> _authorize;
    private readonly Dictionary<string, List<ulong>> _index = new(StringComparer.Ordinal);
    private ulong _indexed;

    /// <summary>Creates a reader whose reads are authorized by RBAC.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">A stored entry does not match its leaf hash.</exception>
    public TenantLogReader(IAuditLog log, IRbacAuthorizer authorizer)
        : this(log, Authorize(authorizer))
    {
    }

    /// <summary>Creates a reader whose reads are authorized by RBAC and deny overlays.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">A stored entry does not match its leaf hash.</exception>
    public TenantLogReader(IAuditLog log, AccessEvaluator evaluator)
        : this(log, Authorize(evaluator))
    {
    }

    private TenantLogReader(IAuditLog log, Func<AccessRequest, (bool, string)> authorize)
    {
        ArgumentNullException.ThrowIfNull(log);
        _log = log;
        _authorize = authorize;
        Refresh();
    }

    /// <summary>Every entry of <paramref name="tenant"/>, in log order, if <paramref name="user"/> may read the tenant's log.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">A stored entry does not match its leaf hash.</exception>
    public TenantLogResult<IReadOnlyList<TenantLogEntry>> ReadEntries(UserInfo user, string tenant)
    {
        if (Check(user, tenant) is { } refused)
        {
            return new(null, refused);
        }

        var entries = new List<TenantLogEntry>();
        foreach (ulong index in IndexesOf(tenant))
        {
            if (TryRead(index) is { } entry)
            {
                entries.Add(entry); // an entry purged since the index was refreshed is skipped
            }
        }

        return new(entries, $"{entries.Count} entries of tenant \"{tenant}\"");
    }

    /// <summary>The entry at <paramref name="index"/>, if it is one of <paramref name="tenant"/>'s and <paramref name="user"/> may read them.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The stored entry does not match its leaf hash.</exception>
    public TenantLogResult<TenantLogEntry> ReadEntry(UserInfo user, string tenant, ulong index)
    {
        string? refused = Check(user, tenant) ?? Owns(tenant, index);
        TenantLogEntry? entry = refused is null ? TryRead(index) : null;
        return entry is not null ? new(entry, $"entry {index} of tenant \"{tenant}\"") : new(null, refused ?? NotOwned(tenant, index));
    }

    /// <summary>
    /// The entry at <paramref name="index"/> with its inclusion proof in the global tree of size
    /// <paramref name="treeSize"/> (the size of the checkpoint the caller verifies against), if
    /// the entry is one of <paramref name="tenant"/>'s and <paramref name="user"/> may read them.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="treeSize"/> exceeds the log's size or does not include the (tenant's) entry.</exception>
    /// <exception cref="InvalidDataException">The stored entry does not match its leaf hash.</exception>
    public TenantLogResult<TenantInclusionProof> GetInclusionProof(UserInfo user, string tenant, ulong index, ulong treeSize)
    {
        string? refused = Check(user, tenant) ?? Owns(tenant, index);
        if (refused is not null)
        {
            return new(null, refused);
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(treeSize, _log.Size);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(treeSize, index);
        if (TryRead(index) is not { } entry)
        {
            return new(null, NotOwned(tenant, index));
        }

        var proof = new TenantInclusionProof(entry, treeSize, _log.GetInclusionProof(index, treeSize), _log.GetRoot(treeSize));
        return new(proof, $"inclusion proof of entry {index} of tenant \"{tenant}\" at tree size {treeSize}");
    }

    private static Func<AccessRequest, (bool, string)> Authorize(IRbacAuthorizer authorizer)
    {
        ArgumentNullException.ThrowIfNull(authorizer);
        return request =>
        {
            RbacDecision decision = authorizer.Authorize(request);
            return (decision.Allowed, decision.Reason);
        };
    }

    private static Func<AccessRequest, (bool, string)> Authorize(AccessEvaluator evaluator)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        return request =>
        {
            AccessDecision decision = evaluator.Evaluate(request);
            return (decision.Allowed, decision.Reason);
        };
    }

    /// <summary>Asks the policy layer; returns the refusal, or <see langword="null"/> when allowed.</summary>
    private string? Check(UserInfo user, string tenant)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(tenant);
        (bool allowed, string reason) = _authorize(AccessRequest.ForResource(user, "get", ApiGroup, Resource, tenant));
        return allowed ? null : $"user {user} may not read the audit entries of tenant \"{tenant}\": {reason}";
    }

    private string? Owns(string tenant, ulong index)
    {
        Refresh();
        lock (_gate)
        {
            return _index.TryGetValue(tenant, out List<ulong>? indexes) && indexes.BinarySearch(index) >= 0 ? null : NotOwned(tenant, index);
        }
    }

    private List<ulong> IndexesOf(string tenant)
    {
        Refresh();
        lock (_gate)
        {
            return _index.TryGetValue(tenant, out List<ulong>? indexes) ? [.. indexes] : [];
        }
    }

    private static string NotOwned(string tenant, ulong index) => $"entry {index} is not an entry of tenant \"{tenant}\"";

    /// <summary>The entry, or <see langword="null"/> when its payload was purged (after the index was refreshed).</summary>
    private TenantLogEntry? TryRead(ulong index)
    {
        try
        {
            return new(index, _log.ReadEntry(index), _log.GetLeafHash(index));
        }
        catch (LogEntryPurgedException)
        {
            return null;
        }
    }

    /// <summary>Indexes the entries appended since the last call; drops the indexes of entries purged since.</summary>
    private void Refresh()
    {
        lock (_gate)
        {
            ulong purged = _log.PurgedEntries;
            if (purged > 0)
            {
                foreach (List<ulong> indexes in _index.Values)
                {
                    int below = indexes.BinarySearch(purged);
                    indexes.RemoveRange(0, below >= 0 ? below : ~below);
                }

                _indexed = Math.Max(_indexed, purged);
            }

            for (ulong size = _log.Size; _indexed < size; _indexed++)
            {
                if (TenantOf(_indexed) is { } tenant)
                {
                    if (!_index.TryGetValue(tenant, out List<ulong>? indexes))
                    {
                        _index[tenant] = indexes = [];
                    }

                    indexes.Add(_indexed);
                }
            }
        }
    }

    /// <summary>The tenant of the entry at <paramref name="index"/>; <see langword="null"/> for none, or when its payload was purged meanwhile.</summary>
    private string? TenantOf(ulong index)
    {
        try
        {
            return TenantOfEntry(_log.ReadEntry(index));
        }
        catch (LogEntryPurgedException)
        {
            return null;
        }
    }

    /// <summary>The top-level <c>tenant</c> string of an entry, or <see langword="null"/> when it has none (such an entry belongs to no tenant).</summary>
    private static string? TenantOfEntry(byte[] entry)
    {
        try
        {
            var reader = new Utf8JsonReader(entry);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isTenant = reader.CurrentDepth == 1 && reader.ValueTextEquals(TenantProperty);
                reader.Read();
                if (isTenant)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
