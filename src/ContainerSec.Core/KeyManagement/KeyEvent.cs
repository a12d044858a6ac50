namespace ContainerSec.KeyManagement;

/// <summary>One recorded change to a key, timestamped by the ring's <see cref="TimeProvider"/>.</summary>
/// <param name="Timestamp">When it happened.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Version">The version it happened to (for <see cref="KeyEventKind.MinimumDecryptionVersionChanged"/>, the new minimum).</param>
public readonly record struct KeyEvent(DateTimeOffset Timestamp, KeyEventKind Kind, int Version);

/// <summary>Raised when a version nears or reaches a usage limit.</summary>
public sealed class KeyUsageWarningEventArgs : EventArgs
{
    internal KeyUsageWarningEventArgs(KeyVersion version, KeyUsageLimit limit, bool reached)
    {
        Version = version;
        Limit = limit;
        Reached = reached;
    }

    /// <summary>The version concerned.</summary>
    public KeyVersion Version { get; }

    /// <summary>Which limit.</summary>
    public KeyUsageLimit Limit { get; }

    /// <summary><see langword="true"/> when the limit was reached (a static key now refuses to encrypt), <see langword="false"/> when it crossed <see cref="RotationPolicy.WarningThreshold"/>.</summary>
    public bool Reached { get; }
}
