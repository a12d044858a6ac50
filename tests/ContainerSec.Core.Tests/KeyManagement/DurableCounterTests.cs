using ContainerSec.KeyManagement;
using ContainerSec.Storage;
using ContainerSec.Tests.Cryptography;

namespace ContainerSec.Tests.KeyManagement;

/// <summary>Static-key counters survive a crash (no save after the last seal) via saved high-water marks.</summary>
public sealed class DurableCounterTests
{
    private static readonly byte[] Context = "c"u8.ToArray();

    [Fact]
    public void Seal_CrashWithoutSave_ReloadedCountIsAtLeastUsed()
    {
        using var store = new InMemoryKeyStore();
        using (var ring = new KeyRing())
        {
            ring.ImportKey("s", TestBytes.Random(32), new RotationPolicy(maxOperations: 640));
            ring.EnableDurableCounters(store);
            var storage = new StorageEncryptor(ring, "s");
            for (int i = 0; i < 25; i++)
            {
                storage.Seal("x"u8, Context);
            }

            // No Save here: the process "crashes".
        }

        using KeyRing reloaded = store.Load();
        long count = reloaded.GetActiveVersion("s").OperationCount;
        Assert.InRange(count, 25, 30); // marks move in steps of 640 / 64 = 10
    }

    [Fact]
    public void Seal_AcrossRepeatedCrashes_NeverExceedsLimitInTotal()
    {
        const int Limit = 128;
        using var store = new InMemoryKeyStore();
        using (var first = new KeyRing())
        {
            first.ImportKey("s", TestBytes.Random(32), new RotationPolicy(maxOperations: Limit));
            store.Save(first);
        }

        long total = 0;
        bool exhausted = false;
        for (int life = 0; life < 100 && !exhausted; life++)
        {
            using KeyRing ring = store.Load();
            ring.EnableDurableCounters(store);
            var storage = new StorageEncryptor(ring, "s");
            for (int i = 0; i < 7; i++)
            {
                try
                {
                    storage.Seal("x"u8, Context);
                    total++;
                }
                catch (KeyUsageLimitExceededException)
                {
                    exhausted = true;
                    break;
                }
            }
        }

        Assert.True(exhausted);
        Assert.True(total <= Limit, $"{total} seals across restarts; the limit is {Limit}.");
    }

    [Fact]
    public void Seal_DurableCountersWithBytes_LargeRecordStillFits()
    {
        using var store = new InMemoryKeyStore();
        using var ring = new KeyRing();
        ring.ImportKey("s", TestBytes.Random(32), new RotationPolicy(maxBytes: 6400));
        ring.EnableDurableCounters(store);
        var storage = new StorageEncryptor(ring, "s");

        storage.Seal(new byte[1000], Context); // larger than one 1/64 step (100 bytes)
        storage.Seal(new byte[1000], Context);

        using KeyRing reloaded = store.Load();
        Assert.True(reloaded.GetActiveVersion("s").ByteCount >= 2000);
    }
}
