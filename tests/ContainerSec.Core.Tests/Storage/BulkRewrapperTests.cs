using ContainerSec.KeyManagement;
using ContainerSec.Storage;

namespace ContainerSec.Tests.Storage;

public sealed class BulkRewrapperTests
{
    [Fact]
    public void RewrapAll_AfterRotation_MovesEveryRecordAndKeepsPlaintext()
    {
        using var ring = new KeyRing();
        ring.CreateKey("k");
        var storage = new StorageEncryptor(ring, "k");
        Dictionary<string, (byte[] Record, byte[] Context)> db = Enumerable.Range(0, 250).ToDictionary(
            i => $"r{i:D4}", i => (storage.Seal(BitConverter.GetBytes(i), [(byte)i]), new[] { (byte)i }));
        KeyVersion v2 = ring.Rotate("k");
        var reports = new List<RewrapProgress>();

        RewrapProgress result = new BulkRewrapper(storage).RewrapAll(Records(db), (id, r) => db[id] = (r, db[id].Context), new SyncProgress(reports.Add));

        Assert.Equal(250, result.Rewrapped);
        Assert.Equal("r0249", result.LastCompletedId);
        Assert.Equal(3, reports.Count); // at 100, 200 and the end
        foreach ((string id, (byte[] record, byte[] context)) in db)
        {
            Assert.Equal(v2.KeyId, Envelope.GetKeyId(record));
            Assert.Equal(BitConverter.GetBytes(int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture)), storage.Open(record, context));
        }
    }

    [Fact]
    public void RewrapAll_StoppedAndResumed_DoesEachRecordOnce()
    {
        using var ring = new KeyRing();
        ring.CreateKey("k");
        var storage = new StorageEncryptor(ring, "k");
        Dictionary<string, (byte[] Record, byte[] Context)> db = Enumerable.Range(0, 50).ToDictionary(i => $"r{i:D4}", i => (storage.Seal("x"u8, "c"u8), "c"u8.ToArray()));
        ring.Rotate("k");
        var writes = new List<string>();
        using var cts = new CancellationTokenSource();
        RewrapProgress last = default;
        var rewrapper = new BulkRewrapper(storage) { ReportEvery = 1 };

        Assert.Throws<OperationCanceledException>(() => rewrapper.RewrapAll(Records(db), (id, r) =>
        {
            writes.Add(id);
            db[id] = (r, db[id].Context);
            if (writes.Count == 20)
            {
                cts.Cancel();
            }
        }, new SyncProgress(p => last = p), cancellationToken: cts.Token));

        Assert.Equal("r0019", last.LastCompletedId);
        RewrapProgress second = rewrapper.RewrapAll(Records(db), (id, r) => { writes.Add(id); db[id] = (r, db[id].Context); }, resumeAfter: last.LastCompletedId);

        Assert.Equal(30, second.Rewrapped);
        Assert.Equal(50, writes.Distinct().Count());
        Assert.Equal(50, writes.Count);

        // A rerun from the start finds nothing left to do.
        RewrapProgress third = rewrapper.RewrapAll(Records(db), (_, _) => Assert.Fail("Nothing should be rewritten."));
        Assert.Equal(50, third.AlreadyCurrent);
    }

    private static List<StoredRecord> Records(Dictionary<string, (byte[] Record, byte[] Context)> db) =>
        [.. db.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new StoredRecord(p.Key, p.Value.Record, p.Value.Context))];

    private sealed class SyncProgress(Action<RewrapProgress> report) : IProgress<RewrapProgress>
    {
        public void Report(RewrapProgress value) => report(value);
    }
}
