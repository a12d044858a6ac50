using System.Security.Cryptography;
using ContainerSec.KeyManagement;
using ContainerSec.Storage;
using ContainerSec.Tests.Cryptography;

namespace ContainerSec.Tests.Storage;

public sealed class StreamingEncryptorTests : IDisposable
{
    private const int Chunk = 64;
    private static readonly byte[] Context = "bucket/blob.bin"u8.ToArray();
    private readonly KeyRing _ring = new();

    public StreamingEncryptorTests() => _ring.CreateKey("k");

    public void Dispose() => _ring.Dispose();

    private StreamingEncryptor Streaming(int parallel = 1) => new(_ring, "k", Chunk, parallel);

    public static TheoryData<int, int> SizesAndParallelism()
    {
        var data = new TheoryData<int, int>();
        foreach (int size in new[] { 0, 1, Chunk - 1, Chunk, Chunk + 1, 3 * Chunk, (7 * Chunk) + 5, 1000 })
        {
            data.Add(size, 1);
            data.Add(size, 2);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SizesAndParallelism))]
    public void SealOpen_AnySize_RoundTripsWithExpectedLength(int size, int parallel)
    {
        byte[] plaintext = TestBytes.Random(size);
        byte[] sealedBlob = Streaming(parallel).Seal(plaintext, Context);

        Assert.Equal(StreamingEncryptor.GetSealedLength(size, Chunk), sealedBlob.Length);
        Assert.Equal(plaintext, Streaming(parallel).Open(sealedBlob, Context));
        Assert.Equal(plaintext, Streaming(3 - parallel).Open(sealedBlob, Context));
    }

    [Fact]
    public void Open_AnyTruncation_Rejected()
    {
        byte[] sealedBlob = Streaming().Seal(TestBytes.Random((3 * Chunk) + 10), Context);
        for (int length = 0; length < sealedBlob.Length; length++)
        {
            CryptographicException e = Assert.ThrowsAny<CryptographicException>(() => Streaming().Open(sealedBlob[..length], Context));
            Assert.True(e is InvalidEnvelopeException or AuthenticationTagMismatchException, e.GetType().Name);
        }
    }

    [Fact]
    public void Open_DroppedEmptyLastChunk_Rejected()
    {
        byte[] sealedBlob = Streaming().Seal(TestBytes.Random(2 * Chunk), Context);
        Assert.Throws<AuthenticationTagMismatchException>(() => Streaming().Open(sealedBlob[..^16], Context));
    }

    [Fact]
    public void Open_ChunksSwapped_Rejected()
    {
        byte[] sealedBlob = Streaming().Seal(TestBytes.Random(4 * Chunk), Context);
        int sealedChunk = Chunk + 16;
        byte[] swapped = (byte[])sealedBlob.Clone();
        sealedBlob.AsSpan(StreamingEncryptor.HeaderSize, sealedChunk).CopyTo(swapped.AsSpan(StreamingEncryptor.HeaderSize + sealedChunk));
        sealedBlob.AsSpan(StreamingEncryptor.HeaderSize + sealedChunk, sealedChunk).CopyTo(swapped.AsSpan(StreamingEncryptor.HeaderSize));
        Assert.Throws<AuthenticationTagMismatchException>(() => Streaming().Open(swapped, Context));
    }

    [Fact]
    public void Open_ChunkFromAnotherBlob_Rejected()
    {
        byte[] plaintext = TestBytes.Random(3 * Chunk);
        byte[] a = Streaming().Seal(plaintext, Context);
        byte[] b = Streaming().Seal(plaintext, Context);
        b.AsSpan(StreamingEncryptor.HeaderSize, Chunk + 16).CopyTo(a.AsSpan(StreamingEncryptor.HeaderSize));
        Assert.Throws<AuthenticationTagMismatchException>(() => Streaming().Open(a, Context));
    }

    [Fact]
    public void Open_AnyBitFlipped_Rejected()
    {
        byte[] sealedBlob = Streaming(2).Seal(TestBytes.Random((2 * Chunk) + 3), Context);
        for (int bit = 0; bit < sealedBlob.Length * 8; bit++)
        {
            byte[] flipped = TestBytes.FlipBit(sealedBlob, bit);
            Assert.ThrowsAny<CryptographicException>(() => Streaming().Open(flipped, Context));
        }
    }

    [Fact]
    public void Open_WrongContext_ThrowsContextMismatch()
    {
        byte[] sealedBlob = Streaming().Seal(TestBytes.Random(10), Context);
        Assert.Throws<ContextMismatchException>(() => Streaming().Open(sealedBlob, "elsewhere"u8.ToArray()));
    }

    [Fact]
    public void Open_DestroyedVersion_ThrowsKeyUnavailable()
    {
        byte[] sealedBlob = Streaming().Seal(TestBytes.Random(10), Context);
        _ring.Rotate("k");
        _ring.Destroy("k", 1);
        Assert.Equal(KeyUnavailableReason.Destroyed, Assert.Throws<KeyUnavailableException>(() => Streaming().Open(sealedBlob, Context)).Reason);
    }

    [Fact]
    public void ReadChunk_EveryIndex_MatchesPlaintextAndPastEndThrows()
    {
        byte[] plaintext = TestBytes.Random((5 * Chunk) + 7);
        using var blob = new MemoryStream(Streaming().Seal(plaintext, Context));
        byte[] chunk = new byte[Chunk];

        for (int i = 0; i < 6; i++)
        {
            int read = Streaming().ReadChunk(blob, Context, i, chunk);
            Assert.Equal(plaintext.AsSpan(i * Chunk, Math.Min(Chunk, plaintext.Length - (i * Chunk))).ToArray(), chunk.AsSpan(0, read).ToArray());
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => Streaming().ReadChunk(blob, Context, 6, chunk));
    }

    [Fact]
    public void ReadChunk_TruncatedAtChunkBoundary_LastChunkRejected()
    {
        byte[] sealedBlob = Streaming().Seal(TestBytes.Random(5 * Chunk), Context);
        using var truncated = new MemoryStream(sealedBlob[..(StreamingEncryptor.HeaderSize + (3 * (Chunk + 16)))]);
        Assert.Throws<AuthenticationTagMismatchException>(() => Streaming().ReadChunk(truncated, Context, 2, new byte[Chunk]));
    }

    [Fact]
    public void Seal_UsesOneOperationPerBlob()
    {
        Streaming().Seal(TestBytes.Random(10 * Chunk), Context);
        Assert.Equal(1, _ring.GetActiveVersion("k").OperationCount);
        Assert.Equal(10 * Chunk, _ring.GetActiveVersion("k").ByteCount);
    }

    [Fact]
    public void Constructor_BadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingEncryptor(_ring, "k", chunkSize: 15));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingEncryptor(_ring, "k", maxDegreeOfParallelism: 0));
        Assert.Throws<KeyNotFoundException>(() => new StreamingEncryptor(_ring, "nope"));
    }
}
