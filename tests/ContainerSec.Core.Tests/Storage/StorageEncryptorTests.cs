using System.Security.Cryptography;
using ContainerSec.KeyManagement;
using ContainerSec.Storage;
using ContainerSec.Tests.Cryptography;

namespace ContainerSec.Tests.Storage;

/// <summary>Shapes, sizes and each open error as its own case.</summary>
public sealed class StorageEncryptorTests : IDisposable
{
    private static readonly byte[] Context = "tenant-a/ns/prod/secret/db"u8.ToArray();
    private readonly KeyRing _ring = new();
    private readonly StorageEncryptor _storage;

    public StorageEncryptorTests()
    {
        _ring.CreateKey("data");
        _storage = new StorageEncryptor(_ring, "data");
    }

    public void Dispose() => _ring.Dispose();

    [Fact]
    public void Seal_AllShapes_SameLayoutAndOpen()
    {
        byte[] plaintext = TestBytes.Random(100);
        byte[] viaArray = _storage.Seal(plaintext, Context);
        byte[] viaSpan = new byte[Envelope.GetSealedSize(100)];
        Assert.Equal(viaSpan.Length, _storage.Seal(plaintext, Context, viaSpan));
        byte[] viaTry = new byte[viaSpan.Length + 5];
        Assert.True(_storage.TrySeal(plaintext, Context, viaTry, out int written));

        Assert.Equal(156, viaArray.Length);
        Assert.Equal(viaSpan.Length, written);
        Assert.Equal(viaArray.AsSpan(0, 20).ToArray(), viaSpan.AsSpan(0, 20).ToArray()); // same header up to the key id
        Assert.Equal(plaintext, _storage.Open(viaArray, Context));
        byte[] opened = new byte[100];
        Assert.Equal(100, _storage.Open(viaSpan, Context, opened));
        Assert.Equal(plaintext, opened);
        Assert.True(_storage.TryOpen(viaTry.AsSpan(0, written), Context, opened, out int read));
        Assert.Equal(100, read);
        Assert.Equal(plaintext, opened);
    }

    [Fact]
    public void Seal_Header_IsFormat1WithKeyIdAndFreshNonce()
    {
        byte[] a = _storage.Seal("x"u8, Context);
        byte[] b = _storage.Seal("x"u8, Context);

        Assert.Equal((byte)'C', a[0]);
        Assert.Equal((byte)'S', a[1]);
        Assert.Equal(1, a[2]);
        Assert.Equal(2, a[3]);
        Assert.Equal(_ring.GetActiveVersion("data").KeyId, KeyId.FromBytes(a.AsSpan(4, 16)));
        Assert.NotEqual(a.AsSpan(28, 12).ToArray(), b.AsSpan(28, 12).ToArray());
    }

    [Fact]
    public void Seal_InPlace_RoundTrips()
    {
        byte[] buffer = new byte[Envelope.GetSealedSize(32)];
        byte[] plaintext = TestBytes.Random(32);
        plaintext.CopyTo(buffer, Envelope.HeaderSize);
        _storage.Seal(buffer.AsSpan(Envelope.HeaderSize, 32), Context, buffer);
        Assert.Equal(plaintext, _storage.Open(buffer, Context));
    }

    [Fact]
    public void Seal_PlaintextOverlapsHeader_Throws()
    {
        byte[] buffer = new byte[200];
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => _storage.Seal(buffer.AsSpan(10, 20), Context, buffer)).ParamName);
    }

    [Fact]
    public void Seal_DestinationTooSmall_ThrowsAndTryReturnsFalseWithoutUsingBudget()
    {
        byte[] small = new byte[Envelope.Overhead];
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => _storage.Seal("x"u8, Context, small)).ParamName);
        Assert.False(_storage.TrySeal("x"u8, Context, small, out int written));
        Assert.Equal(0, written);
        Assert.Equal(0, _ring.GetActiveVersion("data").OperationCount);
    }

    [Fact]
    public void Open_DestinationTooSmall_ThrowsAndTryReturnsFalse()
    {
        byte[] record = _storage.Seal("hello"u8, Context);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => _storage.Open(record, Context, new byte[4])).ParamName);
        Assert.False(_storage.TryOpen(record, Context, new byte[4], out _));
    }

    [Fact]
    public void Open_LargeContext_RoundTrips()
    {
        byte[] context = TestBytes.Random(5000);
        byte[] record = _storage.Seal("x"u8, context);
        Assert.Equal("x"u8.ToArray(), _storage.Open(record, context));
        context[4999] ^= 1;
        Assert.Throws<ContextMismatchException>(() => _storage.Open(record, context));
    }

    [Fact]
    public void Open_WrongContext_ThrowsContextMismatch()
    {
        byte[] record = _storage.Seal("secret"u8, Context);
        Assert.Throws<ContextMismatchException>(() => _storage.Open(record, "tenant-b/ns/prod/secret/db"u8));
    }

    [Fact]
    public void Open_EmptyVersusNonEmptyContext_ThrowsContextMismatch()
    {
        byte[] record = _storage.Seal("secret"u8, ReadOnlySpan<byte>.Empty);
        Assert.Throws<ContextMismatchException>(() => _storage.Open(record, Context));
        Assert.Equal("secret"u8.ToArray(), _storage.Open(record, ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Open_UnknownKeyId_ThrowsKeyUnavailableUnknown()
    {
        using var other = new KeyRing();
        other.CreateKey("data");
        byte[] record = new StorageEncryptor(other, "data").Seal("x"u8, Context);

        var e = Assert.Throws<KeyUnavailableException>(() => _storage.Open(record, Context));
        Assert.Equal(KeyUnavailableReason.UnknownKeyId, e.Reason);
        Assert.Equal(Envelope.GetKeyId(record), e.KeyId);
    }

    [Fact]
    public void Open_DestroyedVersion_ThrowsKeyUnavailableDestroyed()
    {
        byte[] record = _storage.Seal("x"u8, Context);
        _ring.Rotate("data");
        _ring.Destroy("data", 1);

        Assert.Equal(KeyUnavailableReason.Destroyed, Assert.Throws<KeyUnavailableException>(() => _storage.Open(record, Context)).Reason);
    }

    [Fact]
    public void Open_BelowMinimumVersion_ThrowsKeyUnavailableBelowMinimum()
    {
        byte[] record = _storage.Seal("x"u8, Context);
        _ring.Rotate("data");
        _ring.SetMinimumDecryptionVersion("data", 2);

        Assert.Equal(KeyUnavailableReason.BelowMinimumVersion, Assert.Throws<KeyUnavailableException>(() => _storage.Open(record, Context)).Reason);

        _ring.SetMinimumDecryptionVersion("data", 1);
        Assert.Equal("x"u8.ToArray(), _storage.Open(record, Context));
    }

    [Fact]
    public void Open_Truncated_ThrowsInvalidEnvelope()
    {
        byte[] record = _storage.Seal(ReadOnlySpan<byte>.Empty, Context);
        Assert.Throws<InvalidEnvelopeException>(() => _storage.Open(record.AsSpan(0, Envelope.Overhead - 1), Context));
        Assert.Throws<InvalidEnvelopeException>(() => _storage.Open(ReadOnlySpan<byte>.Empty, Context));
    }

    [Theory]
    [InlineData(0, (byte)'X')]
    [InlineData(1, (byte)'X')]
    [InlineData(2, (byte)2)]
    [InlineData(2, (byte)0)]
    [InlineData(3, (byte)0)]
    [InlineData(3, (byte)3)]
    [InlineData(3, (byte)1)]
    public void Open_BadHeaderByte_ThrowsInvalidEnvelope(int offset, byte value)
    {
        byte[] record = _storage.Seal("x"u8, Context);
        record[offset] = value;
        Assert.Throws<InvalidEnvelopeException>(() => _storage.Open(record, Context));
    }

    [Fact]
    public void Open_CiphertextChanged_ThrowsTagMismatchAndZeroesDestination()
    {
        byte[] record = _storage.Seal(TestBytes.Random(64), Context);
        record[Envelope.HeaderSize + 3] ^= 0x10;
        byte[] destination = TestBytes.Filled(64, 0xAA);
        Assert.Throws<AuthenticationTagMismatchException>(() => _storage.Open(record, Context, destination));
        Assert.True(TestBytes.IsAllZero(destination));
    }

    [Fact]
    public void Open_NonceChanged_ThrowsTagMismatch()
    {
        byte[] record = _storage.Seal("x"u8, Context);
        record[Envelope.HeaderSize - 1] ^= 1;
        Assert.Throws<AuthenticationTagMismatchException>(() => _storage.Open(record, Context));
    }

    [Fact]
    public void Open_RecordFromOtherKeyOfSameRing_Opens()
    {
        _ring.CreateKey("other");
        byte[] record = new StorageEncryptor(_ring, "other").Seal("x"u8, Context);
        Assert.Equal("x"u8.ToArray(), _storage.Open(record, Context));
    }

    [Fact]
    public void Rewrap_OldVersion_MovesToActiveKeepsPlaintextAndContext()
    {
        byte[] record = _storage.Seal("payload"u8, Context);
        Assert.False(_storage.NeedsRewrap(record));
        KeyVersion v2 = _ring.Rotate("data");
        Assert.True(_storage.NeedsRewrap(record));

        byte[] rewrapped = _storage.Rewrap(record, Context);

        Assert.Equal(v2.KeyId, Envelope.GetKeyId(rewrapped));
        Assert.False(_storage.NeedsRewrap(rewrapped));
        Assert.Equal(record.Length, rewrapped.Length);
        Assert.Equal("payload"u8.ToArray(), _storage.Open(rewrapped, Context));
        Assert.Throws<ContextMismatchException>(() => _storage.Open(rewrapped, "elsewhere"u8));
    }

    [Fact]
    public void Rewrap_Tampered_ThrowsAndWritesNothingUsable()
    {
        byte[] record = _storage.Seal("payload"u8, Context);
        record[^1] ^= 1;
        Assert.Throws<AuthenticationTagMismatchException>(() => _storage.Rewrap(record, Context));
    }

    [Fact]
    public void Rewrap_DestinationOverlapsSource_Throws()
    {
        byte[] record = _storage.Seal("payload"u8, Context);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => _storage.Rewrap(record, Context, record)).ParamName);
    }

    [Fact]
    public void GetSealedSize_Negative_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Envelope.GetSealedSize(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Envelope.GetSealedSize(Envelope.MaxPlaintextLength + 1));
        Assert.Equal(Envelope.Overhead, Envelope.GetSealedSize(0));
    }

    [Fact]
    public void Constructor_UnknownKey_Throws()
    {
        Assert.Throws<KeyNotFoundException>(() => new StorageEncryptor(_ring, "nope"));
        Assert.Throws<ArgumentNullException>(() => new StorageEncryptor(null!, "data"));
    }
}
