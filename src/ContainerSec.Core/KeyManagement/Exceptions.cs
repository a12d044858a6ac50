using System.Security.Cryptography;

namespace ContainerSec.KeyManagement;

/// <summary>
/// A record names a key version that cannot open it: unknown id, destroyed, disabled, or below the
/// minimum decryption version (<see cref="Reason"/>). Derives from <see cref="CryptographicException"/>
/// so that one <c>catch</c> covers every refusal to open.
/// </summary>
public sealed class KeyUnavailableException : CryptographicException
{
    /// <summary>Creates the exception.</summary>
    public KeyUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public KeyUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public KeyUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal KeyUnavailableException(KeyUnavailableReason reason, KeyId keyId, string message)
        : base(message)
    {
        Reason = reason;
        KeyId = keyId;
    }

    /// <summary>Why the version cannot be used.</summary>
    public KeyUnavailableReason Reason { get; }

    /// <summary>The key id the record names (ids are not secret).</summary>
    public KeyId KeyId { get; }
}

/// <summary>
/// A static key's active version reached a limit of its <see cref="RotationPolicy"/> and the ring
/// refused to encrypt with it again. Rotate the key by hand (<see cref="KeyRing.Rotate(string, ReadOnlySpan{byte})"/>).
/// Dynamic keys never throw this: they rotate first.
/// </summary>
public sealed class KeyUsageLimitExceededException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public KeyUsageLimitExceededException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public KeyUsageLimitExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public KeyUsageLimitExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal KeyUsageLimitExceededException(string keyName, int version, KeyUsageLimit limit)
        : base($"Version {version} of static key '{keyName}' reached its {limit} limit; rotate it by hand before encrypting again.")
    {
        Limit = limit;
    }

    /// <summary>Which limit was reached.</summary>
    public KeyUsageLimit Limit { get; }
}
