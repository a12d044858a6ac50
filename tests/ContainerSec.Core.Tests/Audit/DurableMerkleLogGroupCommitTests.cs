using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using ContainerSec.Audit;
using ContainerSec.Tests.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerSec.Tests.Audit;

/// <summary>
/// Group commit in <see cref="DurableMerkleLog"/>: appends from many threads (synchronous,
/// awaited one by one, and pipelined) are coalesced into shared batches; no entry is lost or
/// duplicated; index order is file order and each thread's issue order; roots and proofs stay
/// consistent while appends run; a failed write or flush fails exactly the waiters that were not
/// made durable, and those entries are absent after reopening; Dispose completes every waiter.
/// </summary>
public sealed class DurableMerkleLogGroupCommitTests : IDisposable
{
    private static readonly DurableMerkleLogOptions NoFsync = new() { FlushToDisk = false };
    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-gc-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static byte[] Entry(int thread, int n) =>
        Encoding.UTF8.GetBytes($"{{\"thread\":{thread},\"n\":{n},\"pad\":\"{new string('x', ((thread * 31) + n) % 23)}\"}}");

    private enum Mode
    {
        Sync,
        AwaitEach,
        Pipelined,
    }

    /// <summary>Runs <paramref name="threads"/> appenders; returns (thread, n) → acknowledged index, per thread in issue order.</summary>
    private static List<(byte[] Entry, ulong Index)>[] RunAppenders(DurableMerkleLog log, int threads, int perThread, Func<int, Mode> mode)
    {
        var results = new List<(byte[] Entry, ulong Index)>[threads];
        using var start = new Barrier(threads);
        var workers = new Thread[threads];
        var errors = new ConcurrentQueue<Exception>();
        for (int t = 0; t < threads; t++)
        {
            int thread = t;
            results[t] = new List<(byte[], ulong)>(perThread);
            workers[t] = new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    switch (mode(thread))
                    {
                        case Mode.Sync:
                            for (int n = 0; n < perThread; n++)
                            {
                                byte[] e = Entry(thread, n);
                                results[thread].Add((e, log.Append(e)));
                            }

                            break;
                        case Mode.AwaitEach:
                            for (int n = 0; n < perThread; n++)
                            {
                                byte[] e = Entry(thread, n);
                                results[thread].Add((e, log.AppendAsync(e).AsTask().GetAwaiter().GetResult()));
                            }

                            break;
                        default:
                            var pending = new List<(byte[], Task<ulong>)>(perThread);
                            for (int n = 0; n < perThread; n++)
                            {
                                byte[] e = Entry(thread, n);
                                pending.Add((e, log.AppendAsync(e).AsTask()));
                            }

                            foreach ((byte[] e, Task<ulong> task) in pending)
                            {
                                results[thread].Add((e, task.GetAwaiter().GetResult()));
                            }

                            break;
                    }
                }
#pragma warning disable CA1031
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    errors.Enqueue(ex);
                }
            });
            workers[t].Start();
        }

        foreach (Thread w in workers)
        {
            w.Join();
        }

        Assert.Empty(errors);
        return results;
    }

    /// <summary>Every acknowledged index is unique, the indices are exactly 0..count-1, each thread's increase in issue order, and the file holds each entry at its index.</summary>
    private static void AssertExactlyOnceInOrder(string path, List<(byte[] Entry, ulong Index)>[] results, DurableMerkleLogOptions options)
    {
        int total = results.Sum(r => r.Count);
        var byIndex = new byte[total][];
        foreach (List<(byte[] Entry, ulong Index)> thread in results)
        {
            for (int i = 0; i < thread.Count; i++)
            {
                (byte[] entry, ulong index) = thread[i];
                Assert.True(index < (ulong)total, $"index {index} out of 0..{total - 1}");
                Assert.Null(byIndex[index]);
                byIndex[index] = entry;
                if (i > 0)
                {
                    Assert.True(index > thread[i - 1].Index, "a thread's indices must follow its issue order");
                }
            }
        }

        using var reopened = DurableMerkleLog.Open(path, options);
        Assert.Equal(((ulong)total, 0L), (reopened.Size, reopened.DiscardedTailBytes));
        using var reference = new MerkleTree();
        for (int i = 0; i < total; i++)
        {
            Assert.Equal(byIndex[i], reopened.ReadEntry((ulong)i));
            reference.Append(byIndex[i]);
        }

        Assert.Equal(reference.GetRoot(), reopened.GetRoot((ulong)total));
        Assert.True(DurableMerkleLog.VerifyFile(path).IsValid);
    }

    [Fact]
    public void Append_ManyThreadsRandomShapes_EveryEntryExactlyOnceInIssueOrder()
    {
        Arbitrary<(int Threads, int PerThread, int BatchEntries, int Seed)> shapes =
            (from threads in Gen.Choose(1, 8)
             from perThread in Gen.Choose(1, 60)
             from batchEntries in Gen.Frequency((1, Gen.Choose(1, 3)), (3, Gen.Choose(4, 64)), (1, Gen.Constant(4096)))
             from seed in TestBytes.Seed
             select (threads, perThread, batchEntries, seed)).ToArbitrary();
        int round = 0;
        TestBytes.Check(Prop.ForAll(shapes, c =>
        {
            string path = Path.Combine(_scratch, $"p{round++}");
            var options = new DurableMerkleLogOptions { FlushToDisk = false, MaxBatchEntries = c.BatchEntries };
            var modes = new Random(c.Seed);
            Mode[] perThreadMode = [.. Enumerable.Range(0, c.Threads).Select(_ => (Mode)modes.Next(3))];
            List<(byte[] Entry, ulong Index)>[] results;
            using (var log = DurableMerkleLog.Open(path, options))
            {
                results = RunAppenders(log, c.Threads, c.PerThread, t => perThreadMode[t]);
                Assert.Equal((ulong)(c.Threads * c.PerThread), log.Size);
            }

            AssertExactlyOnceInOrder(path, results, options);
        }), 30);
    }

    [Fact]
    public void AppendAsync_PipelinedWithFsync_CoalescedIntoFewFlushes()
    {
        string path = Path.Combine(_scratch, "log");
        using var file = new FaultyLogFile(path);
        List<(byte[] Entry, ulong Index)>[] results;
        using (var log = DurableMerkleLog.OpenFile(file, new DurableMerkleLogOptions()))
        {
            results = RunAppenders(log, 4, 500, _ => Mode.Pipelined);
        }

        // 2,000 entries, fsync on: batching must have shared flushes (one per entry would be 2,000).
        Assert.InRange(file.Flushes, 1, 200);
        Assert.Equal(file.Writes, file.Flushes);
        AssertExactlyOnceInOrder(path, results, new DurableMerkleLogOptions());
    }

    [Fact]
    public void Append_SyncThreadsWithFsync_ShareFlushes()
    {
        string path = Path.Combine(_scratch, "log");
        using var file = new FaultyLogFile(path);
        List<(byte[] Entry, ulong Index)>[] results;
        using (var log = DurableMerkleLog.OpenFile(file, new DurableMerkleLogOptions()))
        {
            results = RunAppenders(log, 8, 40, _ => Mode.Sync);
        }

        // Eight threads that each wait for their own entry: while one batch is flushed, the
        // others queue into the next, so there are clearly fewer flushes than the 320 entries.
        Assert.True(file.Flushes < 320 * 3 / 4, $"{file.Flushes} flushes for 320 entries");
        AssertExactlyOnceInOrder(path, results, new DurableMerkleLogOptions());
    }

    [Fact]
    public void Append_MaxBatchEntriesOne_OneWritePerEntry()
    {
        string path = Path.Combine(_scratch, "log");
        using var file = new FaultyLogFile(path);
        var options = new DurableMerkleLogOptions { FlushToDisk = false, MaxBatchEntries = 1 };
        List<(byte[] Entry, ulong Index)>[] results;
        using (var log = DurableMerkleLog.OpenFile(file, options))
        {
            results = RunAppenders(log, 3, 50, _ => Mode.Pipelined);
        }

        Assert.Equal(150, file.Writes);
        AssertExactlyOnceInOrder(path, results, options);
    }

    [Fact]
    public async Task Readers_WhileAppending_SeeOnlyDurableEntriesWithConsistentRootsAndProofs()
    {
        string path = Path.Combine(_scratch, "log");
        using var log = DurableMerkleLog.Open(path, NoFsync);
        using var stop = new CancellationTokenSource();
        int checks = 0;
        var reader = Task.Run(() =>
        {
            ulong previous = 0;
            byte[] previousRoot = log.GetRoot(0);
            while (!stop.IsCancellationRequested || previous < log.Size)
            {
                ulong size = log.Size;
                Assert.True(size >= previous);
                byte[] root = log.GetRoot(size);
                if (previous > 0 && size > previous)
                {
                    Assert.True(MerkleProof.VerifyConsistency(previous, size, log.GetConsistencyProof(previous, size), previousRoot, root));
                }

                if (size > 0)
                {
                    ulong leaf = (ulong)Random.Shared.NextInt64((long)size);
                    byte[] entry = log.ReadEntry(leaf);
                    using var hasher = new MerkleHasher();
                    Assert.Equal(hasher.HashLeaf(entry), log.GetLeafHash(leaf));
                    Assert.True(MerkleProof.VerifyInclusion(leaf, size, log.GetLeafHash(leaf), log.GetInclusionProof(leaf, size), root));
                }

                (previous, previousRoot) = (size, root);
                checks++;
            }
        });

        List<(byte[] Entry, ulong Index)>[] results = RunAppenders(log, 4, 400, t => (Mode)(t % 3));
        stop.Cancel();
        await reader;

        Assert.True(checks > 1, $"the reader ran {checks} times");
        Assert.Equal(1600UL, log.Size);
        log.Dispose();
        AssertExactlyOnceInOrder(path, results, NoFsync);
    }

    [Fact]
    public void Dispose_PendingAppendsDuringBatchDelay_AllDurableWhenItReturns()
    {
        string path = Path.Combine(_scratch, "log");
        var options = new DurableMerkleLogOptions { FlushToDisk = false, MaxBatchDelay = TimeSpan.FromSeconds(1) };
        var log = DurableMerkleLog.Open(path, options);
        Task<ulong>[] pending = [.. Enumerable.Range(0, 50).Select(n => log.AppendAsync(Entry(0, n)).AsTask())];

        var clock = Stopwatch.StartNew();
        log.Dispose();
        clock.Stop();

        Assert.All(pending, t => Assert.True(t.IsCompleted, "Dispose returned before a pending append completed"));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (ulong)i), pending.Select(t => t.Result));
        Assert.True(clock.ElapsedMilliseconds < 900, $"Dispose waited out the batch delay ({clock.ElapsedMilliseconds} ms)");
        Assert.Throws<ObjectDisposedException>(() => log.Append(Entry(0, 99)));
        Assert.Throws<ObjectDisposedException>(() => { _ = log.AppendAsync(Entry(0, 99)).AsTask(); });
        using var reopened = DurableMerkleLog.Open(path, options);
        Assert.Equal(50UL, reopened.Size);
        Assert.Equal(Entry(0, 49), reopened.ReadEntry(49));
    }

    [Fact]
    public async Task MaxBatchDelay_SlowAppenders_CoalescedIntoOneBatch()
    {
        string path = Path.Combine(_scratch, "log");
        using var file = new FaultyLogFile(path);
        using (var log = DurableMerkleLog.OpenFile(file, new DurableMerkleLogOptions { FlushToDisk = false, MaxBatchDelay = TimeSpan.FromMilliseconds(300) }))
        {
            Task<ulong> first = log.AppendAsync(Entry(0, 0)).AsTask();
            Thread.Sleep(20);
            Task<ulong> second = log.AppendAsync(Entry(0, 1)).AsTask();
            Assert.Equal((0UL, 1UL), (await first, await second));
        }

        Assert.Equal(1, file.Writes);
    }

    [Fact]
    public void AppendAsync_CancelledBeforeQueued_NothingAppended()
    {
        using var log = DurableMerkleLog.Open(Path.Combine(_scratch, "log"), NoFsync);
        Task<ulong> cancelled = log.AppendAsync(Entry(0, 0), new CancellationToken(canceled: true)).AsTask();

        Assert.True(cancelled.IsCanceled);
        Assert.Equal(0UL, log.Size);
        Assert.Equal(0UL, log.Append(Entry(0, 1)));
    }

    [Fact]
    public async Task AppendAsync_CancelledWhileQueued_WaitEndsButEntryStaysQueued()
    {
        string path = Path.Combine(_scratch, "log");
        var options = new DurableMerkleLogOptions { FlushToDisk = false, MaxBatchDelay = TimeSpan.FromSeconds(1) };
        using var cancel = new CancellationTokenSource();
        var log = DurableMerkleLog.Open(path, options);
        Task<ulong> waiting = log.AppendAsync(Entry(0, 0), cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        log.Dispose();
        using var reopened = DurableMerkleLog.Open(path, options);
        Assert.Equal(1UL, reopened.Size); // not acknowledged, yet written: like an entry in flight at a crash
    }

    [Fact]
    public void Open_OptionsOutOfRange_Throw()
    {
        string path = Path.Combine(_scratch, "log");
        DurableMerkleLogOptions[] bad =
        [
            new() { MaxBatchEntries = 0 },
            new() { MaxBatchBytes = 0 },
            new() { MaxEntryBytes = -1 },
            new() { MaxBatchDelay = TimeSpan.FromMilliseconds(-1) },
            new() { MaxBatchDelay = TimeSpan.FromSeconds(2) },
        ];
        foreach (DurableMerkleLogOptions options in bad)
        {
            Assert.Equal("options", Assert.Throws<ArgumentOutOfRangeException>(() => DurableMerkleLog.Open(path, options)).ParamName);
        }
    }

    [Fact]
    public void Append_EntryLargerThanABatch_ThrowsAndAppendsNothing()
    {
        using var log = DurableMerkleLog.Open(Path.Combine(_scratch, "log"), new DurableMerkleLogOptions { FlushToDisk = false, MaxEntryBytes = 100, MaxBatchBytes = 120 });

        Assert.Equal("source", Assert.Throws<ArgumentException>(() => log.Append(new byte[101])).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => log.Append(new byte[90])).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => { _ = log.AppendAsync(new byte[90]).AsTask(); }).ParamName);
        Assert.Equal("entries", Assert.Throws<ArgumentException>(() => log.AppendBatch([new byte[40], new byte[40]])).ParamName);
        Assert.Equal(0UL, log.Append(new byte[84]));
        Assert.Equal(1UL, log.Size);
    }

    public enum Failure
    {
        Write,
        Flush,
        WriteAndRollback,
    }

    [Theory]
    [InlineData(Failure.Write)]
    [InlineData(Failure.Flush)]
    [InlineData(Failure.WriteAndRollback)]
    public void Append_BatchFails_ItsWaitersAndLaterOnesFail_AcknowledgedSurviveReopen(Failure failure)
    {
        string path = Path.Combine(_scratch, "log");
        var acknowledged = new ConcurrentDictionary<ulong, byte[]>();
        var failed = new ConcurrentBag<byte[]>();
        int refused = 0;
        long durableEnd;
        using (var file = new FaultyLogFile(path))
        {
            using var log = DurableMerkleLog.OpenFile(file, new DurableMerkleLogOptions { FlushToDisk = false, MaxBatchEntries = 8 });
            for (int n = 0; n < 5; n++)
            {
                acknowledged[log.Append(Entry(9, n))] = Entry(9, n);
            }

            durableEnd = file.Length;
            file.FailWriteNumber = failure is Failure.Flush ? -1 : file.Writes + 1;
            file.FailFlushNumber = failure is Failure.Flush ? file.Flushes + 1 : -1;
            file.FailSetLength = failure is Failure.WriteAndRollback;

            // Many appenders at once: the failing batch and any queued behind it fail as a whole.
            var threads = new Thread[8];
            for (int t = 0; t < threads.Length; t++)
            {
                int thread = t;
                threads[t] = new Thread(() =>
                {
                    var pending = new List<(byte[], Task<ulong>)>();
                    for (int n = 0; n < 8; n++)
                    {
                        byte[] e = Entry(thread, 100 + n);
                        try
                        {
                            pending.Add((e, log.AppendAsync(e).AsTask()));
                        }
                        catch (InvalidOperationException)
                        {
                            Interlocked.Increment(ref refused); // arrived after the failure: refused, never queued
                        }
                    }

                    foreach ((byte[] e, Task<ulong> task) in pending)
                    {
                        try
                        {
                            acknowledged[task.GetAwaiter().GetResult()] = e;
                        }
                        catch (IOException)
                        {
                            failed.Add(e);
                        }
                    }
                });
                threads[t].Start();
            }

            foreach (Thread t in threads)
            {
                t.Join();
            }

            Assert.NotEmpty(failed);
            Assert.Equal(64, acknowledged.Count - 5 + failed.Count + refused);
            Assert.Throws<InvalidOperationException>(() => log.Append(Entry(0, 0)));
            Assert.Equal((ulong)acknowledged.Count, log.Size);
            if (failure is not Failure.WriteAndRollback)
            {
                Assert.Equal(durableEnd + AcknowledgedBytes(acknowledged, 5), file.Length);
            }
        }

        // Reopen: every acknowledged entry at its index, nothing torn served, appends continue.
        using var reopened = DurableMerkleLog.Open(path, NoFsync);
        Assert.True(reopened.Size >= (ulong)acknowledged.Count);
        foreach ((ulong index, byte[] entry) in acknowledged)
        {
            Assert.Equal(entry, reopened.ReadEntry(index));
        }

        var failedSet = failed.Select(Convert.ToHexString).ToHashSet();
        for (ulong i = (ulong)acknowledged.Count; i < reopened.Size; i++)
        {
            // Only when the roll-back itself failed may whole records of the failed batch remain.
            Assert.Equal(Failure.WriteAndRollback, failure);
            Assert.Contains(Convert.ToHexString(reopened.ReadEntry(i)), failedSet);
        }

        if (failure is Failure.WriteAndRollback)
        {
            Assert.True(reopened.DiscardedTailBytes > 0, "the half-written batch must be reported as a torn tail");
        }
        else
        {
            Assert.Equal(((ulong)acknowledged.Count, 0L), (reopened.Size, reopened.DiscardedTailBytes));
        }

        Assert.True(DurableMerkleLog.VerifyFile(path).IsValid);
        ulong next = reopened.Append(Entry(7, 7));
        Assert.Equal(Entry(7, 7), reopened.ReadEntry(next));
    }

    private static long AcknowledgedBytes(ConcurrentDictionary<ulong, byte[]> acknowledged, int skip) =>
        acknowledged.Where(p => p.Key >= (ulong)skip).Sum(p => 36L + p.Value.Length);

    [Fact]
    public async Task Dispose_WhileABatchFails_EveryPendingWaiterFailsBeforeItReturns()
    {
        string path = Path.Combine(_scratch, "log");
        using var gate = new ManualResetEventSlim(false);
        using var file = new FaultyLogFile(path) { FailWriteNumber = 1, WriteGate = gate };
        var log = DurableMerkleLog.OpenFile(file, new DurableMerkleLogOptions { FlushToDisk = false, MaxBatchEntries = 4 });

        // The first batch is held inside its write while 16 more entries queue in four batches.
        Task<ulong>[] pending = [.. Enumerable.Range(0, 20).Select(n => log.AppendAsync(Entry(1, n)).AsTask())];
        var release = Task.Run(async () =>
        {
            await Task.Delay(50);
            gate.Set();
        });
        log.Dispose();

        Assert.All(pending, t => Assert.True(t.IsFaulted && t.Exception!.InnerException is IOException, $"{t.Status}"));
        Assert.Contains("could not be made durable", pending[0].Exception!.InnerException!.Message, StringComparison.Ordinal);
        Assert.Contains("earlier batch", pending[19].Exception!.InnerException!.Message, StringComparison.Ordinal);
        Assert.Equal(0L, new FileInfo(path).Length);
        await release;
    }

    /// <summary>A real file that fails one chosen write (after writing half of it), flush or truncation, as a full or failing disk does.</summary>
    internal sealed class FaultyLogFile(string path) : DurableLogFile(path)
    {
        private int _writes;
        private int _flushes;

        public int Writes => _writes;

        public int Flushes => _flushes;

        public int FailWriteNumber { get; set; } = -1;

        public int FailFlushNumber { get; set; } = -1;

        public bool FailSetLength { get; set; }

        /// <summary>When set, every write first waits for this event.</summary>
        public ManualResetEventSlim? WriteGate { get; set; }

        public override void Write(ReadOnlySpan<byte> source, long fileOffset)
        {
            WriteGate?.Wait();
            if (Interlocked.Increment(ref _writes) == FailWriteNumber)
            {
                base.Write(source[..(source.Length / 2)], fileOffset);
                throw new IOException("No space left on device (simulated)");
            }

            base.Write(source, fileOffset);
        }

        public override void Flush(bool toDisk)
        {
            if (Interlocked.Increment(ref _flushes) == FailFlushNumber)
            {
                throw new IOException("Input/output error (simulated fsync failure)");
            }

            base.Flush(toDisk);
        }

        public override void SetLength(long length)
        {
            if (FailSetLength)
            {
                throw new IOException("Input/output error (simulated)");
            }

            base.SetLength(length);
        }
    }
}
