using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ContainerSec.Benchmarks;

/// <summary>Inputs and checks shared by the benchmark classes. Used only in [GlobalSetup], never in a measured call.</summary>
internal static class Shared
{
    /// <summary>A fixed 16-byte associated data block for every AEAD benchmark.</summary>
    public static byte[] AssociatedData() => "ContainerSec-AD!"u8.ToArray();

    public static byte[] RandomBytes(int length)
    {
        byte[] bytes = new byte[length];
        RandomNumberGenerator.Fill(bytes);
        return bytes;
    }

    /// <summary>Writes a 64-bit message counter into the last 8 bytes of a 12-byte GCM nonce.</summary>
    public static void SetNonceCounter(Span<byte> nonce, ulong counter) =>
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], counter);

    /// <summary>Fails the setup, and so the benchmark, when two implementations disagree.</summary>
    public static void RequireEqual(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        if (!expected.SequenceEqual(actual))
        {
            throw new InvalidOperationException($"Benchmark setup check failed: {what} differs from the BCL result.");
        }
    }
}
