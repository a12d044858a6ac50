using System.Diagnostics.CodeAnalysis;

namespace ContainerSec.Internal;

/// <summary>
/// The one place that words exceptions, so every message has the same shape and none of them
/// ever carries key material or plaintext: only sizes, names and what to do instead.
/// </summary>
internal static class Error
{
    public static ArgumentException WrongSize(string paramName, string what, int expected, int actual) =>
        new($"The {what} must be exactly {expected} bytes; {actual} bytes were given.", paramName);

    public static ArgumentException TooShort(string paramName, string what, int minimum, int actual) =>
        new($"The {what} must be at least {minimum} bytes; {actual} bytes were given.", paramName);

    public static ArgumentException TooLong(string paramName, string what, long maximum, long actual) =>
        new($"The {what} must be at most {maximum} bytes; {actual} bytes were given.", paramName);

    public static ArgumentException StreamTooLong(string paramName, string what, long maximum) =>
        new($"The {what} must be at most {maximum} bytes; the stream holds more.", paramName);

    public static ArgumentException DestinationTooSmall(string paramName, int required, int actual) =>
        new($"The destination is too small: {required} bytes are needed, {actual} were given.", paramName);

    public static ArgumentException Overlap(string paramName) =>
        new("The destination overlaps the input. Use the same buffer exactly (in place) or buffers that do not overlap.", paramName);

    public static InvalidOperationException NotExportable(string keyType) =>
        new($"This {keyType} was not created with KeyExportPolicy.AllowPlaintextExport; its bytes cannot be exported.");

    /// <summary>Key bytes from outside (a peer, a file) that are not a valid key of the algorithm.</summary>
    public static System.Security.Cryptography.CryptographicException InvalidKey(string algorithm, string what, string reason, Exception? inner = null) =>
        new($"The {what} is not a valid {algorithm} key: {reason}.", inner);

    public static ArgumentException AlgorithmMismatch(string paramName, string expected, string actual) =>
        new($"The key is for {actual}, but {expected} is required.", paramName);

    [DoesNotReturn]
    public static void ThrowWrongSize(string paramName, string what, int expected, int actual) =>
        throw WrongSize(paramName, what, expected, actual);

    [DoesNotReturn]
    public static void ThrowDestinationTooSmall(string paramName, int required, int actual) =>
        throw DestinationTooSmall(paramName, required, actual);

    [DoesNotReturn]
    public static void ThrowOverlap(string paramName) => throw Overlap(paramName);

    /// <summary>
    /// Refuses partial overlap of an input and an output. Exact aliasing (in-place operation) is
    /// allowed because the underlying primitives support it; a shifted overlap would read bytes
    /// the operation already overwrote.
    /// </summary>
    public static void ThrowIfPartialOverlap(ReadOnlySpan<byte> input, ReadOnlySpan<byte> output, string paramName)
    {
        if (input.Overlaps(output, out int offset) && offset != 0)
        {
            ThrowOverlap(paramName);
        }
    }
}
