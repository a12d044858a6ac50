using BenchmarkDotNet.Attributes;
using ContainerSec.Audit;

namespace ContainerSec.Benchmarks;

/// <summary>
/// Durable appends of 256-byte audit events with group commit, per event, fsync on. Baseline:
/// fsync per append, i.e. <c>FileStream.Write</c> of one framed record + <c>Flush(true)</c> per
/// event, which is what an append acknowledged only when durable costs without coalescing. The
/// group-commit cases keep many appends in flight (<see cref="DurableMerkleLog.AppendAsync"/>)
/// from one thread or from four, so entries arriving during one flush share the next; the
/// synchronous case shows what four threads get that each wait for their own entry.
/// </summary>
[MemoryDiagnoser]
public class DurableLogGroupCommitBenchmarks
{
    private const int Events = 4096;
    private const int BaselineEvents = 64;
    private const int SyncEventsPerThread = 64;
    private const int Threads = 4;
    private const int RecordBytes = 4 + 256 + 32;
    private byte[][] _events = null!;
    private byte[] _record = null!;
    private string _folder = null!;
    private DurableMerkleLog _log = null!;
    private FileStream _rawFile = null!;

    [GlobalSetup]
    public void Setup()
    {
        _events = new byte[Events][];
        for (int i = 0; i < Events; i++)
        {
            _events[i] = Shared.RandomBytes(256);
        }

        _record = new byte[RecordBytes];
        _folder = Directory.CreateTempSubdirectory("containersec-bench-gc-").FullName;

        // One thread in flight: index order is issue order, so the root must equal the in-memory tree's.
        Reopen();
        PipelinedOneThread().GetAwaiter().GetResult();
        using var tree = new MerkleTree();
        foreach (byte[] e in _events)
        {
            tree.Append(e);
        }

        Shared.RequireEqual(tree.GetRoot(), _log.GetRoot(_log.Size), "group-commit log root vs in-memory tree");

        // Four threads: every event exactly once, and the file verifies.
        Reopen();
        PipelinedFourThreads().GetAwaiter().GetResult();
        string path = Path.Combine(_folder, "log");
        if (_log.Size != Events || !DurableMerkleLog.VerifyFile(path).IsValid)
        {
            throw new InvalidOperationException("Benchmark setup check failed: the four-thread log does not hold every event once.");
        }

        Reopen();
    }

    [IterationCleanup]
    public void Reopen()
    {
        _log?.Dispose();
        _rawFile?.Dispose();
        foreach (string file in Directory.EnumerateFiles(_folder))
        {
            File.Delete(file);
        }

        _log = DurableMerkleLog.Open(Path.Combine(_folder, "log"));
        _rawFile = new FileStream(Path.Combine(_folder, "raw"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Dispose();
        _rawFile.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BaselineEvents, Description = "fsync per append: FileStream.Write + Flush(true)")]
    public long FsyncPerAppend()
    {
        for (int i = 0; i < BaselineEvents; i++)
        {
            _rawFile.Write(_record);
            _rawFile.Flush(flushToDisk: true);
        }

        return _rawFile.Length;
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "group commit: AppendAsync, 1 thread, all in flight")]
    public async Task<ulong> PipelinedOneThread() => await Produce(0, Events).ConfigureAwait(false);

    [Benchmark(OperationsPerInvoke = Events, Description = "group commit: AppendAsync, 4 threads, all in flight")]
    public async Task<ulong> PipelinedFourThreads()
    {
        const int PerThread = Events / Threads;
        Task<ulong>[] producers = new Task<ulong>[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int first = t * PerThread;
            producers[t] = Task.Run(() => Produce(first, PerThread));
        }

        ulong last = 0;
        foreach (ulong index in await Task.WhenAll(producers).ConfigureAwait(false))
        {
            last = Math.Max(last, index);
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = Threads * SyncEventsPerThread, Description = "group commit: Append (sync), 4 threads")]
    public ulong SyncFourThreads()
    {
        long last = 0;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            ulong index = 0;
            for (int i = 0; i < SyncEventsPerThread; i++)
            {
                index = _log.Append(_events[(t * SyncEventsPerThread) + i]);
            }

            InterlockedMax(ref last, (long)index);
        });
        return (ulong)last;
    }

    /// <summary>Issues <paramref name="count"/> appends without waiting, then awaits them in order.</summary>
    private async Task<ulong> Produce(int first, int count)
    {
        var pending = new ValueTask<ulong>[count];
        for (int i = 0; i < count; i++)
        {
#pragma warning disable CA2012 // Kept in flight on purpose; each is awaited exactly once below.
            pending[i] = _log.AppendAsync(_events[first + i]);
#pragma warning restore CA2012
        }

        ulong last = 0;
        for (int i = 0; i < count; i++)
        {
            last = await pending[i].ConfigureAwait(false);
        }

        return last;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
