using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using ContainerSec.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.KeyManagement;

/// <summary>
/// Named keys with numbered versions, lifecycle states and enforced usage limits.
/// </summary>
/// <remarks>
/// <para>Each key has at most one <see cref="KeyVersionState.Active"/> version, the one that
/// encrypts. Encryption reserves one operation and the plaintext's bytes from the active version
/// atomically before it runs (see <see cref="RotationPolicy"/>): no version ever encrypts more
/// than its limits allow, under any concurrency. A <see cref="KeyKind.Dynamic"/> key rotates to
/// a freshly generated version the moment its active version cannot take a reservation; a
/// <see cref="KeyKind.Static"/> key raises <see cref="UsageWarning"/> at the policy's threshold and
/// throws <see cref="KeyUsageLimitExceededException"/> when a limit is reached, until rotated by hand.</para>
/// <para>Rotation is add-then-promote: <see cref="AddVersion(string)"/> adds a
/// <see cref="KeyVersionState.DecryptOnly"/> version that can be distributed to readers first,
/// <see cref="Promote"/> makes it active and demotes the previous one to decrypt-only.
/// Every change is recorded with a timestamp from the ring's <see cref="TimeProvider"/>.</para>
/// <para>Thread-safe. <see cref="Dispose"/> erases all material.</para>
/// <para>Metrics (<see cref="MeterName"/>, one meter per ring, tagged with the key name):
/// <c>containersec.keyring.encryptions</c>, <c>containersec.keyring.decryptions</c>,
/// <c>containersec.keyring.rotations</c> (counters) and
/// <c>containersec.keyring.remaining_operations</c>, <c>containersec.keyring.remaining_bytes</c>
/// (gauges of each key's active version). No metric carries material.</para>
/// </remarks>
public sealed class KeyRing : IDisposable
{
    private readonly ConcurrentDictionary<string, ManagedKey> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<KeyId, KeyVersion> _byId = new();
    private readonly TimeProvider _time;
    private readonly Meter _meter;
    private readonly Counter<long> _encryptions;
    private readonly Counter<long> _decryptions;
    private readonly Counter<long> _rotations;
    private readonly Lock _persistLock = new();
    private IKeyStore? _durableStore;
    private volatile bool _disposed;

    /// <summary>The name of the <see cref="Meter"/> each ring publishes: <c>ContainerSec.KeyManagement</c>.</summary>
    public const string MeterName = "ContainerSec.KeyManagement";

    /// <summary>Creates an empty ring.</summary>
    /// <param name="timeProvider">The clock for timestamps and age limits; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public KeyRing(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _meter = new Meter(MeterName);
        _encryptions = _meter.CreateCounter<long>("containersec.keyring.encryptions", description: "Encryptions reserved from a key's active version.");
        _decryptions = _meter.CreateCounter<long>("containersec.keyring.decryptions", description: "Key versions resolved to open a record.");
        _rotations = _meter.CreateCounter<long>("containersec.keyring.rotations", description: "Versions promoted to active.");
        _meter.CreateObservableGauge("containersec.keyring.remaining_operations", () => Remaining(static v => v.RemainingOperations), description: "Encryptions left on each key's active version.");
        _meter.CreateObservableGauge("containersec.keyring.remaining_bytes", () => Remaining(static v => v.RemainingBytes), unit: "By", description: "Plaintext bytes left on each key's active version.");
    }

    /// <summary>Raised when a version crosses its policy's warning threshold, once per limit and version.</summary>
    public event EventHandler<KeyUsageWarningEventArgs>? UsageWarning;

    /// <summary>Raised after a version is promoted (by hand or by automatic rotation); the argument is the new active version.</summary>
    public event EventHandler<KeyVersion>? Rotated;

    /// <summary>The ring's clock.</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>The names of the keys in the ring.</summary>
    public IReadOnlyCollection<string> KeyNames => [.. _keys.Keys];

    /// <summary>Creates a dynamic key: version 1 is generated and active; later versions are generated on rotation.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or already used.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public KeyVersion CreateKey(string name, RotationPolicy? policy = null, AeadAlgorithm? algorithm = null)
    {
        ManagedKey key = AddKey(name, KeyKind.Dynamic, algorithm, policy);
        lock (key.Lock)
        {
            KeyVersion version = AddVersionCore(key, SecretBytes.Random(KeyVersion.MaterialSizeInBytes), KeyId.NewId());
            PromoteCore(key, version);
            return version;
        }
    }

    /// <summary>Creates a static key from caller-supplied material (32 bytes, copied); version 1 is active. Static keys never rotate by themselves.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or already used, or <paramref name="keyMaterial"/> is not 32 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public KeyVersion ImportKey(string name, ReadOnlySpan<byte> keyMaterial, RotationPolicy? policy = null, AeadAlgorithm? algorithm = null)
    {
        CheckMaterial(keyMaterial);
        ManagedKey key = AddKey(name, KeyKind.Static, algorithm, policy);
        lock (key.Lock)
        {
            KeyVersion version = AddVersionCore(key, SecretBytes.Copy(keyMaterial), KeyId.NewId());
            PromoteCore(key, version);
            return version;
        }
    }

    /// <summary>Adds a generated version to a dynamic key, decrypt-only until <see cref="Promote"/>.</summary>
    /// <exception cref="KeyNotFoundException">No key has that name.</exception>
    /// <exception cref="InvalidOperationException">The key is static: pass its material.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public KeyVersion AddVersion(string name)
    {
        ManagedKey key = GetKey(name);
        if (key.Kind == KeyKind.Static)
        {
            throw new InvalidOperationException($"Key '{name}' is static: its versions are imported; call AddVersion(name, keyMaterial).");
        }

        lock (key.Lock)
        {
            return AddVersionCore(key, SecretBytes.Random(KeyVersion.MaterialSizeInBytes), KeyId.NewId());
        }
    }

    /// <summary>Adds an imported version (32 bytes, copied) to a static key, decrypt-only until <see cref="Promote"/>.</summary>
    /// <exception cref="KeyNotFoundException">No key has that name.</exception>
    /// <exception cref="ArgumentException"><paramref name="keyMaterial"/> is not 32 bytes.</exception>
    /// <exception cref="InvalidOperationException">The key is dynamic: its versions are generated.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public KeyVersion AddVersion(string name, ReadOnlySpan<byte> keyMaterial)
    {
        CheckMaterial(keyMaterial);
        ManagedKey key = GetKey(name);
        if (key.Kind == KeyKind.Dynamic)
        {
            throw new InvalidOperationException($"Key '{name}' is dynamic: its versions are generated; call AddVersion(name).");
        }

        lock (key.Lock)
        {
            return AddVersionCore(key, SecretBytes.Copy(keyMaterial), KeyId.NewId());
        }
    }

    /// <summary>Makes a decrypt-only version the active one; the previous active version becomes decrypt-only.</summary>
    /// <exception cref="KeyNotFoundException">No key or version has that name or number.</exception>
    /// <exception cref="InvalidOperationException">The version is disabled, destroyed, or below the minimum decryption version.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public void Promote(string name, int version)
    {
        ManagedKey key = GetKey(name);
        lock (key.Lock)
        {
            KeyVersion target = GetVersionCore(key, version);
            if (target.State == KeyVersionState.Active)
            {
                return;
            }

            if (target.State != KeyVersionState.DecryptOnly || target.Number < key.MinimumDecryptionVersion)
            {
                throw new InvalidOperationException($"Version {version} of key '{name}' is {target.State}; only a decrypt-only version at or above the minimum decryption version can be promoted.");
            }

            PromoteCore(key, target);
        }

        RaiseRotated(key);
    }

    /// <summary>Adds a generated version to a dynamic key and promotes it at once.</summary>
    /// <exception cref="KeyNotFoundException">No key has that name.</exception>
    /// <exception cref="InvalidOperationException">The key is static.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public KeyVersion Rotate(string name)
    {
        KeyVersion added = AddVersion(name);
        Promote(name, added.Number);
        return added;
    }

    /// <summary>Imports a version (32 bytes, copied) into a static key and promotes it at once.</summary>
    /// <exception cref="KeyNotFoundException">No key has that name.</exception>
    /// <exception cref="ArgumentException"><paramref name="keyMaterial"/> is not 32 bytes.</exception>
    /// <exception cref="InvalidOperationException">The key is dynamic.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public KeyVersion Rotate(string name, ReadOnlySpan<byte> keyMaterial)
    {
        KeyVersion added = AddVersion(name, keyMaterial);
        Promote(name, added.Number);
        return added;
    }

    /// <summary>Disables a decrypt-only version: records under it cannot be opened until <see cref="Enable"/>.</summary>
    /// <exception cref="KeyNotFoundException">No key or version has that name or number.</exception>
    /// <exception cref="InvalidOperationException">The version is active (rotate first) or destroyed.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public void Disable(string name, int version)
    {
        ManagedKey key = GetKey(name);
        lock (key.Lock)
        {
            KeyVersion target = GetVersionCore(key, version);
            RefuseActiveOrDestroyed(target, "disabled");
            target.SetState(KeyVersionState.Disabled);
            target.DisabledAt = Record(key, KeyEventKind.Disabled, version);
        }
    }

    /// <summary>Makes a disabled version decrypt-only again.</summary>
    /// <exception cref="KeyNotFoundException">No key or version has that name or number.</exception>
    /// <exception cref="InvalidOperationException">The version is not disabled.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public void Enable(string name, int version)
    {
        ManagedKey key = GetKey(name);
        lock (key.Lock)
        {
            KeyVersion target = GetVersionCore(key, version);
            if (target.State != KeyVersionState.Disabled)
            {
                throw new InvalidOperationException($"Version {version} of key '{name}' is {target.State}, not disabled.");
            }

            target.SetState(KeyVersionState.DecryptOnly);
            Record(key, KeyEventKind.Enabled, version);
        }
    }

    /// <summary>Erases a version's material. Records sealed under it become unreadable, by design; this cannot be undone.</summary>
    /// <exception cref="KeyNotFoundException">No key or version has that name or number.</exception>
    /// <exception cref="InvalidOperationException">The version is active: rotate first.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public void Destroy(string name, int version)
    {
        ManagedKey key = GetKey(name);
        lock (key.Lock)
        {
            KeyVersion target = GetVersionCore(key, version);
            if (target.State == KeyVersionState.Destroyed)
            {
                return;
            }

            RefuseActiveOrDestroyed(target, "destroyed");
            target.SetState(KeyVersionState.Destroyed);
            target.Erase();
            target.DestroyedAt = Record(key, KeyEventKind.Destroyed, version);
        }
    }

    /// <summary>Sets the lowest version that may decrypt; records under older versions are refused (as Vault's <c>min_decryption_version</c>).</summary>
    /// <exception cref="KeyNotFoundException">No key has that name.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is below 1 or above the active version.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public void SetMinimumDecryptionVersion(string name, int version)
    {
        ManagedKey key = GetKey(name);
        lock (key.Lock)
        {
            int active = key.Active?.Number ?? key.Versions.Count;
            ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(version, active);
            key.MinimumDecryptionVersion = version;
            Record(key, KeyEventKind.MinimumDecryptionVersionChanged, version);
        }
    }

    /// <summary>The lowest version that may decrypt.</summary>
    /// <exception cref="KeyNotFoundException">No key has that name.</exception>
    public int GetMinimumDecryptionVersion(string name) => GetKey(name).MinimumDecryptionVersion;

    /// <summary>The version that encrypts now.</summary>
    /// <exception cref="KeyNotFoundException">No key has that name.</exception>
    public KeyVersion GetActiveVersion(string name) =>
        GetKey(name).Active ?? throw new InvalidOperationException($"Key '{name}' has no active version.");

    /// <summary>All versions of a key, oldest first (a snapshot).</summary>
    /// <exception cref="KeyNotFoundException">No key has that name.</exception>
    public IReadOnlyList<KeyVersion> GetVersions(string name)
    {
        ManagedKey key = GetKey(name);
        lock (key.Lock)
        {
            return [.. key.Versions];
        }
    }

    /// <summary>Every recorded change to a key, oldest first (a snapshot).</summary>
    /// <exception cref="KeyNotFoundException">No key has that name.</exception>
    public IReadOnlyList<KeyEvent> GetHistory(string name)
    {
        ManagedKey key = GetKey(name);
        lock (key.Lock)
        {
            return [.. key.History];
        }
    }

    /// <summary>
    /// Makes the usage counters of static keys survive crashes: from now on, each static key's
    /// active version may only be used up to a high-water mark that was saved to
    /// <paramref name="store"/> first. When a version reaches its mark, the encrypting thread
    /// raises the mark by 1/64 of the policy's limits and saves the ring before going on, so a
    /// restart (which loads the marks as counts) can never reuse more than was saved. The cost:
    /// one save per 1/64 of a version's budget, and up to 1/64 of the budget lost per restart.
    /// Dynamic keys need none of this: they rotate on load.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public void EnableDurableCounters(IKeyStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_persistLock)
        {
            _durableStore = store;
            foreach (ManagedKey key in _keys.Values)
            {
                if (key.Kind == KeyKind.Static && key.Active is { } active && !active.HasDurableMarks)
                {
                    active.SetDurableMarks(active.OperationCount, active.ByteCount); // the next encryption saves first
                }
            }
        }
    }

    /// <summary>Finds a version by its id.</summary>
    public bool TryGetVersion(KeyId keyId, [NotNullWhen(true)] out KeyVersion? version) => _byId.TryGetValue(keyId, out version);

    /// <summary>Erases the material of every version. Idempotent.</summary>
    public void Dispose()
    {
        _disposed = true;
        _meter.Dispose();
        foreach (ManagedKey key in _keys.Values)
        {
            lock (key.Lock)
            {
                foreach (KeyVersion version in key.Versions)
                {
                    version.Erase();
                }
            }
        }
    }

    internal ManagedKey GetKey(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _keys.TryGetValue(name, out ManagedKey? key) ? key : throw new KeyNotFoundException($"The ring has no key named '{name}'.");
    }

    /// <summary>
    /// Reserves one encryption of <paramref name="length"/> bytes with the key's active version,
    /// rotating a dynamic key first when the active version cannot take it.
    /// </summary>
    internal KeyVersion ReserveEncryption(ManagedKey key, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (length > key.Policy.MaxBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"Key '{key.Name}' may encrypt at most {key.Policy.MaxBytes} bytes per version.");
        }

        long now = _time.GetUtcNow().UtcTicks;
        while (true)
        {
            KeyVersion active = key.Active ?? throw new InvalidOperationException($"Key '{key.Name}' has no active version.");
            ReserveResult result = active.TryReserve(length, now, out KeyUsageLimit limit, out bool warn);
            if (result == ReserveResult.Reserved)
            {
                _encryptions.Add(1, new KeyValuePair<string, object?>("key", key.Name));
                if (warn)
                {
                    UsageWarning?.Invoke(this, new KeyUsageWarningEventArgs(active, limit, reached: false));
                }

                return active;
            }

            if (result == ReserveResult.Exhausted)
            {
                RotateExhausted(key, active, limit);
            }
            else if (result == ReserveResult.NeedsPersist)
            {
                PersistAhead(active, length);
            }
        }
    }

    /// <summary>Finds the version that may open a record with <paramref name="keyId"/>, or throws <see cref="KeyUnavailableException"/>.</summary>
    internal KeyVersion ResolveForDecryption(KeyId keyId)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_byId.TryGetValue(keyId, out KeyVersion? version))
        {
            throw new KeyUnavailableException(KeyUnavailableReason.UnknownKeyId, keyId, $"No key version with id {keyId} is in the ring.");
        }

        KeyVersionState state = version.State;
        if (state == KeyVersionState.Destroyed)
        {
            throw new KeyUnavailableException(KeyUnavailableReason.Destroyed, keyId, $"Version {version.Number} of key '{version.KeyName}' was destroyed; records sealed under it cannot be opened.");
        }

        if (state == KeyVersionState.Disabled)
        {
            throw new KeyUnavailableException(KeyUnavailableReason.Disabled, keyId, $"Version {version.Number} of key '{version.KeyName}' is disabled.");
        }

        if (version.Number < version.Owner.MinimumDecryptionVersion)
        {
            throw new KeyUnavailableException(KeyUnavailableReason.BelowMinimumVersion, keyId, $"Version {version.Number} of key '{version.KeyName}' is below the minimum decryption version {version.Owner.MinimumDecryptionVersion}.");
        }

        _decryptions.Add(1, new KeyValuePair<string, object?>("key", version.KeyName));
        return version;
    }

    /// <summary>Adds a version from a store: its id, number, state and counters as persisted.</summary>
    internal KeyVersion Restore(ManagedKey key, int number, KeyId keyId, ReadOnlySpan<byte> material, KeyVersionState state, long operations, long bytes, DateTimeOffset createdAt, DateTimeOffset? activatedAt)
    {
        lock (key.Lock)
        {
            if (number != key.Versions.Count + 1)
            {
                throw new InvalidOperationException($"Version {number} of key '{key.Name}' is out of order.");
            }

            var version = new KeyVersion(key, number, keyId, state == KeyVersionState.Destroyed ? SecretBytes.Zeroed(KeyVersion.MaterialSizeInBytes) : SecretBytes.Copy(material), createdAt);
            if (!_byId.TryAdd(keyId, version))
            {
                version.Erase();
                throw new InvalidOperationException($"Key id {keyId} is already used; key ids are never reused.");
            }

            version.RestoreCounters(operations, bytes);
            version.SetState(state);
            key.Versions.Add(version);
            if (state == KeyVersionState.Destroyed)
            {
                version.Erase();
            }
            else if (state == KeyVersionState.Active)
            {
                version.ActivatedAt = activatedAt ?? createdAt;
                version.ActiveUntilTicks = ActiveUntil(key, version.ActivatedAt.Value);
                key.Active = version;
            }

            return version;
        }
    }

    internal ManagedKey AddKey(string name, KeyKind kind, AeadAlgorithm? algorithm, RotationPolicy? policy)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        algorithm ??= AeadAlgorithm.Aes256Gcm;
        var key = new ManagedKey(name, kind, algorithm, policy ?? RotationPolicy.Default);
        if (!_keys.TryAdd(name, key))
        {
            throw new ArgumentException($"The ring already has a key named '{name}'.", nameof(name));
        }

        return key;
    }

    internal IEnumerable<ManagedKey> Keys => _keys.Values;

    /// <summary>
    /// After loading from a store, a dynamic key's active version may have encrypted more than
    /// its last saved counters say (uses after the last save are lost in a crash), so it is
    /// retired at once and a fresh version takes over. Static keys keep their saved counters.
    /// </summary>
    internal void RotateDynamicAfterRestart()
    {
        foreach (ManagedKey key in _keys.Values)
        {
            if (key.Kind == KeyKind.Dynamic && key.Active is not null)
            {
                lock (key.Lock)
                {
                    PromoteCore(key, AddVersionCore(key, SecretBytes.Random(KeyVersion.MaterialSizeInBytes), KeyId.NewId()));
                }
            }
        }
    }

    private void PersistAhead(KeyVersion version, long length)
    {
        lock (_persistLock)
        {
            if (!version.HasDurableMarks || _durableStore is not { } store)
            {
                return;
            }

            RotationPolicy policy = version.Owner.Policy;
            if (version.OperationCount < version.SavedOperationCount && length <= version.SavedByteCount - version.ByteCount)
            {
                return; // another thread raised the marks already, with room for this request
            }

            long newOperations = Math.Min(policy.MaxOperations, version.OperationCount + Math.Max(1, policy.MaxOperations / 64));
            long newBytes = Math.Min(policy.MaxBytes, version.ByteCount + Math.Max(length, Math.Max(1, policy.MaxBytes / 64)));

            // Save with the raised marks first; only then let reservations pass the old ones.
            var pending = new PendingMarks(version, newOperations, newBytes);
            _pendingMarks = pending;
            try
            {
                store.Save(this);
            }
            finally
            {
                _pendingMarks = null;
            }

            version.SetDurableMarks(newOperations, newBytes);
        }
    }

    private volatile PendingMarks? _pendingMarks;

    /// <summary>The marks being saved by <see cref="PersistAhead"/>, which the serializer writes instead of the current ones.</summary>
    internal (long Operations, long Bytes)? PendingMarksFor(KeyVersion version) =>
        _pendingMarks is { } p && ReferenceEquals(p.Version, version) ? (p.Operations, p.Bytes) : null;

    private sealed record PendingMarks(KeyVersion Version, long Operations, long Bytes);

    private void RotateExhausted(ManagedKey key, KeyVersion exhausted, KeyUsageLimit limit)
    {
        bool rotated = false;
        lock (key.Lock)
        {
            if (key.Active != exhausted)
            {
                return; // another thread rotated already
            }

            if (key.Kind == KeyKind.Static)
            {
                UsageWarning?.Invoke(this, new KeyUsageWarningEventArgs(exhausted, limit, reached: true));
                throw new KeyUsageLimitExceededException(key.Name, exhausted.Number, limit);
            }

            KeyVersion added = AddVersionCore(key, SecretBytes.Random(KeyVersion.MaterialSizeInBytes), KeyId.NewId());
            PromoteCore(key, added);
            rotated = true;
        }

        if (rotated)
        {
            RaiseRotated(key);
        }
    }

    private KeyVersion AddVersionCore(ManagedKey key, SecretBytes material, KeyId keyId)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        DateTimeOffset now = _time.GetUtcNow();
        var version = new KeyVersion(key, key.Versions.Count + 1, keyId, material, now);
        if (!_byId.TryAdd(keyId, version))
        {
            version.Erase();
            throw new InvalidOperationException("A freshly generated key id collided with an existing one.");
        }

        key.Versions.Add(version);
        key.History.Add(new KeyEvent(now, KeyEventKind.Added, version.Number));
        return version;
    }

    private void PromoteCore(ManagedKey key, KeyVersion target)
    {
        DateTimeOffset now = _time.GetUtcNow();
        KeyVersion? previous = key.Active;
        target.ActivatedAt = now;
        target.ActiveUntilTicks = ActiveUntil(key, now);
        target.SetState(KeyVersionState.Active);
        if (key.Kind == KeyKind.Static && _durableStore is not null && !target.HasDurableMarks)
        {
            target.SetDurableMarks(target.OperationCount, target.ByteCount);
        }

        key.Active = target;
        key.History.Add(new KeyEvent(now, KeyEventKind.Promoted, target.Number));
        _rotations.Add(1, new KeyValuePair<string, object?>("key", key.Name));
        if (previous is not null)
        {
            previous.SetState(KeyVersionState.DecryptOnly);
            previous.DeactivatedAt = now;
            key.History.Add(new KeyEvent(now, KeyEventKind.Demoted, previous.Number));
        }
    }

    private List<Measurement<long>> Remaining(Func<KeyVersion, long> value)
    {
        var measurements = new List<Measurement<long>>();
        foreach (ManagedKey key in _keys.Values)
        {
            if (key.Active is { } active)
            {
                measurements.Add(new Measurement<long>(value(active), new KeyValuePair<string, object?>("key", key.Name)));
            }
        }

        return measurements;
    }

    private static long ActiveUntil(ManagedKey key, DateTimeOffset activatedAt) =>
        key.Policy.MaxAge is { } age && DateTimeOffset.MaxValue - activatedAt > age ? (activatedAt + age).UtcTicks : long.MaxValue;

    private void RaiseRotated(ManagedKey key)
    {
        if (key.Active is { } active)
        {
            Rotated?.Invoke(this, active);
        }
    }

    private DateTimeOffset Record(ManagedKey key, KeyEventKind kind, int version)
    {
        DateTimeOffset now = _time.GetUtcNow();
        key.History.Add(new KeyEvent(now, kind, version));
        return now;
    }

    private static KeyVersion GetVersionCore(ManagedKey key, int version)
    {
        if (version < 1 || version > key.Versions.Count)
        {
            throw new KeyNotFoundException($"Key '{key.Name}' has no version {version}.");
        }

        return key.Versions[version - 1];
    }

    private static void RefuseActiveOrDestroyed(KeyVersion target, string action)
    {
        if (target.State is KeyVersionState.Active or KeyVersionState.Destroyed)
        {
            throw new InvalidOperationException($"Version {target.Number} of key '{target.KeyName}' is {target.State} and cannot be {action}; rotate first.");
        }
    }

    private static void CheckMaterial(ReadOnlySpan<byte> keyMaterial)
    {
        if (keyMaterial.Length != KeyVersion.MaterialSizeInBytes)
        {
            Error.ThrowWrongSize(nameof(keyMaterial), "key material", KeyVersion.MaterialSizeInBytes, keyMaterial.Length);
        }
    }
}
