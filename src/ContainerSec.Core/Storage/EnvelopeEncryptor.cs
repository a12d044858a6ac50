using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ContainerSec.Cryptography;
using ContainerSec.Internal;
using ContainerSec.KeyManagement;

namespace ContainerSec.Storage;

/// <summary>Bounds of the <see cref="EnvelopeEncryptor"/>'s data-key cache.</summary>
public sealed class DataKeyCacheOptions
{
    /// <summary>How long a data key is reused or kept unwrapped (default 5 minutes).</summary>
    public TimeSpan TimeToLive { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many unwrapped data keys are kept at most (default 100); the oldest goes first.</summary>
    public int MaxEntries { get; init; } = 100;

    /// <summary>How many records one data key seals before a new one is made (default 2^20; at most 2^32).</summary>
    public long MaxMessagesPerKey { get; init; } = 1L << 20;

    /// <summary>How many plaintext bytes one data key seals before a new one is made (default 2^32).</summary>
    public long MaxBytesPerKey { get; init; } = 1L << 32;

    internal void Validate()
    {
        if (TimeToLive < TimeSpan.Zero || MaxEntries < 1 || MaxMessagesPerKey is < 1 or > RotationPolicy.OperationsBound || MaxBytesPerKey < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DataKeyCacheOptions), "TimeToLive must be non-negative, MaxEntries and MaxBytesPerKey at least 1, MaxMessagesPerKey between 1 and 2^32.");
        }
    }
}

/// <summary>
/// Envelope encryption: each record is sealed with an AES-256-GCM data key that is wrapped by a
/// <see cref="IKeyEncryptionKeyProvider"/> and stored in the record. Unwrapped data keys are cached,
/// bounded by <see cref="DataKeyCacheOptions"/> (age, entries, and messages and bytes per key),
/// so the KEK provider (an HSM, a KMS) is called once per data key, not once per record.
/// </summary>
/// <remarks>
/// <para>Record format (version 1): <c>"CE" ‖ 0x01 ‖ 0x02 (AES-256-GCM) ‖ KEK id length (1) ‖ KEK id
/// (UTF-8) ‖ wrapped key length (2, big-endian) ‖ wrapped key ‖ nonce (12) ‖ ciphertext ‖ tag (16)</c>;
/// everything before the ciphertext, followed by the context, is the associated data. The wrapped
/// key is bound to the KEK id. See <c>docs/formats/envelope.md</c>.</para>
/// <para>Errors on open: <see cref="InvalidEnvelopeException"/> (truncated or malformed),
/// <see cref="KeyUnavailableException"/> (another KEK id), <see cref="CryptographicException"/> from the
/// provider (wrapped key rejected), <see cref="AuthenticationTagMismatchException"/> (record changed or
/// other context). Thread-safe.</para>
/// </remarks>
public sealed class EnvelopeEncryptor : IDisposable
{
    private const int DataKeySize = 32;
    private const int MaxWrappedKeySize = 1024;

    private readonly IKeyEncryptionKeyProvider _provider;
    private readonly DataKeyCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly byte[] _kekId;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);
    private CacheEntry? _current;
    private bool _disposed;

    /// <summary>Creates an encryptor over <paramref name="provider"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="provider"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public EnvelopeEncryptor(IKeyEncryptionKeyProvider provider, DataKeyCacheOptions? cacheOptions = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(provider);
        _provider = provider;
        _options = cacheOptions ?? new DataKeyCacheOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _kekId = Encoding.UTF8.GetBytes(provider.KeyEncryptionKeyId);
        if (_kekId.Length is 0 or > 255)
        {
            throw new ArgumentException("The provider's KEK id must be 1 to 255 UTF-8 bytes.", nameof(provider));
        }
    }

    /// <summary>How many unwrapped data keys the cache holds now.</summary>
    public int CachedKeyCount
    {
        get
        {
            lock (_lock)
            {
                return _cache.Count;
            }
        }
    }

    /// <summary>How many times the provider was asked to wrap or unwrap a key (for monitoring the cache).</summary>
    public long ProviderCalls => Interlocked.Read(ref _providerCalls);

    private long _providerCalls;

    /// <summary>Seals <paramref name="plaintext"/> under <paramref name="context"/>.</summary>
    /// <exception cref="ArgumentException">The plaintext is larger than <see cref="DataKeyCacheOptions.MaxBytesPerKey"/> or than a record can hold.</exception>
    /// <exception cref="ObjectDisposedException">The encryptor was disposed.</exception>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> context)
    {
        if (plaintext.Length > _options.MaxBytesPerKey || plaintext.Length > int.MaxValue - 2048)
        {
            throw Error.TooLong(nameof(plaintext), "plaintext", Math.Min(_options.MaxBytesPerKey, int.MaxValue - 2048), plaintext.Length);
        }

        CacheEntry entry = ReserveDataKey(plaintext.Length);
        try
        {
            int headerSize = 5 + _kekId.Length + 2 + entry.Wrapped.Length + AeadAlgorithm.NonceSize;
            byte[] record = new byte[headerSize + plaintext.Length + AeadAlgorithm.TagSize];
            Span<byte> header = record.AsSpan(0, headerSize);
            header[0] = (byte)'C';
            header[1] = (byte)'E';
            header[2] = 1;
            header[3] = 2;
            header[4] = (byte)_kekId.Length;
            _kekId.CopyTo(header[5..]);
            int at = 5 + _kekId.Length;
            BinaryPrimitives.WriteUInt16BigEndian(header[at..], (ushort)entry.Wrapped.Length);
            entry.Wrapped.CopyTo(header[(at + 2)..]);
            Span<byte> nonce = header[^AeadAlgorithm.NonceSize..];
            RandomNumberGenerator.Fill(nonce);
            byte[] ad = [.. header, .. context];
            entry.Key.Encrypt(nonce.ToArray(), plaintext, record.AsSpan(headerSize), associatedData: ad);
            return record;
        }
        finally
        {
            entry.Release();
        }
    }

    /// <summary>Opens a record sealed under <paramref name="context"/>.</summary>
    /// <exception cref="InvalidEnvelopeException">The record is truncated or malformed.</exception>
    /// <exception cref="KeyUnavailableException">The record names another KEK.</exception>
    /// <exception cref="AuthenticationTagMismatchException">The record was changed or the context differs.</exception>
    /// <exception cref="CryptographicException">The provider rejected the wrapped key.</exception>
    /// <exception cref="ObjectDisposedException">The encryptor was disposed.</exception>
    public byte[] Open(ReadOnlySpan<byte> source, ReadOnlySpan<byte> context)
    {
        if (source.Length < 5 || source[0] != 'C' || source[1] != 'E' || source[2] != 1 || source[3] != 2)
        {
            throw new InvalidEnvelopeException("The bytes are not a version-1 envelope-encrypted record.");
        }

        int kekLength = source[4];
        int at = 5 + kekLength;
        if (source.Length < at + 2)
        {
            throw new InvalidEnvelopeException("The envelope-encrypted record is truncated.");
        }

        if (!source.Slice(5, kekLength).SequenceEqual(_kekId))
        {
            throw new KeyUnavailableException("The record was sealed under another key-encryption key.");
        }

        int wrappedLength = BinaryPrimitives.ReadUInt16BigEndian(source[at..]);
        int headerSize = at + 2 + wrappedLength + AeadAlgorithm.NonceSize;
        if (wrappedLength > MaxWrappedKeySize || source.Length < headerSize + AeadAlgorithm.TagSize)
        {
            throw new InvalidEnvelopeException("The envelope-encrypted record is truncated or its wrapped key is too long.");
        }

        CacheEntry entry = GetDataKey(source.Slice(at + 2, wrappedLength));
        try
        {
            ReadOnlySpan<byte> header = source[..headerSize];
            byte[] ad = [.. header, .. context];
            return entry.Key.Decrypt(header[^AeadAlgorithm.NonceSize..], source[headerSize..], associatedData: ad);
        }
        finally
        {
            entry.Release();
        }
    }

    /// <summary>Erases every cached data key.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (CacheEntry entry in _cache.Values)
            {
                entry.Evict();
            }

            _cache.Clear();
            _current = null;
        }
    }

    private CacheEntry ReserveDataKey(int length)
    {
        long now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CacheEntry? current = _current;
            if (current is null || current.Expired(now, _options) || current.Messages >= _options.MaxMessagesPerKey || current.Bytes + length > _options.MaxBytesPerKey)
            {
                byte[] keyBytes = GC.AllocateArray<byte>(DataKeySize, pinned: true);
                try
                {
                    RandomNumberGenerator.Fill(keyBytes);
                    Interlocked.Increment(ref _providerCalls);
                    byte[] wrapped = _provider.WrapKey(keyBytes, _kekId);
                    current = new CacheEntry(AeadKey.Import(AeadAlgorithm.Aes256Gcm, keyBytes), wrapped, now);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(keyBytes);
                }

                _current = current;
                Insert(current, now);
            }

            current.Messages++;
            current.Bytes += length;
            current.Acquire();
            return current;
        }
    }

    private CacheEntry GetDataKey(ReadOnlySpan<byte> wrapped)
    {
        string id = Convert.ToHexString(wrapped);
        long now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_cache.TryGetValue(id, out CacheEntry? hit) && !hit.Expired(now, _options))
            {
                hit.Acquire();
                return hit;
            }
        }

        byte[] keyBytes = GC.AllocateArray<byte>(DataKeySize, pinned: true);
        try
        {
            Interlocked.Increment(ref _providerCalls);
            if (_provider.UnwrapKey(wrapped, _kekId, keyBytes) != DataKeySize)
            {
                throw new CryptographicException("The unwrapped data key has the wrong size.");
            }

            var entry = new CacheEntry(AeadKey.Import(AeadAlgorithm.Aes256Gcm, keyBytes), wrapped.ToArray(), now);
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                Insert(entry, now);
                entry.Acquire();
                return entry;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBytes);
        }
    }

    /// <summary>Adds an entry, dropping expired ones and then the oldest while over <see cref="DataKeyCacheOptions.MaxEntries"/>. Under the lock.</summary>
    private void Insert(CacheEntry entry, long now)
    {
        string id = Convert.ToHexString(entry.Wrapped);
        if (_cache.Remove(id, out CacheEntry? replaced))
        {
            Evict(replaced);
        }

        foreach ((string key, CacheEntry old) in _cache.Where(p => p.Value.Expired(now, _options)).ToList())
        {
            _cache.Remove(key);
            Evict(old);
        }

        while (_cache.Count >= _options.MaxEntries)
        {
            KeyValuePair<string, CacheEntry> oldest = _cache.MinBy(p => p.Value.CreatedTicks);
            _cache.Remove(oldest.Key);
            Evict(oldest.Value);
        }

        _cache[id] = entry;
    }

    private void Evict(CacheEntry entry)
    {
        if (ReferenceEquals(entry, _current))
        {
            _current = null;
        }

        entry.Evict();
    }

    /// <summary>An unwrapped data key, disposed once evicted and no longer in use (reference counted).</summary>
    private sealed class CacheEntry(AeadKey key, byte[] wrapped, long createdTicks)
    {
        private int _users = 1; // the cache's own reference

        public AeadKey Key { get; } = key;

        public byte[] Wrapped { get; } = wrapped;

        public long CreatedTicks { get; } = createdTicks;

        public long Messages { get; set; }

        public long Bytes { get; set; }

        public bool Expired(long now, DataKeyCacheOptions options) => now - CreatedTicks >= options.TimeToLive.Ticks;

        public void Acquire() => Interlocked.Increment(ref _users);

        public void Release()
        {
            if (Interlocked.Decrement(ref _users) == 0)
            {
                Key.Dispose();
            }
        }

        public void Evict() => Release();
    }
}
