namespace ContainerSec.KeyManagement;

/// <summary>
/// When a key version must stop encrypting: after <see cref="MaxOperations"/> encryptions, after
/// <see cref="MaxBytes"/> bytes of plaintext, or <see cref="MaxAge"/> after it became active,
/// whichever comes first. Immutable.
/// </summary>
/// <remarks>
/// The defaults keep AES-GCM with random 96-bit nonces well inside its bound: NIST SP 800-38D
/// allows 2^32 random-nonce encryptions per key; 2^30 keeps the probability of a nonce collision
/// below 2^-35. <see cref="MaxOperations"/> may not exceed 2^32.
/// </remarks>
public sealed class RotationPolicy
{
    /// <summary>The largest allowed <see cref="MaxOperations"/>: 2^32, the random-nonce bound of AES-GCM.</summary>
    public const long OperationsBound = 1L << 32;

    /// <summary>Default <see cref="MaxOperations"/>: 2^30.</summary>
    public const long DefaultMaxOperations = 1L << 30;

    /// <summary>Default <see cref="MaxBytes"/>: 2^40 bytes (1 TiB).</summary>
    public const long DefaultMaxBytes = 1L << 40;

    /// <summary>Creates a policy.</summary>
    /// <param name="maxOperations">Encryptions per version, 1 to 2^32.</param>
    /// <param name="maxBytes">Plaintext bytes per version, at least 1.</param>
    /// <param name="maxAge">How long a version stays active; <see langword="null"/> for no age limit.</param>
    /// <param name="warningThreshold">The fraction of a limit (above 0, at most 1) at which <see cref="KeyRing.UsageWarning"/> fires.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range.</exception>
    public RotationPolicy(long maxOperations = DefaultMaxOperations, long maxBytes = DefaultMaxBytes, TimeSpan? maxAge = null, double warningThreshold = 0.9)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOperations, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxOperations, OperationsBound);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        if (maxAge is { } age)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(age, TimeSpan.Zero, nameof(maxAge));
        }

        if (!(warningThreshold > 0 && warningThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(warningThreshold), warningThreshold, "The warning threshold is a fraction above 0 and at most 1.");
        }

        MaxOperations = maxOperations;
        MaxBytes = maxBytes;
        MaxAge = maxAge;
        WarningThreshold = warningThreshold;
    }

    /// <summary>The default policy: 2^30 operations, 1 TiB, 90 days, warning at 90 %.</summary>
    public static RotationPolicy Default { get; } = new(maxAge: TimeSpan.FromDays(90));

    /// <summary>Encryptions per version.</summary>
    public long MaxOperations { get; }

    /// <summary>Plaintext bytes per version.</summary>
    public long MaxBytes { get; }

    /// <summary>How long a version stays active, or <see langword="null"/>.</summary>
    public TimeSpan? MaxAge { get; }

    /// <summary>The fraction of a limit at which a warning fires.</summary>
    public double WarningThreshold { get; }
}
