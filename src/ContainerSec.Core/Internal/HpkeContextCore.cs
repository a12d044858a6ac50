using System.Buffers.Binary;
using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Internal;

/// <summary>
/// The HPKE key schedule (RFC 9180 §5.1) and what a context keeps: the AEAD key, the base nonce,
/// the exporter secret and the sequence number. One lock orders Seal/Open so that a sequence number
/// (and so a nonce) is never used twice, and the recipient's advances only on success.
/// </summary>
internal sealed class HpkeContextCore : IDisposable
{
    private readonly Lock _lock = new();
    private readonly HpkeSuite _suite;
    private readonly AeadKey? _key;
    private readonly byte[] _baseNonce = new byte[AeadAlgorithm.NonceSize];
    private readonly SecretBytes _exporterSecret;
    private ulong _sequenceNumber;

    private HpkeContextCore(HpkeSuite suite, AeadKey? key, SecretBytes exporterSecret)
    {
        _suite = suite;
        _key = key;
        _exporterSecret = exporterSecret;
    }

    public ulong SequenceNumber
    {
        get
        {
            lock (_lock)
            {
                return _sequenceNumber;
            }
        }
    }

    /// <summary>KeySchedule(mode, shared_secret, info, psk, psk_id).</summary>
    public static HpkeContextCore Create(HpkeSuite suite, HpkeMode mode, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> info, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId)
    {
        HashFunction hash = suite.Kdf.HashFunction;
        int nh = hash.HashSizeInBytes;
        ReadOnlySpan<byte> suiteId = suite.SuiteId;
        Span<byte> context = stackalloc byte[1 + (2 * nh)];
        Span<byte> secret = stackalloc byte[nh];
        try
        {
            context[0] = (byte)mode;
            HpkeLabels.Extract(hash, suiteId, [], "psk_id_hash"u8, pskId, context.Slice(1, nh));
            HpkeLabels.Extract(hash, suiteId, [], "info_hash"u8, info, context.Slice(1 + nh, nh));
            HpkeLabels.Extract(hash, suiteId, sharedSecret, "secret"u8, psk, secret);

            SecretBytes exporter = SecretBytes.Zeroed(nh);
            HpkeLabels.Expand(hash, suiteId, secret, "exp"u8, context, exporter.Array);
            AeadKey? key = null;
            if (suite.Aead.AeadAlgorithm is { } algorithm)
            {
                Span<byte> keyBytes = stackalloc byte[algorithm.KeySizeInBytes];
                HpkeLabels.Expand(hash, suiteId, secret, "key"u8, context, keyBytes);
                key = AeadKey.Import(algorithm, keyBytes);
                CryptographicOperations.ZeroMemory(keyBytes);
            }

            var core = new HpkeContextCore(suite, key, exporter);
            if (key is not null)
            {
                HpkeLabels.Expand(hash, suiteId, secret, "base_nonce"u8, context, core._baseNonce);
            }

            return core;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public void Seal(ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData, object owner)
    {
        AeadKey key = RequireAead();
        Span<byte> nonce = stackalloc byte[AeadAlgorithm.NonceSize];
        lock (_lock)
        {
            ComputeNonce(nonce, owner);
            key.Encrypt(nonce, plaintext, destination, associatedData);
            _sequenceNumber++;
        }
    }

    public void Open(ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData, object owner)
    {
        AeadKey key = RequireAead();
        Span<byte> nonce = stackalloc byte[AeadAlgorithm.NonceSize];
        lock (_lock)
        {
            ComputeNonce(nonce, owner);
            key.Decrypt(nonce, ciphertext, destination, associatedData);
            _sequenceNumber++;
        }
    }

    public byte[] Export(ReadOnlySpan<byte> exporterContext, int length, object owner)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 255 * _suite.Kdf.HashFunction.HashSizeInBytes);
        byte[] destination = new byte[length];
        Export(exporterContext, destination, owner);
        return destination;
    }

    /// <summary><c>Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec", exporter_context, L)</c>.</summary>
    public void Export(ReadOnlySpan<byte> exporterContext, Span<byte> destination, object owner)
    {
        HpkeLabels.CheckLength(exporterContext, nameof(exporterContext), "exporter context");
        int maximum = 255 * _suite.Kdf.HashFunction.HashSizeInBytes;
        if (destination.Length is 0 || destination.Length > maximum)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), destination.Length, $"The HPKE export length must be 1 to {maximum} bytes (255 × Nh).");
        }

        ObjectDisposedException.ThrowIf(_exporterSecret.IsDisposed, owner);
        HpkeLabels.Expand(_suite.Kdf.HashFunction, _suite.SuiteId, _exporterSecret.Span, "sec"u8, exporterContext, destination);
        if (_exporterSecret.IsDisposed)
        {
            CryptographicOperations.ZeroMemory(destination);
            throw new ObjectDisposedException(owner.GetType().FullName);
        }
    }

    /// <summary>For tests of the message limit only.</summary>
    internal void SetSequenceNumber(ulong value)
    {
        lock (_lock)
        {
            _sequenceNumber = value;
        }
    }

    public void Dispose()
    {
        // Under the lock, so that a Seal or Open in progress finishes with the key it started with.
        lock (_lock)
        {
            _exporterSecret.Dispose();
            _key?.Dispose();
            CryptographicOperations.ZeroMemory(_baseNonce);
        }
    }

    private AeadKey RequireAead() => _key ?? throw new InvalidOperationException(
        "This HPKE context uses the Export-only AEAD: it can export secrets but cannot seal or open messages.");

    /// <summary><c>base_nonce XOR I2OSP(seq, Nn)</c>; refuses the last sequence number, as RFC 9180 §5.2 requires.</summary>
    private void ComputeNonce(Span<byte> nonce, object owner)
    {
        ObjectDisposedException.ThrowIf(_exporterSecret.IsDisposed, owner);
        if (_sequenceNumber == ulong.MaxValue)
        {
            throw new InvalidOperationException("The HPKE context has reached its message limit (2^64 − 1 messages); set up a new context.");
        }

        _baseNonce.CopyTo(nonce);
        ulong tail = BinaryPrimitives.ReadUInt64BigEndian(nonce[4..]) ^ _sequenceNumber;
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], tail);
    }
}
