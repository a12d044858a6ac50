using ContainerSec.Cryptography;
using ContainerSec.KeyManagement;
using ContainerSec.Storage;
using ContainerSec.Tests.Cryptography;

namespace ContainerSec.Tests.KeyManagement;

public sealed class KeyRingTests
{
    private static readonly byte[] Context = "tenant-a/ns/secret"u8.ToArray();

    [Fact]
    public void CreateKey_NewKey_Version1ActiveWithRandomUniqueId()
    {
        using var ring = new KeyRing();
        KeyVersion v1 = ring.CreateKey("a");
        KeyVersion b1 = ring.CreateKey("b");

        Assert.Equal(1, v1.Number);
        Assert.Equal(KeyVersionState.Active, v1.State);
        Assert.Equal(KeyKind.Dynamic, v1.Kind);
        Assert.NotEqual(v1.KeyId, b1.KeyId);
        Assert.NotEqual(default, v1.KeyId);
    }

    [Fact]
    public void KeyId_ManyGenerated_NeverRepeat()
    {
        var seen = new HashSet<KeyId>();
        for (int i = 0; i < 10_000; i++)
        {
            Assert.True(seen.Add(KeyId.NewId()));
        }
    }

    [Fact]
    public void KeyId_ParseToString_RoundTrips()
    {
        KeyId id = KeyId.NewId();
        Assert.Equal(id, KeyId.Parse(id.ToString()));
        Assert.Equal(id, KeyId.FromBytes(id.ToArray()));
        Assert.Throws<FormatException>(() => KeyId.Parse("xyz"));
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => KeyId.FromBytes(new byte[15])).ParamName);
    }

    [Fact]
    public void CreateKey_DuplicateName_Throws()
    {
        using var ring = new KeyRing();
        ring.CreateKey("a");
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => ring.CreateKey("a")).ParamName);
    }

    [Fact]
    public void AddVersion_Dynamic_IsDecryptOnlyUntilPromoted()
    {
        var time = new ManualTimeProvider();
        using var ring = new KeyRing(time);
        KeyVersion v1 = ring.CreateKey("a");
        time.Advance(TimeSpan.FromMinutes(1));
        KeyVersion v2 = ring.AddVersion("a");

        Assert.Equal(KeyVersionState.DecryptOnly, v2.State);
        Assert.Equal(v1, ring.GetActiveVersion("a"));

        time.Advance(TimeSpan.FromMinutes(1));
        ring.Promote("a", 2);

        Assert.Equal(KeyVersionState.Active, v2.State);
        Assert.Equal(KeyVersionState.DecryptOnly, v1.State);
        Assert.Equal(time.GetUtcNow(), v2.ActivatedAt);
        Assert.Equal(time.GetUtcNow(), v1.DeactivatedAt);
        Assert.Equal(
            [KeyEventKind.Added, KeyEventKind.Promoted, KeyEventKind.Added, KeyEventKind.Promoted, KeyEventKind.Demoted],
            ring.GetHistory("a").Select(e => e.Kind));
    }

    [Fact]
    public void AddVersion_PendingVersion_CanAlreadyDecryptButDoesNotEncrypt()
    {
        using var ring = new KeyRing();
        KeyVersion v1 = ring.CreateKey("a");
        var storage = new StorageEncryptor(ring, "a");
        ring.AddVersion("a");

        byte[] sealedRecord = storage.Seal("x"u8, Context);

        Assert.Equal(v1.KeyId, Envelope.GetKeyId(sealedRecord));
    }

    [Fact]
    public void Rotate_Dynamic_NewRecordsUseNewVersionOldStillOpen()
    {
        using var ring = new KeyRing();
        ring.CreateKey("a");
        var storage = new StorageEncryptor(ring, "a");
        byte[] old = storage.Seal("old"u8, Context);

        KeyVersion v2 = ring.Rotate("a");
        byte[] fresh = storage.Seal("new"u8, Context);

        Assert.Equal(v2.KeyId, Envelope.GetKeyId(fresh));
        Assert.Equal("old"u8.ToArray(), storage.Open(old, Context));
        Assert.Equal("new"u8.ToArray(), storage.Open(fresh, Context));
    }

    [Fact]
    public void Rotate_StaticKeyWithoutMaterial_Throws()
    {
        using var ring = new KeyRing();
        ring.ImportKey("s", TestBytes.Random(32));
        Assert.Throws<InvalidOperationException>(() => ring.Rotate("s"));
        ring.CreateKey("d");
        Assert.Throws<InvalidOperationException>(() => ring.AddVersion("d", TestBytes.Random(32)));
    }

    [Fact]
    public void ImportKey_WrongMaterialSize_ThrowsWithParamName()
    {
        using var ring = new KeyRing();
        Assert.Equal("keyMaterial", Assert.Throws<ArgumentException>(() => ring.ImportKey("s", new byte[31])).ParamName);
    }

    [Fact]
    public void Disable_ActiveVersion_Throws()
    {
        using var ring = new KeyRing();
        ring.CreateKey("a");
        Assert.Throws<InvalidOperationException>(() => ring.Disable("a", 1));
        Assert.Throws<InvalidOperationException>(() => ring.Destroy("a", 1));
    }

    [Fact]
    public void Enable_DisabledVersion_OpensAgain()
    {
        using var ring = new KeyRing();
        ring.CreateKey("a");
        var storage = new StorageEncryptor(ring, "a");
        byte[] record = storage.Seal("x"u8, Context);
        ring.Rotate("a");

        ring.Disable("a", 1);
        Assert.Equal(KeyUnavailableReason.Disabled, Assert.Throws<KeyUnavailableException>(() => storage.Open(record, Context)).Reason);

        ring.Enable("a", 1);
        Assert.Equal("x"u8.ToArray(), storage.Open(record, Context));
    }

    [Fact]
    public void Destroy_Version_IsPermanentAndRecorded()
    {
        var time = new ManualTimeProvider();
        using var ring = new KeyRing(time);
        ring.CreateKey("a");
        KeyVersion v1 = ring.GetActiveVersion("a");
        ring.Rotate("a");
        time.Advance(TimeSpan.FromHours(1));

        ring.Destroy("a", 1);

        Assert.Equal(KeyVersionState.Destroyed, v1.State);
        Assert.Equal(time.GetUtcNow(), v1.DestroyedAt);
        Assert.Throws<InvalidOperationException>(() => ring.Enable("a", 1));
        Assert.Throws<InvalidOperationException>(() => ring.Promote("a", 1));
    }

    [Fact]
    public void SetMinimumDecryptionVersion_AboveActive_Throws()
    {
        using var ring = new KeyRing();
        ring.CreateKey("a");
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.SetMinimumDecryptionVersion("a", 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.SetMinimumDecryptionVersion("a", 0));
    }

    [Fact]
    public void Promote_BelowMinimumVersion_Throws()
    {
        using var ring = new KeyRing();
        ring.CreateKey("a");
        ring.Rotate("a");
        ring.SetMinimumDecryptionVersion("a", 2);
        Assert.Throws<InvalidOperationException>(() => ring.Promote("a", 1));
    }

    [Fact]
    public void Seal_DynamicKeyAtOperationLimit_RotatesBeforeExceeding()
    {
        using var ring = new KeyRing();
        ring.CreateKey("a", new RotationPolicy(maxOperations: 3));
        var storage = new StorageEncryptor(ring, "a");

        var ids = Enumerable.Range(0, 7).Select(_ => Envelope.GetKeyId(storage.Seal("x"u8, Context))).ToList();

        Assert.Single(ids.Take(3).Distinct());
        Assert.Single(ids.Skip(3).Take(3).Distinct());
        Assert.Equal(3, ids.Distinct().Count());
        IReadOnlyList<KeyVersion> versions = ring.GetVersions("a");
        Assert.Equal([3L, 3L, 1L], versions.Select(v => v.OperationCount));
        Assert.All(versions, v => Assert.True(v.OperationCount <= 3));
    }

    [Fact]
    public void Seal_DynamicKeyAtByteLimit_RotatesBeforeExceeding()
    {
        using var ring = new KeyRing();
        ring.CreateKey("a", new RotationPolicy(maxBytes: 10));
        var storage = new StorageEncryptor(ring, "a");

        storage.Seal(new byte[6], Context);
        storage.Seal(new byte[6], Context);

        IReadOnlyList<KeyVersion> versions = ring.GetVersions("a");
        Assert.Equal(2, versions.Count);
        Assert.Equal(6, versions[0].ByteCount);
        Assert.Equal(6, versions[1].ByteCount);
    }

    [Fact]
    public void Seal_PlaintextLargerThanByteLimit_ThrowsWithoutRotating()
    {
        using var ring = new KeyRing();
        ring.CreateKey("a", new RotationPolicy(maxBytes: 10));
        var storage = new StorageEncryptor(ring, "a");

        Assert.Equal("plaintext", Assert.Throws<ArgumentException>(() => storage.Seal(new byte[11], Context)).ParamName);
        Assert.Single(ring.GetVersions("a"));
    }

    [Fact]
    public void Seal_DynamicKeyPastMaxAge_Rotates()
    {
        var time = new ManualTimeProvider();
        using var ring = new KeyRing(time);
        KeyVersion v1 = ring.CreateKey("a", new RotationPolicy(maxAge: TimeSpan.FromHours(1)));
        var storage = new StorageEncryptor(ring, "a");
        storage.Seal("x"u8, Context);

        time.Advance(TimeSpan.FromHours(1));
        byte[] record = storage.Seal("x"u8, Context);

        Assert.NotEqual(v1.KeyId, Envelope.GetKeyId(record));
        Assert.Equal(KeyVersionState.DecryptOnly, v1.State);
    }

    [Fact]
    public void Seal_StaticKeyAtLimit_ThrowsAndWarnedBefore()
    {
        using var ring = new KeyRing();
        var warnings = new List<KeyUsageWarningEventArgs>();
        ring.UsageWarning += (_, e) => warnings.Add(e);
        ring.ImportKey("s", TestBytes.Random(32), new RotationPolicy(maxOperations: 10, warningThreshold: 0.8));
        var storage = new StorageEncryptor(ring, "s");

        for (int i = 0; i < 10; i++)
        {
            storage.Seal("x"u8, Context);
        }

        var e = Assert.Throws<KeyUsageLimitExceededException>(() => storage.Seal("x"u8, Context));
        Assert.Equal(KeyUsageLimit.Operations, e.Limit);
        Assert.Equal(10, ring.GetActiveVersion("s").OperationCount);
        Assert.Equal(2, warnings.Count);
        Assert.False(warnings[0].Reached);
        Assert.True(warnings[1].Reached);

        ring.Rotate("s", TestBytes.Random(32));
        Assert.Equal(2, ring.GetVersions("s").Count);
        storage.Seal("x"u8, Context);
    }

    [Fact]
    public void Seal_StaticKeyPastMaxAge_Throws()
    {
        var time = new ManualTimeProvider();
        using var ring = new KeyRing(time);
        ring.ImportKey("s", TestBytes.Random(32), new RotationPolicy(maxAge: TimeSpan.FromDays(1)));
        var storage = new StorageEncryptor(ring, "s");
        time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(KeyUsageLimit.Age, Assert.Throws<KeyUsageLimitExceededException>(() => storage.Seal("x"u8, Context)).Limit);
    }

    [Fact]
    public void RotationPolicy_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RotationPolicy(maxOperations: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RotationPolicy(maxOperations: RotationPolicy.OperationsBound + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RotationPolicy(maxBytes: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RotationPolicy(maxAge: TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RotationPolicy(warningThreshold: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RotationPolicy(warningThreshold: double.NaN));
        Assert.True(RotationPolicy.Default.MaxOperations <= 1L << 30);
    }

    [Fact]
    public void ToString_Version_NeverShowsMaterial()
    {
        using var ring = new KeyRing();
        byte[] material = TestBytes.Random(32);
        KeyVersion v = ring.ImportKey("s", material);
        TestBytes.AssertDoesNotReveal(v.ToString(), material);
        Assert.Contains(v.KeyId.ToString(), v.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_Ring_FurtherUseThrows()
    {
        var ring = new KeyRing();
        ring.CreateKey("a");
        var storage = new StorageEncryptor(ring, "a");
        ring.Dispose();
        Assert.Throws<ObjectDisposedException>(() => storage.Seal("x"u8, Context));
        Assert.Throws<ObjectDisposedException>(() => ring.CreateKey("b"));
    }

    [Fact]
    public void CreateKey_Aes128_SealsWithAlgorithmId1()
    {
        using var ring = new KeyRing();
        ring.CreateKey("a", algorithm: AeadAlgorithm.Aes128Gcm);
        var storage = new StorageEncryptor(ring, "a");
        byte[] record = storage.Seal("x"u8, Context);
        Assert.Equal(1, record[3]);
        Assert.Equal("x"u8.ToArray(), storage.Open(record, Context));
    }
}
