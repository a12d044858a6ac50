using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace ContainerSec.KeyManagement;

/// <summary>
/// The identifier of one key version: 128 random bits from <see cref="RandomNumberGenerator"/>,
/// written into every sealed record. Ids are never derived from the key name or version number,
/// so they stay unique across rings, stores and restarts (a collision among 2^32 versions has
/// probability below 2^-64), and a <see cref="KeyRing"/> refuses to hold two versions with one id.
/// </summary>
public readonly struct KeyId : IEquatable<KeyId>
{
    /// <summary>The size of an id in bytes: 16.</summary>
    public const int SizeInBytes = 16;

    private readonly ulong _high;
    private readonly ulong _low;

    private KeyId(ulong high, ulong low)
    {
        _high = high;
        _low = low;
    }

    /// <summary>Creates a new random id.</summary>
    public static KeyId NewId()
    {
        Span<byte> bytes = stackalloc byte[SizeInBytes];
        RandomNumberGenerator.Fill(bytes);
        return Read(bytes);
    }

    /// <summary>Reads an id from its 16-byte big-endian encoding.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is not 16 bytes.</exception>
    public static KeyId FromBytes(ReadOnlySpan<byte> source)
    {
        if (source.Length != SizeInBytes)
        {
            throw new ArgumentException($"A key id is exactly {SizeInBytes} bytes; {source.Length} bytes were given.", nameof(source));
        }

        return Read(source);
    }

    /// <summary>Parses the 32-character lowercase or uppercase hexadecimal form returned by <see cref="ToString"/>.</summary>
    /// <exception cref="FormatException"><paramref name="text"/> is not 32 hexadecimal characters.</exception>
    public static KeyId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length != SizeInBytes * 2
            || !ulong.TryParse(text.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong high)
            || !ulong.TryParse(text.AsSpan(16, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong low))
        {
            throw new FormatException("A key id is written as 32 hexadecimal characters.");
        }

        return new KeyId(high, low);
    }

    internal static KeyId Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt64BigEndian(source[8..]));

    /// <summary>Writes the 16-byte big-endian encoding into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 16 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < SizeInBytes)
        {
            throw new ArgumentException($"The destination is too small: {SizeInBytes} bytes are needed, {destination.Length} were given.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    /// <summary>Returns the 16-byte encoding.</summary>
    public byte[] ToArray()
    {
        byte[] bytes = new byte[SizeInBytes];
        WriteTo(bytes);
        return bytes;
    }

    /// <inheritdoc/>
    public bool Equals(KeyId other) => _high == other._high && _low == other._low;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is KeyId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_high, _low);

    /// <summary>The id as 32 lowercase hexadecimal characters (an id is not secret).</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_high:x16}{_low:x16}");

    /// <summary>Compares two ids.</summary>
    public static bool operator ==(KeyId left, KeyId right) => left.Equals(right);

    /// <summary>Compares two ids.</summary>
    public static bool operator !=(KeyId left, KeyId right) => !left.Equals(right);
}
