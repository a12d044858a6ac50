using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Cryptography;

/// <summary>Byte helpers and FsCheck generators shared by the cryptography tests.</summary>
internal static class TestBytes
{
    public static byte[] Random(int length)
    {
        byte[] bytes = new byte[length];
        RandomNumberGenerator.Fill(bytes);
        return bytes;
    }

    public static byte[] Seeded(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    public static byte[] Filled(int length, byte value)
    {
        byte[] bytes = new byte[length];
        bytes.AsSpan().Fill(value);
        return bytes;
    }

    public static byte[] FlipBit(byte[] source, int bit)
    {
        byte[] copy = (byte[])source.Clone();
        copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }

    public static bool IsAllZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);

    public static byte[] Concat(byte[] first, byte[] second) => [.. first, .. second];

    /// <summary>Asserts that <paramref name="text"/> shows none of <paramref name="secret"/> in hex or base64.</summary>
    public static void AssertDoesNotReveal(string? text, byte[] secret)
    {
        Assert.True(secret.Length >= 4, "Use a secret of at least 4 bytes, or the check is meaningless.");
        text ??= string.Empty;
        Assert.DoesNotContain(Convert.ToHexString(secret), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(secret).TrimEnd('='), text, StringComparison.Ordinal);
        Assert.DoesNotContain(BitConverter.ToString(secret), text, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Lengths biased toward the small and the boundary values: mostly up to 64, some up to 1 KiB,
    /// a few anywhere up to <paramref name="max"/>, and the edges 0, 1, 15, 16, 17, max - 1, max.
    /// </summary>
    public static Gen<int> Length(int max) => Gen.Frequency(
        (12, Gen.Choose(0, Math.Min(64, max))),
        (4, Gen.Choose(0, Math.Min(1024, max))),
        (2, Gen.Choose(0, max)),
        (2, Gen.Elements(0, 1, Math.Min(15, max), Math.Min(16, max), Math.Min(17, max), max - 1, max)));

    /// <summary>A seed for <see cref="System.Random"/>, so a failing case is reproducible from its printout.</summary>
    public static Gen<int> Seed { get; } = Gen.Choose(0, int.MaxValue - 1);

    /// <summary>A property check with a modest number of cases that throws on the first failure.</summary>
    public static void Check(Property property, int maxTest) =>
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(maxTest), property);
}
