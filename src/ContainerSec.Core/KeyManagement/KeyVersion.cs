using System.Diagnostics;
using ContainerSec.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.KeyManagement;

/// <summary>
/// One version of a named key: its id, state, timestamps and usage counters. The material itself
/// is never reachable from this object's public surface and is never shown by
/// <see cref="ToString"/>.
/// </summary>
/// <remarks>
/// The 32-byte version material is not used as an AES key directly: HKDF-SHA-256 derives the
/// AES-GCM key (info <c>containersec/v1/aead</c>) and an HMAC-SHA-256 key for context
/// fingerprints (info <c>containersec/v1/context</c>), salt = the 16-byte key id.
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class KeyVersion
{
    /// <summary>The size of a version's material: 32 bytes.</summary>
    public const int MaterialSizeInBytes = 32;

    private static readonly byte[] AeadInfo = "containersec/v1/aead"u8.ToArray();
    private static readonly byte[] ContextInfo = "containersec/v1/context"u8.ToArray();

    private readonly SecretBytes _material;
    private readonly long _warnOperations;
    private readonly long _warnBytes;
    private long _operations;
    private long _bytes;
    private long _durableOperations = long.MaxValue;
    private long _durableBytes = long.MaxValue;
    private int _ageWarned;
    private volatile int _state;

    internal KeyVersion(ManagedKey owner, int version, KeyId keyId, SecretBytes material, DateTimeOffset createdAt)
    {
        Owner = owner;
        Number = version;
        KeyId = keyId;
        _material = material;
        CreatedAt = createdAt;
        _state = (int)KeyVersionState.DecryptOnly;
        Span<byte> salt = stackalloc byte[KeyId.SizeInBytes];
        keyId.WriteTo(salt);
        AeadKey = Hkdf.DeriveAeadKey(HashFunction.Sha256, material.Span, salt, AeadInfo, owner.Algorithm);
        ContextKey = Hkdf.DeriveMacKey(HashFunction.Sha256, material.Span, salt, ContextInfo, MacAlgorithm.HmacSha256);
        RotationPolicy policy = owner.Policy;
        _warnOperations = Math.Max(1, (long)(policy.MaxOperations * policy.WarningThreshold));
        _warnBytes = Math.Max(1, (long)(policy.MaxBytes * policy.WarningThreshold));
    }

    internal ManagedKey Owner { get; }

    internal AeadKey AeadKey { get; }

    internal MacKey ContextKey { get; }

    internal SecretBytes Material => _material;

    /// <summary>The key's name.</summary>
    public string KeyName => Owner.Name;

    /// <summary>The version number: 1 for the first version, then increasing by one.</summary>
    public int Number { get; }

    /// <summary>The globally unique id written into records sealed with this version.</summary>
    public KeyId KeyId { get; }

    /// <summary>The algorithm.</summary>
    public AeadAlgorithm Algorithm => Owner.Algorithm;

    /// <summary>Whether the key is static (imported) or dynamic (generated).</summary>
    public KeyKind Kind => Owner.Kind;

    /// <summary>The current state.</summary>
    public KeyVersionState State => (KeyVersionState)_state;

    /// <summary>When the version was added.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>When the version became active, if it ever did.</summary>
    public DateTimeOffset? ActivatedAt { get; internal set; }

    /// <summary>When the version stopped being active, if it did.</summary>
    public DateTimeOffset? DeactivatedAt { get; internal set; }

    /// <summary>When the version was last disabled, if it was.</summary>
    public DateTimeOffset? DisabledAt { get; internal set; }

    /// <summary>When the material was erased, if it was.</summary>
    public DateTimeOffset? DestroyedAt { get; internal set; }

    /// <summary>Encryptions reserved with this version so far (never more than the policy's limit).</summary>
    public long OperationCount => Volatile.Read(ref _operations);

    /// <summary>Plaintext bytes reserved with this version so far (never more than the policy's limit).</summary>
    public long ByteCount => Volatile.Read(ref _bytes);

    /// <summary>Encryptions left before the version must stop encrypting.</summary>
    public long RemainingOperations => Owner.Policy.MaxOperations - OperationCount;

    /// <summary>Plaintext bytes left before the version must stop encrypting.</summary>
    public long RemainingBytes => Owner.Policy.MaxBytes - ByteCount;

    internal long ActiveUntilTicks { get; set; } = long.MaxValue;

    internal void SetState(KeyVersionState state) => _state = (int)state;

    /// <summary>Restores counters loaded from a store.</summary>
    internal void RestoreCounters(long operations, long bytes)
    {
        _operations = operations;
        _bytes = bytes;
    }

    /// <summary>
    /// Reserves one encryption of <paramref name="length"/> bytes. Lock-free: each counter is
    /// advanced by compare-and-swap only when the new value stays within the limit, so no thread
    /// ever gets the (limit+1)-th reservation. When the operation slot is taken but the byte budget
    /// is short, the slot stays used (counted, never encrypted): conservative, never over.
    /// </summary>
    internal ReserveResult TryReserve(long length, long nowTicks, out KeyUsageLimit limit, out bool warn)
    {
        warn = false;
        limit = KeyUsageLimit.Operations;
        if (_state != (int)KeyVersionState.Active)
        {
            return ReserveResult.NotActive;
        }

        if (nowTicks >= ActiveUntilTicks)
        {
            limit = KeyUsageLimit.Age;
            return ReserveResult.Exhausted;
        }

        RotationPolicy policy = Owner.Policy;
        long operations = Volatile.Read(ref _operations);
        while (true)
        {
            if (operations >= policy.MaxOperations)
            {
                return ReserveResult.Exhausted;
            }

            if (operations >= Volatile.Read(ref _durableOperations))
            {
                return ReserveResult.NeedsPersist;
            }

            long seen = Interlocked.CompareExchange(ref _operations, operations + 1, operations);
            if (seen == operations)
            {
                break;
            }

            operations = seen;
        }

        warn = operations + 1 == _warnOperations;
        long bytes = Volatile.Read(ref _bytes);
        while (true)
        {
            if (length > policy.MaxBytes - bytes)
            {
                limit = KeyUsageLimit.Bytes;
                return ReserveResult.Exhausted;
            }

            if (length > Volatile.Read(ref _durableBytes) - bytes)
            {
                return ReserveResult.NeedsPersist; // the operation slot stays used: conservative
            }

            long seen = Interlocked.CompareExchange(ref _bytes, bytes + length, bytes);
            if (seen == bytes)
            {
                break;
            }

            bytes = seen;
        }

        if (!warn && bytes < _warnBytes && bytes + length >= _warnBytes)
        {
            warn = true;
            limit = KeyUsageLimit.Bytes;
        }

        if (!warn && ActiveUntilTicks != long.MaxValue && Volatile.Read(ref _ageWarned) == 0 && policy.MaxAge is { } age
            && nowTicks >= ActiveUntilTicks - (long)(age.Ticks * (1 - policy.WarningThreshold))
            && Interlocked.Exchange(ref _ageWarned, 1) == 0)
        {
            warn = true;
            limit = KeyUsageLimit.Age;
        }

        return ReserveResult.Reserved;
    }

    /// <summary>Whether usage is limited by a durably saved high-water mark (see <see cref="KeyRing.EnableDurableCounters"/>).</summary>
    internal bool HasDurableMarks => Volatile.Read(ref _durableOperations) != long.MaxValue;

    /// <summary>The counters a store must save: the high-water marks when they are in force, else the counts.</summary>
    internal long SavedOperationCount => HasDurableMarks ? Math.Max(OperationCount, Volatile.Read(ref _durableOperations)) : OperationCount;

    internal long SavedByteCount => HasDurableMarks ? Math.Max(ByteCount, Volatile.Read(ref _durableBytes)) : ByteCount;

    /// <summary>Sets the high-water marks; the caller saves the ring before any reservation may pass the old ones.</summary>
    internal void SetDurableMarks(long operations, long bytes)
    {
        Volatile.Write(ref _durableOperations, operations);
        Volatile.Write(ref _durableBytes, bytes);
    }

    internal void Erase()
    {
        AeadKey.Dispose();
        ContextKey.Dispose();
        _material.Dispose();
    }

    /// <summary>Names the key, version, id and state; never the material.</summary>
    public override string ToString() => $"KeyVersion({KeyName} v{Number}, {KeyId}, {State})";
}

internal enum ReserveResult
{
    Reserved,
    Exhausted,
    NotActive,
    NeedsPersist,
}
