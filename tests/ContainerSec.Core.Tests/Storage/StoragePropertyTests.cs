using ContainerSec.KeyManagement;
using ContainerSec.Storage;
using ContainerSec.Tests.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Storage;

/// <summary>FsCheck: seal/open round trips with random rotations in between; rewrap keeps plaintext and context.</summary>
public sealed class StoragePropertyTests
{
    [Fact]
    public void SealOpen_RandomRotationsBetween_AllRecordsStillOpen()
    {
        Gen<(byte[] Plaintext, byte[] Context, bool Rotate)[]> steps =
            from count in Gen.Choose(1, 20)
            from items in Gen.ArrayOf(
                from p in ArbMap.Default.GeneratorFor<byte[]>()
                from c in ArbMap.Default.GeneratorFor<byte[]>()
                from r in Gen.Elements(true, false)
                select (p, c, r), count)
            select items;

        TestBytes.Check(Prop.ForAll(steps.ToArbitrary(), items =>
        {
            using var ring = new KeyRing();
            ring.CreateKey("k");
            var storage = new StorageEncryptor(ring, "k");
            var sealedRecords = new List<(byte[] Record, byte[] Plaintext, byte[] Context)>();
            foreach ((byte[] plaintext, byte[] context, bool rotate) in items)
            {
                if (rotate)
                {
                    ring.Rotate("k");
                }

                sealedRecords.Add((storage.Seal(plaintext, context), plaintext, context));
            }

            foreach ((byte[] record, byte[] plaintext, byte[] context) in sealedRecords)
            {
                Assert.Equal(plaintext, storage.Open(record, context));
            }
        }), 100);
    }

    [Fact]
    public void Rewrap_AfterRotation_KeepsPlaintextAndContext()
    {
        Gen<(byte[], byte[], int)> inputs =
            from p in ArbMap.Default.GeneratorFor<byte[]>()
            from c in ArbMap.Default.GeneratorFor<byte[]>()
            from n in Gen.Choose(1, 4)
            select (p, c, n);

        TestBytes.Check(Prop.ForAll(inputs.ToArbitrary(), input =>
        {
            (byte[] plaintext, byte[] context, int rotations) = input;
            using var ring = new KeyRing();
            ring.CreateKey("k");
            var storage = new StorageEncryptor(ring, "k");
            byte[] record = storage.Seal(plaintext, context);
            for (int i = 0; i < rotations; i++)
            {
                ring.Rotate("k");
            }

            byte[] rewrapped = storage.Rewrap(record, context);

            Assert.Equal(ring.GetActiveVersion("k").KeyId, Envelope.GetKeyId(rewrapped));
            Assert.Equal(plaintext, storage.Open(rewrapped, context));
            if (context.Length > 0)
            {
                Assert.Throws<ContextMismatchException>(() => storage.Open(rewrapped, [.. context, 1]));
            }
        }), 100);
    }
}
