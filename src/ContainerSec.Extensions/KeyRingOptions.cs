using ContainerSec.KeyManagement;
using Microsoft.Extensions.Options;

namespace ContainerSec.Extensions;

/// <summary>Settings for the key ring registered by <see cref="ContainerSecServiceCollectionExtensions.AddContainerSecStorage"/>.</summary>
public sealed class KeyRingOptions
{
    /// <summary>The key that seals (created as a dynamic key when missing). Required.</summary>
    public string KeyName { get; set; } = "default";

    /// <summary>A <see cref="FileKeyStore"/> path; <see langword="null"/> keeps the ring in memory only.</summary>
    public string? StorePath { get; set; }

    /// <summary>The environment variable that holds the store passphrase (the passphrase itself is never an option, so it never lands in configuration dumps).</summary>
    public string PassphraseEnvironmentVariable { get; set; } = "CONTAINERSEC_KEYSTORE_PASSPHRASE";

    /// <summary>Encryptions per version (1 to 2^32; default 2^30).</summary>
    public long MaxOperations { get; set; } = RotationPolicy.DefaultMaxOperations;

    /// <summary>Plaintext bytes per version (default 2^40).</summary>
    public long MaxBytes { get; set; } = RotationPolicy.DefaultMaxBytes;

    /// <summary>How long a version stays active (default 90 days).</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(90);

    /// <summary>The fraction of a limit at which the health check reports Degraded and the ring warns (default 0.9).</summary>
    public double WarningThreshold { get; set; } = 0.9;

    internal RotationPolicy ToPolicy() => new(MaxOperations, MaxBytes, MaxAge, WarningThreshold);
}

/// <summary>Validates <see cref="KeyRingOptions"/>; registered with <c>ValidateOnStart</c>.</summary>
internal sealed class KeyRingOptionsValidator : IValidateOptions<KeyRingOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyRingOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.KeyName))
        {
            failures.Add("KeyName is required.");
        }

        if (options.MaxOperations is < 1 or > RotationPolicy.OperationsBound)
        {
            failures.Add($"MaxOperations must be 1 to 2^32 (the AES-GCM random-nonce bound); {options.MaxOperations} was given.");
        }

        if (options.MaxBytes < 1)
        {
            failures.Add("MaxBytes must be at least 1.");
        }

        if (options.MaxAge <= TimeSpan.Zero)
        {
            failures.Add("MaxAge must be positive.");
        }

        if (!(options.WarningThreshold > 0 && options.WarningThreshold <= 1))
        {
            failures.Add("WarningThreshold must be above 0 and at most 1.");
        }

        if (options.StorePath is not null && string.IsNullOrWhiteSpace(options.PassphraseEnvironmentVariable))
        {
            failures.Add("PassphraseEnvironmentVariable is required with a StorePath.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
