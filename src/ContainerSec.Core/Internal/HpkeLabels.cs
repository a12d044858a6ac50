using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using ContainerSec.Cryptography;

namespace ContainerSec.Internal;

/// <summary>
/// RFC 9180 §4: <c>LabeledExtract</c> and <c>LabeledExpand</c> over the library's <see cref="Hkdf"/>.
/// The labeled inputs are built in a pooled buffer that is zeroed before it goes back, since they
/// carry secrets (DH outputs, PSKs).
/// </summary>
internal static class HpkeLabels
{
    /// <summary>The largest info, PSK, PSK id, exporter context or DeriveKeyPair input accepted (RFC 9180 §7.2.1 allows a limit).</summary>
    public const int MaxInputLength = ushort.MaxValue;

    private static ReadOnlySpan<byte> Version => "HPKE-v1"u8;

    public static void CheckLength(ReadOnlySpan<byte> value, string paramName, string what)
    {
        if (value.Length > MaxInputLength)
        {
            throw Error.TooLong(paramName, $"HPKE {what}", MaxInputLength, value.Length);
        }
    }

    /// <summary><c>LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm)</c>.</summary>
    public static void Extract(HashFunction hash, ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> label, ReadOnlySpan<byte> ikm, Span<byte> prk)
    {
        int length = Version.Length + suiteId.Length + label.Length + ikm.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        Span<byte> labeled = buffer.AsSpan(0, length);
        try
        {
            Concat(labeled, Version, suiteId, label, ikm);
            Hkdf.Extract(hash, labeled, salt, prk);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(labeled);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary><c>LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L)</c>.</summary>
    public static void Expand(HashFunction hash, ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> prk, ReadOnlySpan<byte> label, ReadOnlySpan<byte> info, Span<byte> output)
    {
        int length = 2 + Version.Length + suiteId.Length + label.Length + info.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        Span<byte> labeled = buffer.AsSpan(0, length);
        try
        {
            BinaryPrimitives.WriteUInt16BigEndian(labeled, checked((ushort)output.Length));
            Concat(labeled[2..], Version, suiteId, label, info);
            Hkdf.Expand(hash, prk, output, labeled);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(labeled);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Concat(Span<byte> destination, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d)
    {
        a.CopyTo(destination);
        b.CopyTo(destination[a.Length..]);
        c.CopyTo(destination[(a.Length + b.Length)..]);
        d.CopyTo(destination[(a.Length + b.Length + c.Length)..]);
    }
}
