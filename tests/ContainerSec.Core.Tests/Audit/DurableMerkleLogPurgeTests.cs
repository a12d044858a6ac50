using System.Buffers.Binary;
using System.Collections.Concurrent;
using ContainerSec.Audit;
using ContainerSec.Cryptography;
using ContainerSec.KeyManagement;
using static ContainerSec.Tests.Audit.TiledLogTests;

namespace ContainerSec.Tests.Audit;

/// <summary>
/// Retention on the <see cref="DurableMerkleLog"/> journal: a purged prefix keeps only leaf hashes;
/// roots, proofs and signed checkpoints are unchanged; purged payloads are never served; the file
/// is replaced atomically (old or new after a failure at every step); appends racing a purge are
/// neither lost nor reordered; VerifyFile accepts the purged prefix and finds every bit flip.
/// </summary>
public sealed class DurableMerkleLogPurgeTests : IDisposable
{
    private const int PurgedRecordSize = 68;
    private static readonly DurableMerkleLogOptions NoFsync = new() { FlushToDisk = false };
    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-purge-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private string NewLog(List<byte[]> entries, int batch = 7, DurableMerkleLogOptions? options = null)
    {
        string path = Path.Combine(_scratch, "log");
        using var log = DurableMerkleLog.Open(path, options ?? NoFsync);
        for (int i = 0; i < entries.Count; i += batch)
        {
            log.AppendBatch(entries.GetRange(i, Math.Min(batch, entries.Count - i)));
        }

        return path;
    }

    private static void AssertSameTree(DurableMerkleLog log, MerkleTree expected)
    {
        Assert.Equal(expected.Size, log.Size);
        for (ulong size = 0; size <= expected.Size; size++)
        {
            Assert.Equal(expected.GetRoot(size), log.GetRoot(size));
        }

        for (ulong i = 0; i < expected.Size; i++)
        {
            Assert.Equal(expected.GetLeafHash(i), log.GetLeafHash(i));
            Assert.Equal(expected.GetInclusionProof(i, expected.Size), log.GetInclusionProof(i, expected.Size));
        }

        for (ulong size1 = 1; size1 <= expected.Size; size1 += 3)
        {
            Assert.Equal(expected.GetConsistencyProof(size1, expected.Size), log.GetConsistencyProof(size1, expected.Size));
        }
    }

    [Fact]
    public void PurgePayloads_Prefix_RootsProofsAndCheckpointsUnchanged_PurgedNeverServed_AppendsContinue()
    {
        List<byte[]> entries = Entries(40);
        using var tree = new MerkleTree();
        entries.ForEach(e => tree.Append(e));
        string path = NewLog(entries);
        long before = new FileInfo(path).Length;
        using var signer = new NoteSigner(Origin, SigningKey.Generate(SignatureAlgorithm.Ed25519));
        using NoteVerifier verifier = signer.CreateVerifier();
        string signedOld = new Checkpoint(Origin, 25, tree.GetRoot(25)).Sign(signer);

        using (var log = DurableMerkleLog.Open(path, NoFsync))
        {
            Assert.Equal(17UL, log.PurgePayloads(17));
            Assert.Equal(17UL, log.PurgedEntries);
            Assert.Equal(17UL, log.PurgePayloads(5)); // a smaller prefix changes nothing
            AssertSameTree(log, tree);
            for (ulong i = 0; i < 40; i++)
            {
                if (i < 17)
                {
                    LogEntryPurgedException e = Assert.Throws<LogEntryPurgedException>(() => log.ReadEntry(i));
                    Assert.Equal(i, e.Index);
                }
                else
                {
                    Assert.Equal(entries[(int)i], log.ReadEntry(i));
                }
            }

            // The checkpoint signed before the purge still verifies, with proofs made after it.
            Assert.Equal(NoteOpenStatus.Verified, Checkpoint.Open(signedOld, [verifier], Origin, out Checkpoint? old));
            for (ulong i = 0; i < 25; i++)
            {
                Assert.True(MerkleProof.VerifyInclusion(i, 25, log.GetLeafHash(i), log.GetInclusionProof(i, 25), old!.RootHash));
            }

            Assert.Equal(40UL, log.Append(Entry(40)));
            tree.Append(Entry(40));
            Assert.True(MerkleProof.VerifyConsistency(25, 41, log.GetConsistencyProof(25, 41), old!.RootHash, log.GetRoot(41)));
            Assert.Throws<ArgumentOutOfRangeException>(() => log.PurgePayloads(42));
        }

        // 17 records became 68-byte hash-only records; the rest is byte-identical.
        long retained = before - entries.Take(17).Sum(e => 36L + e.Length);
        Assert.Equal(retained + (17 * PurgedRecordSize) + 36 + Entry(40).Length, new FileInfo(path).Length);
        Assert.False(File.Exists(path + ".purge-tmp"));

        using var reopened = DurableMerkleLog.Open(path, NoFsync);
        Assert.Equal((17UL, 0L), (reopened.PurgedEntries, reopened.DiscardedTailBytes));
        AssertSameTree(reopened, tree);
        Assert.Throws<LogEntryPurgedException>(() => reopened.ReadEntry(16));
        Assert.Equal(Entry(40), reopened.ReadEntry(40));
        Assert.Equal(30UL, reopened.PurgePayloads(30)); // purging again extends the prefix
        Assert.Equal(Entry(30), reopened.ReadEntry(30));
        Assert.Equal(41UL, reopened.PurgePayloads(41)); // everything
        AssertSameTree(reopened, tree);
        Assert.Equal(41UL, reopened.Append(Entry(41)));
        Assert.Equal(Entry(41), reopened.ReadEntry(41));
    }

    [Fact]
    public void PurgePayloads_ByTime_StopsAtTheFirstEntryNotOlder()
    {
        List<byte[]> entries = Entries(30);
        entries[12] = Entry(500); // out of order: a new entry stops the purge, older ones after it stay
        string path = NewLog(entries);
        using var log = DurableMerkleLog.Open(path, NoFsync);

        Assert.Equal(12UL, log.PurgePayloads(TimestampOf, DateTimeOffset.FromUnixTimeSeconds(20)));
        Assert.Equal(entries[13], log.ReadEntry(13));
        Assert.Equal(12UL, log.PurgePayloads(TimestampOf, DateTimeOffset.FromUnixTimeSeconds(20)));
        Assert.Equal(30UL, log.PurgePayloads(TimestampOf, DateTimeOffset.FromUnixTimeSeconds(1000)));
        Assert.Throws<ArgumentNullException>(() => log.PurgePayloads(null!, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void PurgePayloads_AuditEvents_UsesAuditEventTime()
    {
        var time = new ManualTime(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        string path = Path.Combine(_scratch, "events");
        using var log = DurableMerkleLog.Open(path, NoFsync);
        using var sink = new DurableMerkleLogAuditSink(log, leaveOpen: true);
        var auditor = new Auditor(sink, new AuditPolicy([new() { Level = AuditLevel.Metadata }]), timeProvider: time);
        var user = new ContainerSec.Policy.UserInfo("dev");
        for (int day = 0; day < 5; day++)
        {
            auditor.Record("authorization", ContainerSec.Policy.AccessRequest.ForResource(user, "get", "", "pods", "tenant-a", $"p{day}"), true, "allowed", time.GetUtcNow());
            time.Advance(TimeSpan.FromDays(1));
        }

        // Cutoff: day 3 00:00 purges the events of days 0, 1 and 2.
        Assert.Equal(3UL, log.PurgePayloads(TiledLogPublisher.AuditEventTime, DateTimeOffset.Parse("2026-01-04T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(3UL, sink.PurgedEntries);
    }

    public static TheoryData<int> Steps => [.. Enum.GetValues<FileWriteStep>().Select(s => (int)s)];

    [Theory]
    [MemberData(nameof(Steps))]
    public void PurgePayloads_FailureAtEachStep_OldFileOrNewFileNeverAMix(int stepNumber)
    {
        var failAt = (FileWriteStep)stepNumber;
        List<byte[]> entries = Entries(30);
        using var tree = new MerkleTree();
        entries.ForEach(e => tree.Append(e));
        string path = NewLog(entries);
        byte[] original = File.ReadAllBytes(path);
        bool renamed = failAt == FileWriteStep.FlushDirectory;

        using (var log = DurableMerkleLog.Open(path, NoFsync))
        {
            log.BeforePurgeStep = step =>
            {
                if (step == failAt)
                {
                    throw new IOException($"injected failure at {step}");
                }
            };
            Assert.Throws<IOException>(() => log.PurgePayloads(20));
            Assert.Equal(renamed ? 20UL : 0UL, log.PurgedEntries);
            Assert.False(File.Exists(path + ".purge-tmp"));
            if (!renamed)
            {
                Assert.Equal(original, File.ReadAllBytes(path)); // the old file, untouched
            }

            // The log keeps working either way.
            AssertSameTree(log, tree);
            Assert.Equal(entries[25], log.ReadEntry(25));
            Assert.Equal(30UL, log.Append(Entry(30)));
            tree.Append(Entry(30));
            log.BeforePurgeStep = null;
            Assert.Equal(20UL, log.PurgePayloads(20));
        }

        using var reopened = DurableMerkleLog.Open(path, NoFsync);
        AssertSameTree(reopened, tree);
        Assert.Equal((20UL, 0L), (reopened.PurgedEntries, reopened.DiscardedTailBytes));
    }

    [Fact]
    public void Open_CrashLeftTheTemporaryFile_OldLogOpensAndTheTempIsDeleted()
    {
        List<byte[]> entries = Entries(20);
        string path = NewLog(entries);
        byte[] original = File.ReadAllBytes(path);
        File.WriteAllBytes(path + ".purge-tmp", original.AsSpan(0, original.Length / 2).ToArray()); // a torn temp

        using var log = DurableMerkleLog.Open(path, NoFsync);
        Assert.Equal((20UL, 0UL, 0L), (log.Size, log.PurgedEntries, log.DiscardedTailBytes));
        Assert.False(File.Exists(path + ".purge-tmp"));
        Assert.Equal(original, File.ReadAllBytes(path));
    }

    [Fact]
    public void Open_PurgedLogWithTornTail_TailDiscardedPurgedPrefixKept()
    {
        List<byte[]> entries = Entries(20);
        string path = NewLog(entries);
        long purgedLength;
        using (var log = DurableMerkleLog.Open(path, NoFsync))
        {
            log.PurgePayloads(10);
            purgedLength = new FileInfo(path).Length;
            log.AppendBatch([Entry(20), Entry(21)]);
        }

        byte[] full = File.ReadAllBytes(path);
        string torn = Path.Combine(_scratch, "torn");
        for (long cut = purgedLength + 1; cut < full.Length; cut += 5)
        {
            File.WriteAllBytes(torn, full[..(int)cut]);
            using var log = DurableMerkleLog.Open(torn, NoFsync);
            Assert.Equal(10UL, log.PurgedEntries);
            Assert.True(log.Size is 20 or 21, $"cut {cut}: {log.Size}");
            Assert.True(log.DiscardedTailBytes > 0);
            Assert.Equal(entries[19], log.ReadEntry(19));
        }
    }

    [Fact]
    public void VerifyFile_PurgedLog_ReportsPurgedCountAndFindsEveryBitFlip()
    {
        List<byte[]> entries = Entries(4);
        string path = NewLog(entries, batch: 2);
        Checkpoint checkpoint;
        using (var log = DurableMerkleLog.Open(path, NoFsync))
        {
            log.PurgePayloads(2);
            checkpoint = new Checkpoint(Origin, log.Size, log.GetRoot(log.Size));
        }

        byte[] clean = File.ReadAllBytes(path);
        LogVerificationResult ok = DurableMerkleLog.VerifyFile(path, checkpoint);
        Assert.True(ok.IsValid, ok.Problem);
        Assert.Equal((4UL, -1L, 2UL), (ok.ValidEntries, ok.FirstBadOffset, ok.PurgedEntries));

        string tampered = Path.Combine(_scratch, "tampered");
        for (int bit = 0; bit < clean.Length * 8; bit++)
        {
            byte[] bytes = (byte[])clean.Clone();
            bytes[bit / 8] ^= (byte)(1 << (bit % 8));
            File.WriteAllBytes(tampered, bytes);

            LogVerificationResult result = DurableMerkleLog.VerifyFile(tampered, checkpoint);

            Assert.False(result.IsValid, $"bit {bit} not found");
            Assert.True(result.ValidEntries < 4 && result.FirstBadOffset <= bit / 8, $"bit {bit}: {result}");
            if (bit / 8 < 2 * PurgedRecordSize)
            {
                // Named exactly: the hash-only record holding the bit.
                Assert.Equal((ulong)(bit / 8 / PurgedRecordSize), result.ValidEntries);
                Assert.Equal((long)(bit / 8 / PurgedRecordSize * PurgedRecordSize), result.FirstBadOffset);
            }
        }
    }

    [Fact]
    public void VerifyFile_HashOnlyRecordAfterAFullOne_Refused()
    {
        List<byte[]> entries = Entries(4);
        string path = NewLog(entries);
        using (var log = DurableMerkleLog.Open(path, NoFsync))
        {
            log.PurgePayloads(1);
        }

        // Move the hash-only record behind the first full record: purged records must form a prefix.
        byte[] bytes = File.ReadAllBytes(path);
        int full = 36 + entries[1].Length;
        byte[] swapped = [.. bytes.AsSpan(PurgedRecordSize, full), .. bytes.AsSpan(0, PurgedRecordSize), .. bytes.AsSpan(PurgedRecordSize + full)];
        File.WriteAllBytes(path, swapped);

        LogVerificationResult result = DurableMerkleLog.VerifyFile(path);
        Assert.False(result.IsValid);
        Assert.Equal((1UL, (long)full), (result.ValidEntries, result.FirstBadOffset));
        Assert.Contains("purged", result.Problem, StringComparison.Ordinal);
        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
    }

    [Fact]
    public async Task PurgePayloads_WhileAppending_NoAppendLostOrReordered()
    {
        string path = Path.Combine(_scratch, "log");
        var acknowledged = new ConcurrentDictionary<ulong, byte[]>();
        using (var log = DurableMerkleLog.Open(path, NoFsync with { MaxBatchEntries = 16 }))
        {
            using var stop = new CancellationTokenSource();
            Task<ulong[]>[] appenders = [.. Enumerable.Range(0, 3).Select(t => Task.Run(async () =>
            {
                var issued = new List<ulong>();
                for (int n = 0; !stop.IsCancellationRequested && n < 20_000; n++)
                {
                    byte[] entry = Entry((t * 100_000) + n);
                    ulong index = t == 0 ? await log.AppendAsync(entry) : log.Append(entry);
                    Assert.True(acknowledged.TryAdd(index, entry));
                    issued.Add(index);
                }

                return issued.ToArray();
            }))];

            // A reader beside the purges: every read is the acknowledged bytes or LogEntryPurgedException, never other bytes.
            int reads = 0, purgedReads = 0;
            Task reader = Task.Run(() =>
            {
                var random = new Random(7);
                while (!stop.IsCancellationRequested)
                {
                    ulong size = log.Size;
                    if (size == 0)
                    {
                        continue;
                    }

                    ulong index = (ulong)random.NextInt64((long)size);
                    try
                    {
                        byte[] entry = log.ReadEntry(index);
                        if (acknowledged.TryGetValue(index, out byte[]? expected))
                        {
                            Assert.Equal(expected, entry); // (an entry read before its appender recorded it is skipped)
                        }

                        reads++;
                    }
                    catch (LogEntryPurgedException e)
                    {
                        Assert.Equal(index, e.Index);
                        purgedReads++;
                    }
                }
            });

            ulong purged = 0, sizeAtFirstPurge = log.Size;
            for (int round = 0; round < 20; round++)
            {
                ulong size = log.Size;
                purged = Math.Max(purged, size / 2);
                Assert.Equal(purged, log.PurgePayloads(size / 2 < purged ? purged : size / 2));
                await Task.Delay(2);
            }

            ulong sizeAtLastPurge = log.Size;
            stop.Cancel();
            ulong[][] issuedByThread = await Task.WhenAll(appenders);
            await reader;
            Assert.True(reads > 0 && purgedReads > 0, $"{reads} reads, {purgedReads} purged");
            Assert.True(sizeAtLastPurge > sizeAtFirstPurge + 100, $"appends ran beside the purges: {sizeAtFirstPurge} -> {sizeAtLastPurge}");
            Assert.All(issuedByThread, issued => Assert.True(issued.Zip(issued.Skip(1)).All(p => p.First < p.Second), "each thread's indexes follow its issue order"));
            Assert.Equal((ulong)acknowledged.Count, log.Size);
            for (ulong i = purged; i < log.Size; i++)
            {
                Assert.Equal(acknowledged[i], log.ReadEntry(i));
            }
        }

        using var tree = new MerkleTree();
        for (ulong i = 0; i < (ulong)acknowledged.Count; i++)
        {
            tree.Append(acknowledged[i]);
        }

        LogVerificationResult verified = DurableMerkleLog.VerifyFile(path, new Checkpoint(Origin, tree.Size, tree.GetRoot()));
        Assert.True(verified.IsValid, verified.ToString());
        using var reopened = DurableMerkleLog.Open(path, NoFsync);
        Assert.Equal(tree.GetRoot(), reopened.GetRoot(reopened.Size));
    }

    [Fact]
    public async Task PurgePayloads_WriterWaitingForMaxBatchDelay_CutShortAndTheQueuedEntryKept()
    {
        string path = NewLog(Entries(10));
        using var log = DurableMerkleLog.Open(path, NoFsync with { MaxBatchDelay = TimeSpan.FromSeconds(1) });
        ValueTask<ulong> pending = log.AppendAsync(Entry(10)); // the writer waits up to 1 s for more
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Assert.Equal(5UL, log.PurgePayloads(5));

        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(900), $"the purge waited {clock.Elapsed}");
        Assert.Equal(10UL, await pending);
        Assert.Equal(Entry(10), log.ReadEntry(10));
        Assert.True(DurableMerkleLog.VerifyFile(path).IsValid);
    }

    [Fact]
    public async Task PurgePayloads_BatchInFlight_WaitsForItThenQueuedAppendsFollowInOrder()
    {
        string path = NewLog(Entries(10));
        using var gate = new ManualResetEventSlim(false);
        var file = new DurableMerkleLogGroupCommitTests.FaultyLogFile(path) { WriteGate = gate };
        using var log = DurableMerkleLog.OpenFile(file, NoFsync);
        Task<ulong> inFlight = Task.Run(() => log.Append(Entry(10))); // becomes the writer, blocked in its write
        SpinWait.SpinUntil(() => file.Writes == 0 && inFlight.Status == TaskStatus.Running, 1000);
        await Task.Delay(50);
        Task<ulong> purge = Task.Run(() => log.PurgePayloads(8));
        await Task.Delay(50);
        Task<ulong> queued = Task.Run(() => log.Append(Entry(11)));
        await Task.Delay(50);

        Assert.False(purge.IsCompleted); // it waits for the batch in flight
        gate.Set();
        Assert.Equal((10UL, 8UL, 11UL), (await inFlight, await purge, await queued));
        Assert.Equal(Entry(10), log.ReadEntry(10));
        Assert.Equal(Entry(11), log.ReadEntry(11));
        Assert.Equal(12UL, DurableMerkleLog.VerifyFile(path).ValidEntries);
    }

    [Fact]
    public void PurgePayloads_AfterAWriteFailure_RefusedUntilReopened()
    {
        string path = NewLog(Entries(10));
        var file = new DurableMerkleLogGroupCommitTests.FaultyLogFile(path) { FailWriteNumber = 1 };
        using (var log = DurableMerkleLog.OpenFile(file, NoFsync))
        {
            Assert.Throws<IOException>(() => log.Append(Entry(10)));
            Assert.Throws<InvalidOperationException>(() => log.PurgePayloads(5));
            Assert.Equal(0UL, log.PurgedEntries);
        }

        using var reopened = DurableMerkleLog.Open(path, NoFsync);
        Assert.Equal(5UL, reopened.PurgePayloads(5));
    }

    [Fact]
    public void PurgePayloads_AfterDispose_Refused()
    {
        string path = NewLog(Entries(5));
        var log = DurableMerkleLog.Open(path, NoFsync);
        log.Dispose();
        Assert.Throws<ObjectDisposedException>(() => log.PurgePayloads(2));
        Assert.Throws<ObjectDisposedException>(() => log.ReadEntry(2));
    }

    [Fact]
    public void Publish_AfterPurgingPublishedEntries_ContinuesFromTheStoredPartialBundle()
    {
        List<byte[]> entries = Entries(700);
        string path = NewLog(entries[..300], batch: 50);
        var storage = new TileDirectoryStorage(Path.Combine(_scratch, "tiles"), flushToDisk: false);
        using var signer = new NoteSigner(Origin, SigningKey.Generate(SignatureAlgorithm.Ed25519));
        using NoteVerifier verifier = signer.CreateVerifier();
        using (var log = DurableMerkleLog.Open(path, NoFsync))
        {
            using TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, signer);
            Assert.Equal(300UL, publisher.Publish(log).TreeSize); // bundle 0 full, bundle 1 partial (44 entries)
            Assert.Equal(300UL, log.PurgePayloads(300));
            Assert.Equal(300UL, publisher.Publish(log).TreeSize); // nothing new: no entry is read
        }

        // A new publisher (after a restart) needs the partial bundle's entries, which the log no longer has.
        using (var log = DurableMerkleLog.Open(path, NoFsync))
        {
            log.AppendBatch(entries[300..400]);
            using TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, signer);
            Checkpoint checkpoint = publisher.Publish(log);
            Assert.Equal(400UL, checkpoint.TreeSize);
            Assert.Equal(log.GetRoot(400), checkpoint.RootHash.ToArray());
        }

        TiledLogVerificationResult verified = TiledLogVerifier.Verify(storage, Origin, [verifier]);
        Assert.True(verified.IsValid, verified.Problem);
        using TiledLogReader reader = TiledLogReader.Open(storage, Origin, [verifier]);
        Assert.True(reader.TryReadEntry(299, out byte[]? e299));
        Assert.Equal(entries[299], e299);
    }

    [Fact]
    public void Publish_EntriesPurgedBeforePublication_RefusedBeforeWriting()
    {
        List<byte[]> entries = Entries(300);
        string path = NewLog(entries, batch: 50);
        var storage = new TileDirectoryStorage(Path.Combine(_scratch, "tiles"), flushToDisk: false);
        using var signer = new NoteSigner(Origin, SigningKey.Generate(SignatureAlgorithm.Ed25519));
        using var log = DurableMerkleLog.Open(path, NoFsync);
        using TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, signer);
        log.PurgePayloads(10);

        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => publisher.Publish(log));
        Assert.Contains("never published", e.Message, StringComparison.Ordinal);
        Assert.Empty(storage.List("tile"));
        Assert.Null(publisher.Checkpoint);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
