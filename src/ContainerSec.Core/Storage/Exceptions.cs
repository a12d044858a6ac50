using System.Security.Cryptography;

namespace ContainerSec.Storage;

/// <summary>
/// The bytes are not a sealed record this library can read: too short (truncated), wrong magic,
/// an unknown format version or algorithm, or an algorithm that does not match the key version.
/// Thrown before any key is used. Derives from <see cref="CryptographicException"/>.
/// </summary>
public sealed class InvalidEnvelopeException : CryptographicException
{
    /// <summary>Creates the exception.</summary>
    public InvalidEnvelopeException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public InvalidEnvelopeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public InvalidEnvelopeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The record was sealed under a different context (tenant, namespace, path…) than the one given
/// to open it: its keyed context fingerprint does not match. A record moved from one place to
/// another fails with this exception, before decryption. Derives from <see cref="CryptographicException"/>.
/// </summary>
public sealed class ContextMismatchException : CryptographicException
{
    /// <summary>Creates the exception.</summary>
    public ContextMismatchException()
        : base("The record was sealed under a different context than the one given to open it.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ContextMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public ContextMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
