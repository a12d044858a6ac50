using System.Security.Cryptography;
using ContainerSec.KeyManagement;
using ContainerSec.Storage;
using ContainerSec.Tests.Cryptography;

namespace ContainerSec.Tests.Storage;

/// <summary>
/// Exhaustive tamper rejection of sealed records: every single-bit flip of the whole record
/// (header, ciphertext, tag) and every truncation, for plaintext sizes from 0 to 4096 bytes
/// (4096 + 56 = 4152-byte records, 33,216 flips at the largest size). Every attempt must throw a
/// <see cref="CryptographicException"/> and never yield plaintext; flips in the ciphertext, tag
/// and nonce must be <see cref="AuthenticationTagMismatchException"/> and zero the destination.
/// </summary>
public sealed class StorageTamperTests
{
    private static readonly byte[] Context = "tenant/ns/object"u8.ToArray();

    public static TheoryData<int> Sizes => [0, 1, 15, 16, 17, 63, 64, 255, 256, 1000, 1024, 4095, 4096];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Open_AnySingleBitFlipped_Rejected(int size)
    {
        using var ring = new KeyRing();
        ring.CreateKey("k");
        var storage = new StorageEncryptor(ring, "k");
        byte[] record = storage.Seal(TestBytes.Random(size), Context);
        byte[] destination = new byte[size];
        int bits = record.Length * 8;

        for (int bit = 0; bit < bits; bit++)
        {
            record[bit / 8] ^= (byte)(1 << (bit % 8));
            destination.AsSpan().Fill(0xAA);
            CryptographicException e = Assert.ThrowsAny<CryptographicException>(() => storage.Open(record, Context, destination));
            int offset = bit / 8;
            if (offset >= Envelope.NonceOffset)
            {
                Assert.IsType<AuthenticationTagMismatchException>(e);
                Assert.True(TestBytes.IsAllZero(destination));
            }
            else
            {
                Assert.True(TestBytes.IsAllZero(destination) || !destination.AsSpan().ContainsAnyExcept((byte)0xAA), "A header failure must not write plaintext.");
            }

            record[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        Assert.Equal(size, storage.Open(record, Context, destination));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Open_AnyTruncation_Rejected(int size)
    {
        using var ring = new KeyRing();
        ring.CreateKey("k");
        var storage = new StorageEncryptor(ring, "k");
        byte[] record = storage.Seal(TestBytes.Random(size), Context);

        for (int length = 0; length < record.Length; length++)
        {
            CryptographicException e = Assert.ThrowsAny<CryptographicException>(() => storage.Open(record.AsSpan(0, length), Context));
            Assert.True(e is InvalidEnvelopeException or AuthenticationTagMismatchException, e.GetType().Name);
        }
    }

    [Fact]
    public void Open_ExtendedRecord_Rejected()
    {
        using var ring = new KeyRing();
        ring.CreateKey("k");
        var storage = new StorageEncryptor(ring, "k");
        byte[] record = storage.Seal("abc"u8, Context);
        Assert.Throws<AuthenticationTagMismatchException>(() => storage.Open([.. record, 0], Context));
    }
}
