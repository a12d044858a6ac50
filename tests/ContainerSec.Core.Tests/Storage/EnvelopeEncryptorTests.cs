using System.Security.Cryptography;
using ContainerSec.Cryptography;
using ContainerSec.KeyManagement;
using ContainerSec.Storage;
using ContainerSec.Tests.KeyManagement;

namespace ContainerSec.Tests.Storage;

public sealed class EnvelopeEncryptorTests : IDisposable
{
    private static readonly byte[] Context = "tenant/x"u8.ToArray();
    private readonly AeadKey _kek = AeadKey.Generate(AeadAlgorithm.Aes256Gcm);

    public void Dispose() => _kek.Dispose();

    private LocalKeyEncryptionKeyProvider Provider(string id = "kek-1") => new(id, _kek);

    [Fact]
    public void SealOpen_RoundTrips_AndReusesOneDataKey()
    {
        using var envelope = new EnvelopeEncryptor(Provider());
        var records = Enumerable.Range(0, 20).Select(i => envelope.Seal(BitConverter.GetBytes(i), Context)).ToList();

        for (int i = 0; i < records.Count; i++)
        {
            Assert.Equal(BitConverter.GetBytes(i), envelope.Open(records[i], Context));
        }

        Assert.Equal(1, envelope.ProviderCalls);
        Assert.Equal(1, envelope.CachedKeyCount);
    }

    [Fact]
    public void Open_FreshEncryptor_UnwrapsOncePerDataKey()
    {
        byte[] record;
        using (var writer = new EnvelopeEncryptor(Provider()))
        {
            record = writer.Seal("hello"u8, Context);
        }

        using var reader = new EnvelopeEncryptor(Provider());
        reader.Open(record, Context);
        reader.Open(record, Context);
        Assert.Equal(1, reader.ProviderCalls);
    }

    [Fact]
    public void Seal_MessageLimitPerKey_NewDataKey()
    {
        using var envelope = new EnvelopeEncryptor(Provider(), new DataKeyCacheOptions { MaxMessagesPerKey = 3 });
        for (int i = 0; i < 7; i++)
        {
            envelope.Seal("x"u8, Context);
        }

        Assert.Equal(3, envelope.ProviderCalls);
    }

    [Fact]
    public void Seal_ByteLimitPerKey_NewDataKey()
    {
        using var envelope = new EnvelopeEncryptor(Provider(), new DataKeyCacheOptions { MaxBytesPerKey = 10 });
        envelope.Seal(new byte[6], Context);
        envelope.Seal(new byte[6], Context);
        Assert.Equal(2, envelope.ProviderCalls);
        Assert.Equal("plaintext", Assert.Throws<ArgumentException>(() => envelope.Seal(new byte[11], Context)).ParamName);
    }

    [Fact]
    public void Seal_AfterTimeToLive_NewDataKeyAndOldEvicted()
    {
        var time = new ManualTimeProvider();
        using var envelope = new EnvelopeEncryptor(Provider(), new DataKeyCacheOptions { TimeToLive = TimeSpan.FromMinutes(1) }, time);
        byte[] first = envelope.Seal("a"u8, Context);
        time.Advance(TimeSpan.FromMinutes(1));
        byte[] second = envelope.Seal("b"u8, Context);

        Assert.Equal(2, envelope.ProviderCalls);
        Assert.Equal(1, envelope.CachedKeyCount);
        Assert.Equal("a"u8.ToArray(), envelope.Open(first, Context)); // unwrapped again
        Assert.Equal(3, envelope.ProviderCalls);
        Assert.Equal("b"u8.ToArray(), envelope.Open(second, Context));
    }

    [Fact]
    public void Open_ManyDataKeys_CacheStaysWithinMaxEntries()
    {
        using var writer = new EnvelopeEncryptor(Provider(), new DataKeyCacheOptions { MaxMessagesPerKey = 1 });
        var records = Enumerable.Range(0, 10).Select(_ => writer.Seal("x"u8, Context)).ToList();
        using var reader = new EnvelopeEncryptor(Provider(), new DataKeyCacheOptions { MaxEntries = 3 });

        foreach (byte[] record in records)
        {
            Assert.Equal("x"u8.ToArray(), reader.Open(record, Context));
            Assert.True(reader.CachedKeyCount <= 3);
        }

        Assert.True(writer.CachedKeyCount <= 100);
    }

    [Fact]
    public void Open_WrongContext_ThrowsTagMismatch()
    {
        using var envelope = new EnvelopeEncryptor(Provider());
        byte[] record = envelope.Seal("x"u8, Context);
        Assert.Throws<AuthenticationTagMismatchException>(() => envelope.Open(record, "other"u8));
    }

    [Fact]
    public void Open_OtherKek_ThrowsKeyUnavailable()
    {
        using var envelope = new EnvelopeEncryptor(Provider("kek-1"));
        using var other = new EnvelopeEncryptor(Provider("kek-2"));
        byte[] record = envelope.Seal("x"u8, Context);
        Assert.Throws<KeyUnavailableException>(() => other.Open(record, Context));
    }

    [Fact]
    public void Open_AnyBitFlippedOrTruncated_Rejected()
    {
        using var writer = new EnvelopeEncryptor(Provider());
        byte[] record = writer.Seal("some payload"u8, Context);
        for (int bit = 0; bit < record.Length * 8; bit++)
        {
            using var reader = new EnvelopeEncryptor(Provider());
            record[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.ThrowsAny<CryptographicException>(() => reader.Open(record, Context));
            record[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        for (int length = 0; length < record.Length; length++)
        {
            Assert.ThrowsAny<CryptographicException>(() => writer.Open(record.AsSpan(0, length), Context));
        }
    }

    [Fact]
    public void Constructor_BadOptions_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EnvelopeEncryptor(Provider(), new DataKeyCacheOptions { MaxEntries = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EnvelopeEncryptor(Provider(), new DataKeyCacheOptions { MaxMessagesPerKey = (1L << 32) + 1 }));
        Assert.Throws<ArgumentException>(() => new LocalKeyEncryptionKeyProvider(new string('a', 256), _kek));
    }

    [Fact]
    public void Dispose_ThenUse_Throws()
    {
        var envelope = new EnvelopeEncryptor(Provider());
        byte[] record = envelope.Seal("x"u8, Context);
        envelope.Dispose();
        Assert.Throws<ObjectDisposedException>(() => envelope.Seal("x"u8, Context));
        Assert.Throws<ObjectDisposedException>(() => envelope.Open(record, Context));
    }

    [Fact]
    public void SealOpen_Concurrent_AllRoundTrip()
    {
        using var envelope = new EnvelopeEncryptor(Provider(), new DataKeyCacheOptions { MaxMessagesPerKey = 7, MaxEntries = 2 });
        Parallel.For(0, 2000, i =>
        {
            byte[] payload = BitConverter.GetBytes(i);
            Assert.Equal(payload, envelope.Open(envelope.Seal(payload, Context), Context));
        });
    }
}
