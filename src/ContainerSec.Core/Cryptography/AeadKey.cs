using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// A secret key for an <see cref="AeadAlgorithm"/>, with the encrypt and decrypt operations.
/// </summary>
/// <remarks>
/// <para>The key bytes live in pinned memory that is zeroed on <see cref="Dispose"/>; they are
/// never shown by <see cref="ToString"/> or the debugger, and can be exported only when the key
/// was created with <see cref="KeyExportPolicy.AllowPlaintextExport"/>.</para>
/// <para>The native AES-GCM context is created once and reused across calls. Instances are
/// thread-safe: concurrent calls each get a context of their own.</para>
/// <para>Combined forms write and read <c>ciphertext ‖ tag</c>; the <c>…Detached</c> forms keep
/// the tag apart, as the BCL's <c>AesGcm</c> does. A call with a <c>byte[]</c> third argument binds
/// to the span-destination form (<c>int Encrypt(nonce, plaintext, destination)</c>); pass
/// associated data by name (<c>associatedData: ad</c>) or as a <c>ReadOnlySpan&lt;byte&gt;</c>
/// to the allocating form. The caller owns nonce uniqueness here: never
/// encrypt twice under one key with the same nonce. With random nonces, stay under 2^32
/// messages per key; the storage layer generates nonces and enforces that bound for you.</para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class AeadKey : IDisposable
{
    private readonly SecretBytes _key;
    private readonly ContextPool<AesGcm> _contexts;

    private AeadKey(AeadAlgorithm algorithm, SecretBytes key, KeyExportPolicy exportPolicy)
    {
        Algorithm = algorithm;
        ExportPolicy = exportPolicy;
        _key = key;
        _contexts = new ContextPool<AesGcm>(key, static bytes => new AesGcm(bytes, AeadAlgorithm.TagSize));
    }

    /// <summary>The algorithm this key is for.</summary>
    public AeadAlgorithm Algorithm { get; }

    /// <summary>Whether the key's bytes can be exported.</summary>
    public KeyExportPolicy ExportPolicy { get; }

    /// <summary>Creates a new random key.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    public static AeadKey Generate(AeadAlgorithm algorithm, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return new AeadKey(algorithm, SecretBytes.Random(algorithm.KeySizeInBytes), exportPolicy);
    }

    /// <summary>Creates a key from its bytes. The bytes are copied; the caller should zero its copy.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="algorithm"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not <see cref="AeadAlgorithm.KeySizeInBytes"/> long.</exception>
    public static AeadKey Import(AeadAlgorithm algorithm, ReadOnlySpan<byte> key, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        if (key.Length != algorithm.KeySizeInBytes)
        {
            Error.ThrowWrongSize(nameof(key), $"{algorithm.Name} key", algorithm.KeySizeInBytes, key.Length);
        }

        return new AeadKey(algorithm, SecretBytes.Copy(key), exportPolicy);
    }

    /// <summary>Copies the key bytes into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, <see cref="AeadAlgorithm.KeySizeInBytes"/>.</returns>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public int Export(Span<byte> destination)
    {
        return _key.Export(ExportPolicy, this, destination);
    }

    /// <summary>Returns a copy of the key bytes. The caller owns and should zero the copy.</summary>
    /// <exception cref="InvalidOperationException">The key was not created exportable.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] Export()
    {
        return _key.Export(ExportPolicy, this);
    }

    /// <summary>Encrypts <paramref name="plaintext"/> and returns <c>ciphertext ‖ tag</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 12 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        byte[] destination = new byte[Algorithm.GetCiphertextSize(plaintext.Length)];
        EncryptCore(nonce, plaintext, destination, associatedData);
        return destination;
    }

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="destination"/> as <c>ciphertext ‖ tag</c>.</summary>
    /// <returns>The number of bytes written: the plaintext length plus 16.</returns>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 12 bytes, <paramref name="destination"/> is
    /// too small, or it overlaps <paramref name="plaintext"/> other than exactly (in place).</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    [OverloadResolutionPriority(1)]
    public int Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData = default)
    {
        int size = Algorithm.GetCiphertextSize(plaintext.Length);
        if (destination.Length < size)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), size, destination.Length);
        }

        EncryptCore(nonce, plaintext, destination, associatedData);
        return size;
    }

    /// <summary>Encrypts into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small.</returns>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 12 bytes, or the buffers partly overlap.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public bool TryEncrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> destination, out int bytesWritten, ReadOnlySpan<byte> associatedData = default)
    {
        int size = Algorithm.GetCiphertextSize(plaintext.Length);
        if (destination.Length < size)
        {
            bytesWritten = 0;
            return false;
        }

        EncryptCore(nonce, plaintext, destination, associatedData);
        bytesWritten = size;
        return true;
    }

    /// <summary>Decrypts <c>ciphertext ‖ tag</c> and returns the plaintext.</summary>
    /// <exception cref="AuthenticationTagMismatchException">The data, nonce, associated data or key do not match the tag.</exception>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 12 bytes, or <paramref name="ciphertext"/> is shorter than a tag.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData = default)
    {
        byte[] destination = new byte[PlaintextSize(ciphertext)];
        DecryptCore(nonce, ciphertext, destination, associatedData);
        return destination;
    }

    /// <summary>Decrypts <c>ciphertext ‖ tag</c> into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written: the ciphertext length minus 16.</returns>
    /// <exception cref="AuthenticationTagMismatchException">Authentication failed; the plaintext-sized start of <paramref name="destination"/> is zeroed.</exception>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 12 bytes, <paramref name="ciphertext"/> is shorter
    /// than a tag, <paramref name="destination"/> is too small, or the buffers partly overlap.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    [OverloadResolutionPriority(1)]
    public int Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData = default)
    {
        int size = PlaintextSize(ciphertext);
        if (destination.Length < size)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), size, destination.Length);
        }

        DecryptCore(nonce, ciphertext, destination, associatedData);
        return size;
    }

    /// <summary>Decrypts into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small; authentication failure throws.</returns>
    /// <exception cref="AuthenticationTagMismatchException">Authentication failed; the plaintext-sized start of <paramref name="destination"/> is zeroed.</exception>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 12 bytes, <paramref name="ciphertext"/> is shorter
    /// than a tag, or the buffers partly overlap.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, Span<byte> destination, out int bytesWritten, ReadOnlySpan<byte> associatedData = default)
    {
        int size = PlaintextSize(ciphertext);
        if (destination.Length < size)
        {
            bytesWritten = 0;
            return false;
        }

        DecryptCore(nonce, ciphertext, destination, associatedData);
        bytesWritten = size;
        return true;
    }

    /// <summary>Encrypts with the tag kept apart, in the shape of the BCL's <c>AesGcm.Encrypt</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 12 bytes, <paramref name="tag"/> is not 16 bytes,
    /// <paramref name="ciphertext"/> is not the plaintext's length, or buffers partly overlap.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public void EncryptDetached(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData = default)
    {
        CheckNonce(nonce);
        CheckTag(tag);
        if (ciphertext.Length != plaintext.Length)
        {
            Error.ThrowWrongSize(nameof(ciphertext), "ciphertext (the plaintext's length)", plaintext.Length, ciphertext.Length);
        }

        Error.ThrowIfPartialOverlap(plaintext, ciphertext, nameof(ciphertext));
        Error.ThrowIfPartialOverlap(plaintext, tag, nameof(tag));
        if (ciphertext.Overlaps(tag))
        {
            Error.ThrowOverlap(nameof(tag));
        }
        RunEncrypt(nonce, plaintext, ciphertext, tag, associatedData);
    }

    /// <summary>Decrypts with the tag kept apart, in the shape of the BCL's <c>AesGcm.Decrypt</c>.</summary>
    /// <exception cref="AuthenticationTagMismatchException">Authentication failed; <paramref name="plaintext"/> is zeroed.</exception>
    /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 12 bytes, <paramref name="tag"/> is not 16 bytes,
    /// <paramref name="plaintext"/> is not the ciphertext's length, or buffers partly overlap.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public void DecryptDetached(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        CheckNonce(nonce);
        CheckTag(tag);
        if (plaintext.Length != ciphertext.Length)
        {
            Error.ThrowWrongSize(nameof(plaintext), "plaintext (the ciphertext's length)", ciphertext.Length, plaintext.Length);
        }

        Error.ThrowIfPartialOverlap(ciphertext, plaintext, nameof(plaintext));
        Error.ThrowIfPartialOverlap(tag, plaintext, nameof(plaintext));
        RunDecrypt(nonce, ciphertext, tag, plaintext, associatedData);
    }

    /// <summary>Zeroes the key bytes and releases the native context. Idempotent.</summary>
    public void Dispose()
    {
        _key.Dispose();
        _contexts.Dispose();
    }

    /// <summary>Names the algorithm only; key bytes are never shown.</summary>
    public override string ToString() => $"AeadKey({Algorithm.Name})";

    private void EncryptCore(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        CheckNonce(nonce);
        Span<byte> ciphertext = destination[..plaintext.Length];
        Span<byte> tag = destination.Slice(plaintext.Length, AeadAlgorithm.TagSize);
        Error.ThrowIfPartialOverlap(plaintext, ciphertext, nameof(destination));
        Error.ThrowIfPartialOverlap(plaintext, tag, nameof(destination));
        RunEncrypt(nonce, plaintext, ciphertext, tag, associatedData);
    }

    private void DecryptCore(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> source, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        CheckNonce(nonce);
        int length = source.Length - AeadAlgorithm.TagSize;
        ReadOnlySpan<byte> ciphertext = source[..length];
        ReadOnlySpan<byte> tag = source[length..];
        Span<byte> plaintext = destination[..length];
        Error.ThrowIfPartialOverlap(ciphertext, plaintext, nameof(destination));
        Error.ThrowIfPartialOverlap(tag, plaintext, nameof(destination));
        RunDecrypt(nonce, ciphertext, tag, plaintext, associatedData);
    }

    private void RunEncrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        AesGcm context = _contexts.Rent(this);
        try
        {
            context.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        }
        finally
        {
            _contexts.Return(context);
        }
    }

    private void RunDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        AesGcm context = _contexts.Rent(this);
        try
        {
            // AesGcm zeroes the plaintext before it throws AuthenticationTagMismatchException.
            context.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
        }
        finally
        {
            // A failed decryption leaves the context reusable: each call is independent.
            _contexts.Return(context);
        }
    }

    private static int PlaintextSize(ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length < AeadAlgorithm.TagSize)
        {
            throw Error.TooShort(nameof(ciphertext), "ciphertext (ciphertext ‖ tag)", AeadAlgorithm.TagSize, ciphertext.Length);
        }

        return ciphertext.Length - AeadAlgorithm.TagSize;
    }

    private static void CheckNonce(ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != AeadAlgorithm.NonceSize)
        {
            Error.ThrowWrongSize(nameof(nonce), "nonce", AeadAlgorithm.NonceSize, nonce.Length);
        }
    }

    private static void CheckTag(ReadOnlySpan<byte> tag)
    {
        if (tag.Length != AeadAlgorithm.TagSize)
        {
            Error.ThrowWrongSize(nameof(tag), "tag", AeadAlgorithm.TagSize, tag.Length);
        }
    }
}
