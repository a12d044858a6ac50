using System.Security.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// A SHA-2 hash function: SHA-256, SHA-384 or SHA-512. The set is closed; MD5 and SHA-1 are not
/// offered (see <c>docs/cryptography.md</c>).
/// </summary>
/// <remarks>
/// The one-shot methods follow the BCL's <c>SHA256.HashData</c> shapes. To hash many small inputs,
/// use a <see cref="Hasher"/> from <see cref="CreateHasher"/>: it keeps its native state between
/// calls, which is most of the cost of hashing a short input.
/// </remarks>
public sealed class HashFunction
{
    private HashFunction(string name, HashAlgorithmName hashAlgorithmName, int hashSizeInBytes)
    {
        Name = name;
        HashAlgorithmName = hashAlgorithmName;
        HashSizeInBytes = hashSizeInBytes;
    }

    /// <summary>SHA-256 (FIPS 180-4), 32-byte output.</summary>
    public static HashFunction Sha256 { get; } = new("SHA-256", HashAlgorithmName.SHA256, 32);

    /// <summary>SHA-384 (FIPS 180-4), 48-byte output.</summary>
    public static HashFunction Sha384 { get; } = new("SHA-384", HashAlgorithmName.SHA384, 48);

    /// <summary>SHA-512 (FIPS 180-4), 64-byte output.</summary>
    public static HashFunction Sha512 { get; } = new("SHA-512", HashAlgorithmName.SHA512, 64);

    /// <summary>The standard name, such as <c>SHA-256</c>.</summary>
    public string Name { get; }

    /// <summary>The size of a hash in bytes.</summary>
    public int HashSizeInBytes { get; }

    /// <summary>The BCL name of this function, for interoperating with BCL APIs.</summary>
    public HashAlgorithmName HashAlgorithmName { get; }

    /// <summary>Hashes <paramref name="source"/> and returns a new array.</summary>
    public byte[] HashData(ReadOnlySpan<byte> source)
    {
        byte[] hash = new byte[HashSizeInBytes];
        HashCore(source, hash);
        return hash;
    }

    /// <summary>Hashes <paramref name="source"/> into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, <see cref="HashSizeInBytes"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="HashSizeInBytes"/>.</exception>
    public int HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < HashSizeInBytes)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), HashSizeInBytes, destination.Length);
        }

        return HashCore(source, destination);
    }

    /// <summary>Hashes <paramref name="source"/> into <paramref name="destination"/> if it is large enough.</summary>
    /// <returns><see langword="false"/> only when <paramref name="destination"/> is too small.</returns>
    public bool TryHashData(ReadOnlySpan<byte> source, Span<byte> destination, out int bytesWritten)
    {
        if (destination.Length < HashSizeInBytes)
        {
            bytesWritten = 0;
            return false;
        }

        bytesWritten = HashCore(source, destination);
        return true;
    }

    /// <summary>Creates a reusable incremental hasher for this function.</summary>
    public Hasher CreateHasher() => new(this);

    /// <inheritdoc/>
    public override string ToString() => Name;

    private int HashCore(ReadOnlySpan<byte> source, Span<byte> destination) => HashSizeInBytes switch
    {
        32 => SHA256.HashData(source, destination),
        48 => SHA384.HashData(source, destination),
        _ => SHA512.HashData(source, destination),
    };
}
