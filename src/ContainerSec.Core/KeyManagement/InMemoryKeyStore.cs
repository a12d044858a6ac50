using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.KeyManagement;

/// <summary>
/// A key store in process memory, for tests and single-process use. The saved state is kept
/// encrypted under a random key of the store's own, so saved material never sits in plain managed
/// memory. Thread-safe.
/// </summary>
public sealed class InMemoryKeyStore : IKeyStore
{
    private readonly AeadKey _key = AeadKey.Generate(AeadAlgorithm.Aes256Gcm);
    private readonly Lock _lock = new();
    private byte[]? _nonce;
    private byte[]? _state;

    /// <inheritdoc/>
    public KeyRing Load(TimeProvider? timeProvider = null)
    {
        byte[]? nonce;
        byte[]? state;
        lock (_lock)
        {
            nonce = _nonce;
            state = _state;
        }

        if (nonce is null || state is null)
        {
            return new KeyRing(timeProvider);
        }

        byte[] plain = _key.Decrypt(nonce, state);
        try
        {
            return KeyRingSerializer.Deserialize(plain, timeProvider);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <inheritdoc/>
    public void Save(KeyRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        byte[] plain = KeyRingSerializer.Serialize(ring);
        try
        {
            byte[] nonce = RandomNumberGenerator.GetBytes(AeadAlgorithm.NonceSize);
            byte[] state = _key.Encrypt(nonce, plain);
            lock (_lock)
            {
                _nonce = nonce;
                _state = state;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>Erases the store's key; the saved state becomes unreadable.</summary>
    public void Dispose() => _key.Dispose();
}
