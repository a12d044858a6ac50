using System.Security.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// HKDF (RFC 5869): extract-then-expand key derivation over <see cref="HashFunction"/>, in the
/// shapes of the BCL's <c>HKDF</c>, plus derivation straight into key objects so that derived
/// secrets never pass through an array the caller must remember to zero.
/// </summary>
/// <remarks>
/// An empty <c>salt</c> means a salt of <c>HashLen</c> zero bytes (RFC 5869 §2.2). Output
/// longer than 255 × <c>HashLen</c> is refused with <see cref="ArgumentException"/>, as the RFC
/// requires.
/// </remarks>
public static class Hkdf
{
    /// <summary>HKDF-Extract: writes the pseudorandom key <c>PRK = HMAC(salt, ikm)</c> into <paramref name="prk"/>.</summary>
    /// <returns>The number of bytes written, <see cref="HashFunction.HashSizeInBytes"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="hash"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="prk"/> is too small.</exception>
    public static int Extract(HashFunction hash, ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, Span<byte> prk)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (prk.Length < hash.HashSizeInBytes)
        {
            Error.ThrowDestinationTooSmall(nameof(prk), hash.HashSizeInBytes, prk.Length);
        }

        return ExtractCore(hash, ikm, salt, prk);
    }

    /// <summary>HKDF-Expand: fills <paramref name="output"/> from the pseudorandom key <paramref name="prk"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="hash"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="prk"/> is shorter than the hash, or <paramref name="output"/> is
    /// empty or longer than 255 × <see cref="HashFunction.HashSizeInBytes"/>.</exception>
    public static void Expand(HashFunction hash, ReadOnlySpan<byte> prk, Span<byte> output, ReadOnlySpan<byte> info = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (prk.Length < hash.HashSizeInBytes)
        {
            throw Error.TooShort(nameof(prk), "pseudorandom key", hash.HashSizeInBytes, prk.Length);
        }

        CheckOutputLength(hash, output.Length);
        HKDF.Expand(hash.HashAlgorithmName, prk, output, info);
    }

    /// <summary>HKDF-Extract then HKDF-Expand into <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="hash"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="output"/> is empty or longer than 255 × <see cref="HashFunction.HashSizeInBytes"/>.</exception>
    public static void DeriveKey(HashFunction hash, ReadOnlySpan<byte> ikm, Span<byte> output, ReadOnlySpan<byte> salt = default, ReadOnlySpan<byte> info = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        CheckOutputLength(hash, output.Length);
        DeriveCore(hash, ikm, output, salt, info);
    }

    /// <summary>HKDF-Extract then HKDF-Expand, returning <paramref name="outputLength"/> new bytes.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="hash"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="outputLength"/> is not positive or exceeds 255 × <see cref="HashFunction.HashSizeInBytes"/>.</exception>
    public static byte[] DeriveKey(HashFunction hash, ReadOnlySpan<byte> ikm, int outputLength, ReadOnlySpan<byte> salt = default, ReadOnlySpan<byte> info = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        CheckOutputLength(hash, outputLength, nameof(outputLength));
        byte[] output = new byte[outputLength];
        DeriveCore(hash, ikm, output, salt, info);
        return output;
    }

    /// <summary>Derives an <see cref="AeadKey"/> for <paramref name="algorithm"/> with HKDF.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="hash"/> or <paramref name="algorithm"/> is <see langword="null"/>.</exception>
    public static AeadKey DeriveAeadKey(HashFunction hash, ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, AeadAlgorithm algorithm, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        Span<byte> key = stackalloc byte[algorithm.KeySizeInBytes];
        try
        {
            DeriveKey(hash, ikm, key, salt, info);
            return AeadKey.Import(algorithm, key, exportPolicy);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Derives a <see cref="MacKey"/> of <see cref="MacAlgorithm.KeySizeInBytes"/> with HKDF.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="hash"/> or <paramref name="algorithm"/> is <see langword="null"/>.</exception>
    public static MacKey DeriveMacKey(HashFunction hash, ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, MacAlgorithm algorithm, KeyExportPolicy exportPolicy = KeyExportPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        Span<byte> key = stackalloc byte[algorithm.KeySizeInBytes];
        try
        {
            DeriveKey(hash, ikm, key, salt, info);
            return MacKey.Import(algorithm, key, exportPolicy);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static void DeriveCore(HashFunction hash, ReadOnlySpan<byte> ikm, Span<byte> output, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info)
    {
        if (!ikm.IsEmpty)
        {
            HKDF.DeriveKey(hash.HashAlgorithmName, ikm, output, salt, info);
            return;
        }

        Span<byte> prk = stackalloc byte[hash.HashSizeInBytes];
        ExtractCore(hash, ikm, salt, prk);
        HKDF.Expand(hash.HashAlgorithmName, prk, output, info);
        CryptographicOperations.ZeroMemory(prk);
    }

    /// <summary>
    /// HKDF-Extract is HMAC(salt, ikm). The BCL's OpenSSL-backed HKDF refuses an empty ikm, which
    /// RFC 5869 allows (Noise's Split uses one), so that case is computed as the HMAC itself. An
    /// empty salt is the same HMAC key as HashLen zero bytes: HMAC pads short keys with zeros.
    /// </summary>
    private static int ExtractCore(HashFunction hash, ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, Span<byte> prk)
    {
        if (!ikm.IsEmpty)
        {
            return HKDF.Extract(hash.HashAlgorithmName, ikm, salt, prk);
        }

        return hash.HashSizeInBytes switch
        {
            32 => HMACSHA256.HashData(salt, ikm, prk),
            48 => HMACSHA384.HashData(salt, ikm, prk),
            _ => HMACSHA512.HashData(salt, ikm, prk),
        };
    }

    private static void CheckOutputLength(HashFunction hash, int length, string paramName = "output")
    {
        int maximum = 255 * hash.HashSizeInBytes;
        if (length <= 0)
        {
            throw new ArgumentException("The HKDF output must be at least 1 byte long.", paramName);
        }

        if (length > maximum)
        {
            throw Error.TooLong(paramName, "HKDF output (255 × HashLen)", maximum, length);
        }
    }
}
