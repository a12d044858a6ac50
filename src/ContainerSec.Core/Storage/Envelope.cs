using ContainerSec.Cryptography;
using ContainerSec.KeyManagement;

namespace ContainerSec.Storage;

/// <summary>
/// The sealed-record format, version 1 (see <c>docs/formats/envelope.md</c>):
/// <c>magic "CS" (2) ‖ format 0x01 (1) ‖ algorithm (1) ‖ key id (16) ‖ context fingerprint (8) ‖
/// nonce (12) ‖ ciphertext ‖ tag (16)</c>. The 40-byte header and the context are the AES-GCM
/// associated data.
/// </summary>
public static class Envelope
{
    /// <summary>The current format version: 1.</summary>
    public const byte FormatVersion = 1;

    /// <summary>The header size: 40 bytes.</summary>
    public const int HeaderSize = 40;

    /// <summary>Bytes a sealed record adds to its plaintext: the header and the 16-byte tag, 56.</summary>
    public const int Overhead = HeaderSize + AeadAlgorithm.TagSize;

    /// <summary>The largest plaintext a record can hold.</summary>
    public const int MaxPlaintextLength = int.MaxValue - Overhead;

    internal const byte Magic0 = (byte)'C';
    internal const byte Magic1 = (byte)'S';
    internal const int AlgorithmOffset = 3;
    internal const int KeyIdOffset = 4;
    internal const int FingerprintOffset = 20;
    internal const int FingerprintSize = 8;
    internal const int NonceOffset = 28;

    /// <summary>The size of a sealed record for a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is negative or above <see cref="MaxPlaintextLength"/>.</exception>
    public static int GetSealedSize(int plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plaintextLength, MaxPlaintextLength);
        return plaintextLength + Overhead;
    }

    /// <summary>The plaintext size inside a sealed record, read from its length after checking the header.</summary>
    /// <exception cref="InvalidEnvelopeException">The record is truncated or its header is not format 1.</exception>
    public static int GetPlaintextSize(ReadOnlySpan<byte> sealedRecord)
    {
        ParseHeader(sealedRecord, out _);
        return sealedRecord.Length - Overhead;
    }

    /// <summary>Reads the key id from a sealed record's header (to find records that need a rewrap).</summary>
    /// <exception cref="InvalidEnvelopeException">The record is truncated or its header is not format 1.</exception>
    public static KeyId GetKeyId(ReadOnlySpan<byte> sealedRecord) => ParseHeader(sealedRecord, out _);

    internal static byte AlgorithmId(AeadAlgorithm algorithm) => algorithm == AeadAlgorithm.Aes128Gcm ? (byte)1 : (byte)2;

    internal static KeyId ParseHeader(ReadOnlySpan<byte> source, out byte algorithmId, byte format = FormatVersion, int minimumLength = Overhead)
    {
        if (source.Length < minimumLength)
        {
            throw new InvalidEnvelopeException($"A sealed record is at least {minimumLength} bytes; {source.Length} bytes were given (truncated or not a record).");
        }

        if (source[0] != Magic0 || source[1] != Magic1)
        {
            throw new InvalidEnvelopeException("The bytes are not a ContainerSec sealed record (wrong magic).");
        }

        if (source[2] != format)
        {
            throw new InvalidEnvelopeException($"Unknown sealed-record format version {source[2]}; version {format} was expected here.");
        }

        algorithmId = source[AlgorithmOffset];
        if (algorithmId is not (1 or 2))
        {
            throw new InvalidEnvelopeException($"Unknown algorithm id {algorithmId} in the sealed record.");
        }

        return KeyId.Read(source.Slice(KeyIdOffset, KeyId.SizeInBytes));
    }

    /// <summary>Writes magic, format, algorithm, key id and context fingerprint (the first 28 bytes).</summary>
    internal static void WriteCommonHeader(Span<byte> header, byte format, KeyVersion version, ReadOnlySpan<byte> context)
    {
        header[0] = Magic0;
        header[1] = Magic1;
        header[2] = format;
        header[AlgorithmOffset] = AlgorithmId(version.Algorithm);
        version.KeyId.WriteTo(header.Slice(KeyIdOffset, KeyId.SizeInBytes));
        WriteFingerprint(version, context, header.Slice(FingerprintOffset, FingerprintSize));
    }

    /// <summary>Parses the common header and finds the version that may open it, checking algorithm and context fingerprint.</summary>
    internal static KeyVersion Resolve(KeyRing ring, ReadOnlySpan<byte> source, ReadOnlySpan<byte> context, byte format, int minimumLength)
    {
        KeyId keyId = ParseHeader(source, out byte algorithmId, format, minimumLength);
        KeyVersion version = ring.ResolveForDecryption(keyId);
        if (AlgorithmId(version.Algorithm) != algorithmId)
        {
            throw new InvalidEnvelopeException("The record's algorithm does not match its key version's algorithm.");
        }

        Span<byte> fingerprint = stackalloc byte[FingerprintSize];
        WriteFingerprint(version, context, fingerprint);
        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(fingerprint, source.Slice(FingerprintOffset, FingerprintSize)))
        {
            throw new ContextMismatchException();
        }

        return version;
    }

    private static void WriteFingerprint(KeyVersion version, ReadOnlySpan<byte> context, Span<byte> destination)
    {
        Span<byte> mac = stackalloc byte[32];
        version.ContextKey.Compute(context, mac);
        mac[..FingerprintSize].CopyTo(destination);
    }
}
