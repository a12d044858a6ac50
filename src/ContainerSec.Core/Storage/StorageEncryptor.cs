using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using ContainerSec.Cryptography;
using ContainerSec.Internal;
using ContainerSec.KeyManagement;

namespace ContainerSec.Storage;

/// <summary>
/// Seals and opens storage records with one named key of a <see cref="KeyRing"/>: the caller
/// passes plaintext and a context (tenant, namespace, object path — whatever identifies the
/// record); the encryptor picks the active version (reserving its usage budget first), generates
/// the nonce and writes a self-describing envelope (<see cref="Envelope"/>). The header and the
/// context are authenticated as associated data.
/// </summary>
/// <remarks>
/// <para>Errors when opening, all derived from <see cref="CryptographicException"/>:
/// <see cref="InvalidEnvelopeException"/> (truncated, not a record, unknown format or algorithm),
/// <see cref="KeyUnavailableException"/> with a <see cref="KeyUnavailableReason"/> (unknown key id,
/// destroyed, disabled, below the minimum decryption version), <see cref="ContextMismatchException"/>
/// (opened under another context), and <see cref="AuthenticationTagMismatchException"/> (any other
/// change: the destination is zeroed, as the BCL does).</para>
/// <para>Records sealed with any key of the ring can be opened: the key id in the header decides.
/// Thread-safe; the span forms allocate nothing.</para>
/// </remarks>
public sealed class StorageEncryptor
{
    private const int StackContextLimit = 256;

    private readonly KeyRing _ring;
    private readonly ManagedKey _key;

    /// <summary>Creates an encryptor that seals with key <paramref name="keyName"/> of <paramref name="ring"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="KeyNotFoundException">The ring has no key of that name.</exception>
    public StorageEncryptor(KeyRing ring, string keyName)
    {
        ArgumentNullException.ThrowIfNull(ring);
        _ring = ring;
        _key = ring.GetKey(keyName);
    }

    /// <summary>The ring the encryptor uses.</summary>
    public KeyRing KeyRing => _ring;

    /// <summary>The key that seals.</summary>
    public string KeyName => _key.Name;

    /// <summary>Seals <paramref name="plaintext"/> under <paramref name="context"/> and returns the record.</summary>
    /// <exception cref="ArgumentException">The plaintext is longer than <see cref="Envelope.MaxPlaintextLength"/> or than the key's per-version byte limit.</exception>
    /// <exception cref="KeyUsageLimitExceededException">The key is static and its active version reached a limit.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> context)
    {
        byte[] destination = new byte[SealedSize(plaintext.Length)];
        SealCore(plaintext, context, destination);
        return destination;
    }

    /// <summary>Seals into <paramref name="destination"/>, which needs <see cref="Envelope.GetSealedSize"/> bytes.</summary>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException">The plaintext is too long, <paramref name="destination"/> is too small, or they overlap other than plaintext = the ciphertext area exactly.</exception>
    /// <exception cref="KeyUsageLimitExceededException">The key is static and its active version reached a limit.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    [OverloadResolutionPriority(1)]
    public int Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> context, Span<byte> destination)
    {
        int size = SealedSize(plaintext.Length);
        if (destination.Length < size)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), size, destination.Length);
        }

        SealCore(plaintext, context, destination[..size]);
        return size;
    }

    /// <summary>Seals into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small (no budget is used then).</returns>
    /// <exception cref="ArgumentException">The plaintext is too long, or the buffers overlap.</exception>
    /// <exception cref="KeyUsageLimitExceededException">The key is static and its active version reached a limit.</exception>
    /// <exception cref="ObjectDisposedException">The ring was disposed.</exception>
    public bool TrySeal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> context, Span<byte> destination, out int bytesWritten)
    {
        int size = SealedSize(plaintext.Length);
        if (destination.Length < size)
        {
            bytesWritten = 0;
            return false;
        }

        SealCore(plaintext, context, destination[..size]);
        bytesWritten = size;
        return true;
    }

    /// <summary>Opens a record sealed under <paramref name="context"/> and returns the plaintext.</summary>
    /// <exception cref="InvalidEnvelopeException">The record is truncated or not a format-1 record.</exception>
    /// <exception cref="KeyUnavailableException">Its key version is unknown, destroyed, disabled or below the minimum.</exception>
    /// <exception cref="ContextMismatchException">It was sealed under another context.</exception>
    /// <exception cref="AuthenticationTagMismatchException">It was changed.</exception>
    public byte[] Open(ReadOnlySpan<byte> source, ReadOnlySpan<byte> context)
    {
        KeyVersion version = Resolve(source, context);
        byte[] destination = new byte[source.Length - Envelope.Overhead];
        OpenCore(version, source, context, destination);
        return destination;
    }

    /// <summary>Opens a record into <paramref name="destination"/>, which needs <see cref="Envelope.GetPlaintextSize"/> bytes.</summary>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="InvalidEnvelopeException">The record is truncated or not a format-1 record.</exception>
    /// <exception cref="KeyUnavailableException">Its key version is unknown, destroyed, disabled or below the minimum.</exception>
    /// <exception cref="ContextMismatchException">It was sealed under another context.</exception>
    /// <exception cref="AuthenticationTagMismatchException">It was changed; the destination is zeroed.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small or partly overlaps the record.</exception>
    [OverloadResolutionPriority(1)]
    public int Open(ReadOnlySpan<byte> source, ReadOnlySpan<byte> context, Span<byte> destination)
    {
        KeyVersion version = Resolve(source, context);
        int size = source.Length - Envelope.Overhead;
        if (destination.Length < size)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), size, destination.Length);
        }

        OpenCore(version, source, context, destination[..size]);
        return size;
    }

    /// <summary>Opens into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small; every other failure throws as <see cref="Open(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>.</returns>
    /// <exception cref="InvalidEnvelopeException">The record is truncated or not a format-1 record.</exception>
    /// <exception cref="KeyUnavailableException">Its key version is unknown, destroyed, disabled or below the minimum.</exception>
    /// <exception cref="ContextMismatchException">It was sealed under another context.</exception>
    /// <exception cref="AuthenticationTagMismatchException">It was changed; the destination is zeroed.</exception>
    public bool TryOpen(ReadOnlySpan<byte> source, ReadOnlySpan<byte> context, Span<byte> destination, out int bytesWritten)
    {
        KeyVersion version = Resolve(source, context);
        int size = source.Length - Envelope.Overhead;
        if (destination.Length < size)
        {
            bytesWritten = 0;
            return false;
        }

        OpenCore(version, source, context, destination[..size]);
        bytesWritten = size;
        return true;
    }

    /// <summary>Whether a record was sealed with a version other than the key's active one.</summary>
    /// <exception cref="InvalidEnvelopeException">The record is truncated or not a format-1 record.</exception>
    public bool NeedsRewrap(ReadOnlySpan<byte> source) => Envelope.GetKeyId(source) != _ring.GetActiveVersion(_key.Name).KeyId;

    /// <summary>
    /// Opens a record and seals its plaintext again under the active version and the same context,
    /// without handing the plaintext to the caller (it lives in a pooled buffer that is zeroed).
    /// </summary>
    /// <exception cref="InvalidEnvelopeException">The record is truncated or not a format-1 record.</exception>
    /// <exception cref="KeyUnavailableException">Its key version is unknown, destroyed, disabled or below the minimum.</exception>
    /// <exception cref="ContextMismatchException">It was sealed under another context.</exception>
    /// <exception cref="AuthenticationTagMismatchException">It was changed.</exception>
    /// <exception cref="KeyUsageLimitExceededException">The key is static and its active version reached a limit.</exception>
    public byte[] Rewrap(ReadOnlySpan<byte> source, ReadOnlySpan<byte> context)
    {
        byte[] destination = new byte[Math.Max(source.Length, Envelope.Overhead)];
        int written = Rewrap(source, context, destination);
        return written == destination.Length ? destination : destination[..written];
    }

    /// <summary>Rewraps into <paramref name="destination"/> (the record's own length); see <see cref="Rewrap(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>.</summary>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small or overlaps the record.</exception>
    /// <exception cref="InvalidEnvelopeException">The record is truncated or not a format-1 record.</exception>
    /// <exception cref="KeyUnavailableException">Its key version is unknown, destroyed, disabled or below the minimum.</exception>
    /// <exception cref="ContextMismatchException">It was sealed under another context.</exception>
    /// <exception cref="AuthenticationTagMismatchException">It was changed.</exception>
    /// <exception cref="KeyUsageLimitExceededException">The key is static and its active version reached a limit.</exception>
    public int Rewrap(ReadOnlySpan<byte> source, ReadOnlySpan<byte> context, Span<byte> destination)
    {
        KeyVersion version = Resolve(source, context);
        int size = source.Length - Envelope.Overhead;
        if (destination.Length < source.Length)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), source.Length, destination.Length);
        }

        if (source.Overlaps(destination))
        {
            Error.ThrowOverlap(nameof(destination));
        }

        byte[] plaintext = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            OpenCore(version, source, context, plaintext.AsSpan(0, size));
            SealCore(plaintext.AsSpan(0, size), context, destination[..source.Length]);
            return source.Length;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext.AsSpan(0, size));
            ArrayPool<byte>.Shared.Return(plaintext);
        }
    }

    private static int SealedSize(int plaintextLength)
    {
        if (plaintextLength > Envelope.MaxPlaintextLength)
        {
            throw Error.TooLong("plaintext", "plaintext", Envelope.MaxPlaintextLength, plaintextLength);
        }

        return plaintextLength + Envelope.Overhead;
    }

    private void SealCore(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> context, Span<byte> destination)
    {
        Span<byte> header = destination[..Envelope.HeaderSize];
        Span<byte> body = destination[Envelope.HeaderSize..];
        if (plaintext.Overlaps(header))
        {
            Error.ThrowOverlap(nameof(destination));
        }

        Error.ThrowIfPartialOverlap(plaintext, body, nameof(destination));
        if (plaintext.Length > _key.Policy.MaxBytes)
        {
            throw Error.TooLong(nameof(plaintext), $"plaintext for key '{_key.Name}' (its per-version byte limit)", _key.Policy.MaxBytes, plaintext.Length);
        }

        KeyVersion version = _ring.ReserveEncryption(_key, plaintext.Length);
        Envelope.WriteCommonHeader(header, Envelope.FormatVersion, version, context);
        Span<byte> nonce = stackalloc byte[AeadAlgorithm.NonceSize];
        RandomNumberGenerator.Fill(nonce);
        nonce.CopyTo(header[Envelope.NonceOffset..]);

        Span<byte> stack = stackalloc byte[Envelope.HeaderSize + StackContextLimit];
        Span<byte> ad = AssociatedData(header, context, stack, out byte[]? rented);
        try
        {
            version.AeadKey.Encrypt(nonce, plaintext, body, ad);
        }
        finally
        {
            Return(rented);
        }
    }

    private KeyVersion Resolve(ReadOnlySpan<byte> source, ReadOnlySpan<byte> context) =>
        Envelope.Resolve(_ring, source, context, Envelope.FormatVersion, Envelope.Overhead);

    private static void OpenCore(KeyVersion version, ReadOnlySpan<byte> source, ReadOnlySpan<byte> context, Span<byte> destination)
    {
        ReadOnlySpan<byte> header = source[..Envelope.HeaderSize];
        ReadOnlySpan<byte> body = source[Envelope.HeaderSize..];
        ReadOnlySpan<byte> nonce = header.Slice(Envelope.NonceOffset, AeadAlgorithm.NonceSize);
        Span<byte> stack = stackalloc byte[Envelope.HeaderSize + StackContextLimit];
        Span<byte> ad = AssociatedData(header, context, stack, out byte[]? rented);
        try
        {
            version.AeadKey.Decrypt(nonce, body, destination, ad);
        }
        finally
        {
            Return(rented);
        }
    }

    /// <summary>Builds <c>header ‖ context</c> in <paramref name="stack"/> when it fits, else in a pooled array the caller returns.</summary>
    private static Span<byte> AssociatedData(ReadOnlySpan<byte> header, ReadOnlySpan<byte> context, Span<byte> stack, out byte[]? rented)
    {
        int length = header.Length + context.Length;
        Span<byte> ad;
        if (length <= stack.Length)
        {
            rented = null;
            ad = stack[..length];
        }
        else
        {
            rented = ArrayPool<byte>.Shared.Rent(length);
            ad = rented.AsSpan(0, length);
        }

        header.CopyTo(ad);
        context.CopyTo(ad[header.Length..]);
        return ad;
    }

    private static void Return(byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
