using ContainerSec.KeyManagement;
using ContainerSec.Storage;

namespace ContainerSec.Tests.Storage;

/// <summary>The span forms of Seal and Open allocate nothing once warm (the 0 B target).</summary>
public sealed class StorageAllocationTests
{
    [Fact]
    public void SealOpen_SpanForms_AllocateNothing()
    {
        using var ring = new KeyRing();
        ring.CreateKey("alloc");
        var storage = new StorageEncryptor(ring, "alloc");
        byte[] plaintext = new byte[1024];
        byte[] context = "tenant/ns/object"u8.ToArray();
        byte[] record = new byte[Envelope.GetSealedSize(plaintext.Length)];
        byte[] opened = new byte[plaintext.Length];
        for (int i = 0; i < 100; i++)
        {
            storage.Seal(plaintext, context, record);
            storage.Open(record, context, opened);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            storage.Seal(plaintext, context, record);
            storage.Open(record, context, opened);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
