using System.Security.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// A message authentication code: HMAC-SHA-256, HMAC-SHA-384 or HMAC-SHA-512, with one-shot
/// operations in the shapes of the BCL's <c>HMACSHA256.HashData</c>.
/// </summary>
/// <remarks>
/// <para>Refused by design: keys shorter than <see cref="MinKeySizeInBytes"/> (16 bytes),
/// truncated tags (verification takes exactly <see cref="MacSizeInBytes"/>), HMAC-MD5 and
/// HMAC-SHA-1.</para>
/// <para>For many messages under one key, a <see cref="MacKey"/> is faster: it keeps the keyed
/// native state between calls instead of setting it up every time.</para>
/// </remarks>
public sealed class MacAlgorithm
{
    /// <summary>The shortest key accepted by every MAC: 16 bytes (128 bits).</summary>
    public const int MinKeySizeInBytes = 16;

    private MacAlgorithm(string name, HashFunction hash)
    {
        Name = name;
        HashFunction = hash;
    }

    /// <summary>HMAC with SHA-256 (RFC 2104), 32-byte tags.</summary>
    public static MacAlgorithm HmacSha256 { get; } = new("HMAC-SHA-256", HashFunction.Sha256);

    /// <summary>HMAC with SHA-384 (RFC 2104), 48-byte tags.</summary>
    public static MacAlgorithm HmacSha384 { get; } = new("HMAC-SHA-384", HashFunction.Sha384);

    /// <summary>HMAC with SHA-512 (RFC 2104), 64-byte tags.</summary>
    public static MacAlgorithm HmacSha512 { get; } = new("HMAC-SHA-512", HashFunction.Sha512);

    /// <summary>The standard name, such as <c>HMAC-SHA-256</c>.</summary>
    public string Name { get; }

    /// <summary>The hash function underneath.</summary>
    public HashFunction HashFunction { get; }

    /// <summary>The size of a tag in bytes; the only tag size accepted by verification.</summary>
    public int MacSizeInBytes => HashFunction.HashSizeInBytes;

    /// <summary>The size of keys made by <see cref="MacKey.Generate"/>: the hash size, as RFC 2104 recommends.</summary>
    public int KeySizeInBytes => HashFunction.HashSizeInBytes;

    /// <summary>Computes the MAC of <paramref name="source"/> under <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> is shorter than 16 bytes.</exception>
    public byte[] HashData(ReadOnlySpan<byte> key, ReadOnlySpan<byte> source)
    {
        CheckKey(key);
        byte[] mac = new byte[MacSizeInBytes];
        HashCore(key, source, mac);
        return mac;
    }

    /// <summary>Computes the MAC of <paramref name="source"/> into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, <see cref="MacSizeInBytes"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is shorter than 16 bytes, or <paramref name="destination"/> is too small.</exception>
    public int HashData(ReadOnlySpan<byte> key, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        CheckKey(key);
        if (destination.Length < MacSizeInBytes)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), MacSizeInBytes, destination.Length);
        }

        return HashCore(key, source, destination);
    }

    /// <summary>Computes the MAC into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is shorter than 16 bytes.</exception>
    public bool TryHashData(ReadOnlySpan<byte> key, ReadOnlySpan<byte> source, Span<byte> destination, out int bytesWritten)
    {
        CheckKey(key);
        if (destination.Length < MacSizeInBytes)
        {
            bytesWritten = 0;
            return false;
        }

        bytesWritten = HashCore(key, source, destination);
        return true;
    }

    /// <summary>Checks in fixed time that <paramref name="mac"/> is the MAC of <paramref name="source"/>.</summary>
    /// <returns>Whether the tag matches.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is shorter than 16 bytes, or <paramref name="mac"/> is not
    /// exactly <see cref="MacSizeInBytes"/> long (truncated tags are refused, never compared as a prefix).</exception>
    public bool Verify(ReadOnlySpan<byte> key, ReadOnlySpan<byte> source, ReadOnlySpan<byte> mac)
    {
        CheckKey(key);
        CheckMacSize(mac);
        Span<byte> computed = stackalloc byte[MacSizeInBytes];
        HashCore(key, source, computed);
        bool equal = CryptographicOperations.FixedTimeEquals(computed, mac);
        CryptographicOperations.ZeroMemory(computed);
        return equal;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    internal static void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinKeySizeInBytes)
        {
            throw Error.TooShort(nameof(key), "MAC key", MinKeySizeInBytes, key.Length);
        }
    }

    internal void CheckMacSize(ReadOnlySpan<byte> mac)
    {
        if (mac.Length != MacSizeInBytes)
        {
            Error.ThrowWrongSize(nameof(mac), $"{Name} tag", MacSizeInBytes, mac.Length);
        }
    }

    private int HashCore(ReadOnlySpan<byte> key, ReadOnlySpan<byte> source, Span<byte> destination) => MacSizeInBytes switch
    {
        32 => HMACSHA256.HashData(key, source, destination),
        48 => HMACSHA384.HashData(key, source, destination),
        _ => HMACSHA512.HashData(key, source, destination),
    };
}
