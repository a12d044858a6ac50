namespace ContainerSec.KeyManagement;

/// <summary>
/// Persists a <see cref="KeyRing"/>: every key, version, state, counter and timestamp, with the
/// material encrypted. <see cref="Save"/> replaces the stored state as a whole, atomically.
/// </summary>
public interface IKeyStore : IDisposable
{
    /// <summary>
    /// Loads the stored ring, or an empty ring when nothing was saved yet. Each dynamic key's
    /// active version is retired on load and a fresh one promoted, because uses after the last
    /// save cannot be known after a crash; static keys keep their saved counters, which are
    /// high-water marks when <see cref="KeyRing.EnableDurableCounters"/> was used.
    /// </summary>
    /// <param name="timeProvider">The clock for the new ring.</param>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The stored state is corrupt or the master key is wrong.</exception>
    KeyRing Load(TimeProvider? timeProvider = null);

    /// <summary>Stores <paramref name="ring"/>'s state, replacing what was stored.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="ring"/> is <see langword="null"/>.</exception>
    void Save(KeyRing ring);
}
