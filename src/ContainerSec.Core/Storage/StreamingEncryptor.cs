using System.Buffers.Binary;
using System.Security.Cryptography;
using ContainerSec.Cryptography;
using ContainerSec.Internal;
using ContainerSec.KeyManagement;

namespace ContainerSec.Storage;

/// <summary>
/// Seals and opens large blobs as a sequence of fixed-size chunks (a STREAM construction):
/// each chunk is AES-GCM under a per-stream key, with the chunk counter and a last-chunk flag in
/// its nonce, so truncation, reordering, chunk swapping and splicing between streams are all
/// detected. Chunks can be read at random (<see cref="ReadChunk"/>) and processed in parallel.
/// </summary>
/// <remarks>
/// <para>Format (format byte 0x02, <c>docs/formats/envelope.md</c>): a 48-byte header
/// <c>"CS" ‖ 0x02 ‖ algorithm ‖ key id (16) ‖ context fingerprint (8) ‖ salt (16) ‖ chunk size (4, big-endian)</c>,
/// then chunks of <c>ciphertext ‖ tag (16)</c>. Every chunk but the last holds exactly the chunk
/// size of plaintext; the last holds 0 to chunk size − 1 bytes (an empty last chunk ends a blob
/// whose length is a multiple of the chunk size).</para>
/// <para>The stream key is HKDF-SHA-256(version material, salt, "containersec/v1/stream" ‖ header ‖ context),
/// so the header and context are bound into every chunk. Chunk <c>i</c>'s nonce is
/// <c>0 (7 bytes) ‖ i (4 bytes, big-endian) ‖ last (1 byte: 1 for the last chunk, else 0)</c>.
/// Each blob uses one operation of the key version's budget (its bytes are counted when the
/// source length is known).</para>
/// <para>Errors on open are those of <see cref="StorageEncryptor"/>; a truncated, reordered or
/// altered chunk throws <see cref="AuthenticationTagMismatchException"/>.</para>
/// </remarks>
public sealed class StreamingEncryptor
{
    /// <summary>The stream format byte: 2.</summary>
    public const byte FormatVersion = 2;

    /// <summary>The stream header size: 48 bytes.</summary>
    public const int HeaderSize = 48;

    /// <summary>The default chunk size: 64 KiB.</summary>
    public const int DefaultChunkSize = 64 * 1024;

    /// <summary>The largest chunk size: 16 MiB.</summary>
    public const int MaxChunkSize = 16 * 1024 * 1024;

    private const int SaltOffset = 28;
    private const int SaltSize = 16;
    private const int ChunkSizeOffset = 44;
    private static readonly byte[] StreamInfo = "containersec/v1/stream"u8.ToArray();

    private readonly KeyRing _ring;
    private readonly ManagedKey _key;

    /// <summary>Creates a streaming encryptor for key <paramref name="keyName"/>.</summary>
    /// <param name="ring">The key ring.</param>
    /// <param name="keyName">The key that seals.</param>
    /// <param name="chunkSize">Plaintext bytes per chunk, 16 to <see cref="MaxChunkSize"/>.</param>
    /// <param name="maxDegreeOfParallelism">How many chunks are encrypted or decrypted at once (1 = sequential).</param>
    /// <exception cref="ArgumentNullException"><paramref name="ring"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The chunk size or parallelism is out of range.</exception>
    /// <exception cref="KeyNotFoundException">No key has that name.</exception>
    public StreamingEncryptor(KeyRing ring, string keyName, int chunkSize = DefaultChunkSize, int maxDegreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkSize, MaxChunkSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        _ring = ring;
        _key = ring.GetKey(keyName);
        ChunkSize = chunkSize;
        MaxDegreeOfParallelism = maxDegreeOfParallelism;
    }

    /// <summary>Plaintext bytes per chunk when sealing.</summary>
    public int ChunkSize { get; }

    /// <summary>Chunks processed at once.</summary>
    public int MaxDegreeOfParallelism { get; }

    /// <summary>The sealed length of a blob of <paramref name="plaintextLength"/> bytes with <paramref name="chunkSize"/>-byte chunks.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A length is negative or the chunk size is out of range.</exception>
    public static long GetSealedLength(long plaintextLength, int chunkSize = DefaultChunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 16);
        long chunks = (plaintextLength / chunkSize) + 1;
        return HeaderSize + plaintextLength + (chunks * AeadAlgorithm.TagSize);
    }

    /// <summary>Seals everything <paramref name="source"/> holds into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentNullException">A stream is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The blob needs more than 2^32 chunks.</exception>
    /// <exception cref="KeyUsageLimitExceededException">The key is static and its active version reached a limit.</exception>
    public void Seal(Stream source, Stream destination, ReadOnlySpan<byte> context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        long knownLength = source.CanSeek ? source.Length - source.Position : 0;
        KeyVersion version = _ring.ReserveEncryption(_key, Math.Min(knownLength, _key.Policy.MaxBytes));
        byte[] header = new byte[HeaderSize];
        Envelope.WriteCommonHeader(header, FormatVersion, version, context);
        RandomNumberGenerator.Fill(header.AsSpan(SaltOffset, SaltSize));
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(ChunkSizeOffset), ChunkSize);
        using AeadKey streamKey = DeriveStreamKey(version, header, context);
        destination.Write(header);

        // One plaintext and one sealed buffer per slot, reused for every batch.
        int slots = BatchSize;
        byte[][] inputs = NewBuffers(slots, ChunkSize);
        byte[][] outputs = NewBuffers(slots, ChunkSize + AeadAlgorithm.TagSize);
        var batch = new Chunk[slots];
        long index = 0;
        bool done = false;
        try
        {
            while (!done)
            {
                int count = 0;
                while (count < slots && !done)
                {
                    int read = source.ReadAtLeast(inputs[count], ChunkSize, throwOnEndOfStream: false);
                    done = read < ChunkSize;
                    CheckIndex(index);
                    batch[count] = new Chunk(index++, read, done);
                    count++;
                }

                Run(batch, count, (chunk, slot) =>
                {
                    Span<byte> nonce = stackalloc byte[AeadAlgorithm.NonceSize];
                    WriteNonce(nonce, chunk.Index, chunk.Last);
                    streamKey.Encrypt(nonce, inputs[slot].AsSpan(0, chunk.Length), outputs[slot]);
                });
                for (int i = 0; i < count; i++)
                {
                    destination.Write(outputs[i], 0, batch[i].Length + AeadAlgorithm.TagSize);
                }
            }
        }
        finally
        {
            Clear(inputs);
        }
    }

    /// <summary>Opens a sealed blob from <paramref name="source"/> into <paramref name="destination"/>.</summary>
    /// <remarks>Plaintext of a chunk is written only after that chunk authenticated; a failure later in the blob leaves the chunks before it written, so write to a temporary place and commit only when this returns.</remarks>
    /// <exception cref="InvalidEnvelopeException">The header is truncated or not a stream header.</exception>
    /// <exception cref="KeyUnavailableException">Its key version is unknown, destroyed, disabled or below the minimum.</exception>
    /// <exception cref="ContextMismatchException">It was sealed under another context.</exception>
    /// <exception cref="AuthenticationTagMismatchException">A chunk was changed, dropped, reordered or the blob was truncated.</exception>
    public void Open(Stream source, Stream destination, ReadOnlySpan<byte> context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        byte[] header = new byte[HeaderSize];
        int headerRead = source.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false);
        (KeyVersion version, int chunkSize) = ResolveHeader(header.AsSpan(0, headerRead), context);
        using AeadKey streamKey = DeriveStreamKey(version, header, context);
        int sealedChunk = chunkSize + AeadAlgorithm.TagSize;

        // slots + 1 sealed buffers: one more than a batch, for the look-ahead read that tells
        // whether the chunk before it is the last. Plaintext buffers per slot, reused.
        int slots = BatchSize;
        byte[][] inputs = NewBuffers(slots + 1, sealedChunk);
        byte[][] outputs = NewBuffers(slots, chunkSize);
        var batch = new Chunk[slots];
        var batchInputs = new byte[slots][];
        int nextSlot = 0;
        int nextLength = source.ReadAtLeast(inputs[0], sealedChunk, throwOnEndOfStream: false);
        long index = 0;
        bool done = false;
        try
        {
            while (!done)
            {
                int count = 0;
                while (count < slots && !done)
                {
                    int length = nextLength;
                    if (length < AeadAlgorithm.TagSize)
                    {
                        throw new AuthenticationTagMismatchException("The sealed stream is truncated: a chunk is missing or shorter than a tag.");
                    }

                    batchInputs[count] = inputs[nextSlot];
                    nextSlot = (nextSlot + 1) % inputs.Length;
                    nextLength = length == sealedChunk ? source.ReadAtLeast(inputs[nextSlot], sealedChunk, throwOnEndOfStream: false) : 0;
                    done = nextLength == 0;
                    CheckIndex(index);
                    batch[count] = new Chunk(index++, length, done);
                    count++;
                }

                Run(batch, count, (chunk, slot) =>
                    DecryptChunk(streamKey, chunk.Index, chunk.Last, batchInputs[slot].AsSpan(0, chunk.Length), outputs[slot].AsSpan(0, chunk.Length - AeadAlgorithm.TagSize)));
                for (int i = 0; i < count; i++)
                {
                    destination.Write(outputs[i], 0, batch[i].Length - AeadAlgorithm.TagSize);
                }
            }
        }
        finally
        {
            Clear(outputs);
        }
    }

    /// <summary>Seals a blob held in memory.</summary>
    /// <exception cref="KeyUsageLimitExceededException">The key is static and its active version reached a limit.</exception>
    public byte[] Seal(byte[] plaintext, byte[] context)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(context);
        using var output = new MemoryStream();
        Seal(new MemoryStream(plaintext, writable: false), output, context);
        return output.ToArray();
    }

    /// <summary>Opens a blob held in memory.</summary>
    /// <exception cref="InvalidEnvelopeException">The header is truncated or not a stream header.</exception>
    /// <exception cref="KeyUnavailableException">Its key version is unknown, destroyed, disabled or below the minimum.</exception>
    /// <exception cref="ContextMismatchException">It was sealed under another context.</exception>
    /// <exception cref="AuthenticationTagMismatchException">A chunk was changed, dropped, reordered or the blob was truncated.</exception>
    public byte[] Open(byte[] source, byte[] context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        using var output = new MemoryStream();
        Open(new MemoryStream(source, writable: false), output, context);
        return output.ToArray();
    }

    /// <summary>Reads and authenticates chunk <paramref name="chunkIndex"/> of a sealed blob in a seekable stream.</summary>
    /// <returns>The number of plaintext bytes written (the chunk size, or less for the last chunk).</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> cannot seek, or <paramref name="destination"/> is smaller than the chunk.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkIndex"/> is past the last chunk.</exception>
    /// <exception cref="InvalidEnvelopeException">The header is truncated or not a stream header.</exception>
    /// <exception cref="KeyUnavailableException">Its key version is unknown, destroyed, disabled or below the minimum.</exception>
    /// <exception cref="ContextMismatchException">It was sealed under another context.</exception>
    /// <exception cref="AuthenticationTagMismatchException">The chunk was changed or moved, or the blob was truncated.</exception>
    public int ReadChunk(Stream source, ReadOnlySpan<byte> context, long chunkIndex, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanSeek)
        {
            throw new ArgumentException("Random access needs a seekable stream.", nameof(source));
        }

        byte[] header = new byte[HeaderSize];
        source.Position = 0;
        int headerRead = source.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false);
        (KeyVersion version, int chunkSize) = ResolveHeader(header.AsSpan(0, headerRead), context);
        int sealedChunk = chunkSize + AeadAlgorithm.TagSize;
        long body = source.Length - HeaderSize;
        long chunks = (body + sealedChunk - 1) / sealedChunk;
        ArgumentOutOfRangeException.ThrowIfNegative(chunkIndex);
        if (chunks == 0)
        {
            throw new AuthenticationTagMismatchException("The sealed stream is truncated: it has no chunks.");
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chunkIndex, chunks);
        bool last = chunkIndex == chunks - 1;
        int length = last ? (int)(body - (chunkIndex * sealedChunk)) : sealedChunk;
        if (length < AeadAlgorithm.TagSize)
        {
            throw new AuthenticationTagMismatchException("The sealed stream is truncated: its last chunk is shorter than a tag.");
        }

        if (destination.Length < length - AeadAlgorithm.TagSize)
        {
            Error.ThrowDestinationTooSmall(nameof(destination), length - AeadAlgorithm.TagSize, destination.Length);
        }

        byte[] input = new byte[length];
        source.Position = HeaderSize + (chunkIndex * sealedChunk);
        source.ReadExactly(input);
        using AeadKey streamKey = DeriveStreamKey(version, header, context);
        DecryptChunk(streamKey, chunkIndex, last, input, destination[..(length - AeadAlgorithm.TagSize)]);
        return length - AeadAlgorithm.TagSize;
    }

    private (KeyVersion Version, int ChunkSize) ResolveHeader(ReadOnlySpan<byte> header, ReadOnlySpan<byte> context)
    {
        // A stream header has no tag of its own; ParseHeader's minimum is the header itself.
        KeyVersion version = Envelope.Resolve(_ring, header, context, FormatVersion, HeaderSize);
        int chunkSize = BinaryPrimitives.ReadInt32BigEndian(header[ChunkSizeOffset..]);
        if (chunkSize is < 16 or > MaxChunkSize)
        {
            throw new InvalidEnvelopeException($"The stream's chunk size {chunkSize} is outside 16 to {MaxChunkSize} bytes.");
        }

        return (version, chunkSize);
    }

    private static AeadKey DeriveStreamKey(KeyVersion version, ReadOnlySpan<byte> header, ReadOnlySpan<byte> context)
    {
        byte[] info = [.. StreamInfo, .. header, .. context];
        return Hkdf.DeriveAeadKey(HashFunction.Sha256, version.Material.Span, header.Slice(SaltOffset, SaltSize), info, version.Algorithm);
    }

    private static void DecryptChunk(AeadKey key, long index, bool last, ReadOnlySpan<byte> input, Span<byte> output)
    {
        Span<byte> nonce = stackalloc byte[AeadAlgorithm.NonceSize];
        WriteNonce(nonce, index, last);
        key.Decrypt(nonce, input, output);
    }

    private static void WriteNonce(Span<byte> nonce, long index, bool last)
    {
        nonce.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(nonce[7..], (uint)index);
        nonce[11] = last ? (byte)1 : (byte)0;
    }

    private static void CheckIndex(long index)
    {
        if (index > uint.MaxValue)
        {
            throw new InvalidOperationException("A sealed stream holds at most 2^32 chunks; use a larger chunk size.");
        }
    }

    /// <summary>Chunks per batch: one when sequential; with parallelism, several per worker so each
    /// worker gets a contiguous run of chunks and synchronization is paid once per run.</summary>
    private int BatchSize => MaxDegreeOfParallelism == 1 ? 1 : MaxDegreeOfParallelism * ChunksPerWorker;

    private const int ChunksPerWorker = 8;

    private void Run(Chunk[] batch, int count, Action<Chunk, int> work)
    {
        if (count == 1 || MaxDegreeOfParallelism == 1)
        {
            for (int i = 0; i < count; i++)
            {
                work(batch[i], i);
            }

            return;
        }

        int workers = Math.Min(MaxDegreeOfParallelism, count);
        int per = (count + workers - 1) / workers;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism }, w =>
        {
            for (int i = w * per; i < Math.Min(count, (w + 1) * per); i++)
            {
                work(batch[i], i);
            }
        });
    }

    private static byte[][] NewBuffers(int count, int size)
    {
        byte[][] buffers = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            buffers[i] = new byte[size];
        }

        return buffers;
    }

    /// <summary>Zeroes plaintext buffers before they become garbage.</summary>
    private static void Clear(byte[][] buffers)
    {
        foreach (byte[] buffer in buffers)
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    private readonly record struct Chunk(long Index, int Length, bool Last);
}
