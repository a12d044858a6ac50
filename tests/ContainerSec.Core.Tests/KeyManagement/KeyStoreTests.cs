using System.Security.Cryptography;
using ContainerSec.Cryptography;
using ContainerSec.KeyManagement;
using ContainerSec.Storage;
using ContainerSec.Tests.Cryptography;

namespace ContainerSec.Tests.KeyManagement;

public sealed class KeyStoreTests : IDisposable
{
    private const int TestIterations = 1000;
    private static readonly byte[] Context = "ctx"u8.ToArray();
    private readonly string _dir = Directory.CreateTempSubdirectory("containersec-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StorePath => Path.Combine(_dir, "keys.store");

    [Fact]
    public void InMemory_SaveLoad_KeepsVersionsStatesCountersAndOpensOldRecords()
    {
        using var store = new InMemoryKeyStore();
        byte[] record;
        KeyId[] ids;
        using (var ring = new KeyRing())
        {
            ring.ImportKey("static", TestBytes.Random(32), new RotationPolicy(maxOperations: 50));
            ring.CreateKey("dynamic");
            var storage = new StorageEncryptor(ring, "static");
            record = storage.Seal("x"u8, Context);
            storage.Seal("y"u8, Context);
            ring.Rotate("static", TestBytes.Random(32));
            ring.Rotate("static", TestBytes.Random(32));
            ring.Disable("static", 2);
            ring.SetMinimumDecryptionVersion("static", 1);
            ring.Rotate("dynamic");
            ring.Destroy("dynamic", 1);
            ids = [.. ring.GetVersions("static").Select(v => v.KeyId)];
            store.Save(ring);
        }

        using KeyRing loaded = store.Load();
        IReadOnlyList<KeyVersion> versions = loaded.GetVersions("static");
        Assert.Equal(ids, versions.Select(v => v.KeyId));
        Assert.Equal([KeyVersionState.DecryptOnly, KeyVersionState.Disabled, KeyVersionState.Active], versions.Select(v => v.State));
        Assert.Equal(2, versions[0].OperationCount);
        Assert.Equal(KeyKind.Static, versions[0].Kind);
        Assert.Equal(50, versions[0].RemainingOperations + versions[0].OperationCount);
        Assert.Equal("x"u8.ToArray(), new StorageEncryptor(loaded, "static").Open(record, Context));
        Assert.Equal(KeyVersionState.Destroyed, loaded.GetVersions("dynamic")[0].State);
        Assert.Equal(loaded.GetHistory("static").Count, loaded.GetHistory("static").Count(e => e.Timestamp != default));
    }

    [Fact]
    public void Load_DynamicKey_RotatesBecauseUnsavedUseIsUnknown()
    {
        using var store = new InMemoryKeyStore();
        using (var ring = new KeyRing())
        {
            ring.CreateKey("d");
            store.Save(ring);
        }

        using KeyRing loaded = store.Load();
        Assert.Equal(2, loaded.GetVersions("d").Count);
        Assert.Equal(2, loaded.GetActiveVersion("d").Number);
        Assert.Equal(KeyVersionState.DecryptOnly, loaded.GetVersions("d")[0].State);
    }

    [Fact]
    public void Load_EmptyStore_EmptyRing()
    {
        using var memory = new InMemoryKeyStore();
        using var file = FileKeyStore.Open(StorePath, "pw".AsSpan(), TestIterations);
        Assert.Empty(memory.Load().KeyNames);
        Assert.Empty(file.Load().KeyNames);
    }

    [Fact]
    public void FileStore_SaveReopenLoad_RoundTrips()
    {
        byte[] record;
        using (var store = FileKeyStore.Open(StorePath, "correct horse".AsSpan(), TestIterations))
        using (var ring = new KeyRing())
        {
            ring.ImportKey("s", TestBytes.Random(32));
            record = new StorageEncryptor(ring, "s").Seal("hello"u8, Context);
            store.Save(ring);
        }

        using var reopened = FileKeyStore.Open(StorePath, "correct horse".AsSpan(), TestIterations);
        using KeyRing loaded = reopened.Load();
        Assert.Equal("hello"u8.ToArray(), new StorageEncryptor(loaded, "s").Open(record, Context));
        Assert.False(File.Exists(StorePath + ".tmp"));
    }

    [Fact]
    public void FileStore_WrongPassphrase_ThrowsCryptographic()
    {
        using (var store = FileKeyStore.Open(StorePath, "right".AsSpan(), TestIterations))
        using (var ring = new KeyRing())
        {
            ring.CreateKey("d");
            store.Save(ring);
        }

        using var wrong = FileKeyStore.Open(StorePath, "wrong".AsSpan(), TestIterations);
        Assert.ThrowsAny<CryptographicException>(() => wrong.Load());
    }

    [Fact]
    public void FileStore_AnyByteChanged_ThrowsCryptographic()
    {
        using var masterKey = AeadKey.Generate(AeadAlgorithm.Aes256Gcm);
        using (var store = FileKeyStore.Open(StorePath, masterKey))
        using (var ring = new KeyRing())
        {
            ring.CreateKey("d");
            store.Save(ring);
        }

        byte[] original = File.ReadAllBytes(StorePath);
        for (int i = 0; i < original.Length; i += 7)
        {
            byte[] changed = (byte[])original.Clone();
            changed[i] ^= 0x01;
            File.WriteAllBytes(StorePath, changed);
            Assert.ThrowsAny<CryptographicException>(() =>
            {
                using var store = FileKeyStore.Open(StorePath, masterKey);
                store.Load().Dispose();
            });
        }
    }

    [Fact]
    public void FileStore_Passphrase_UsesOwaspIterationCount()
    {
        using (var store = FileKeyStore.Open(StorePath, "pw".AsSpan()))
        using (var ring = new KeyRing())
        {
            store.Save(ring);
        }

        byte[] file = File.ReadAllBytes(StorePath);
        Assert.Equal(600_000, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(8)));
        Assert.Equal(FileKeyStore.Pbkdf2Iterations, 600_000);
        Assert.Throws<CryptographicException>(() => FileKeyStore.Open(StorePath, new AeadKeyHolder().Key).Dispose());
    }

    [Fact]
    public void FileStore_LowIterationFile_RefusedByPublicOpen()
    {
        using (var store = FileKeyStore.Open(StorePath, "pw".AsSpan(), TestIterations))
        using (var ring = new KeyRing())
        {
            store.Save(ring);
        }

        Assert.Throws<CryptographicException>(() => FileKeyStore.Open(StorePath, "pw".AsSpan()).Dispose());
    }

    [Fact]
    public void FileStore_SecondOpen_ThrowsLockedUntilFirstDisposed()
    {
        var first = FileKeyStore.Open(StorePath, "pw".AsSpan(), TestIterations);
        Assert.Throws<KeyStoreLockedException>(() => FileKeyStore.Open(StorePath, "pw".AsSpan(), TestIterations));
        first.Dispose();
        FileKeyStore.Open(StorePath, "pw".AsSpan(), TestIterations).Dispose();
    }

    public static TheoryData<int> Steps => [.. Enum.GetValues<FileWriteStep>().Select(s => (int)s)];

    [Theory]
    [MemberData(nameof(Steps))]
    public void FileStore_CrashAtStep_ReopensToOldOrNewNeverTorn(int stepNumber)
    {
        var failAt = (FileWriteStep)stepNumber;
        using var masterKey = AeadKey.Generate(AeadAlgorithm.Aes256Gcm);
        using (var store = FileKeyStore.Open(StorePath, masterKey))
        using (var ring = new KeyRing())
        {
            ring.ImportKey("s", TestBytes.Random(32));
            store.Save(ring);                               // old state: 1 version
            ring.Rotate("s", TestBytes.Random(32));         // new state: 2 versions
            store.BeforeStep = step =>
            {
                if (step == failAt)
                {
                    throw new IOException($"Injected crash before {step}.");
                }
            };
            Assert.Throws<IOException>(() => store.Save(ring));
        }

        using var reopened = FileKeyStore.Open(StorePath, masterKey);
        using KeyRing loaded = reopened.Load();
        int versions = loaded.GetVersions("s").Count;
        int expected = failAt == FileWriteStep.FlushDirectory ? 2 : 1; // the rename is the commit point
        Assert.Equal(expected, versions);
        Assert.False(File.Exists(StorePath + ".tmp"), "A torn temp file must be cleaned up on open.");
    }

    private sealed class AeadKeyHolder
    {
        public AeadKey Key { get; } = AeadKey.Generate(AeadAlgorithm.Aes256Gcm);
    }
}
