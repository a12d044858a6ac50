using System.Text;
using ContainerSec.Audit;

namespace ContainerSec.Tests.Audit;

/// <summary>
/// <see cref="DurableMerkleLog"/>: acknowledged entries survive a torn last batch cut at every byte
/// offset (and a garbage tail); a corrupted entry is never served; corruption before the tail is refused.
/// </summary>
public sealed class DurableMerkleLogTests : IDisposable
{
    private static readonly DurableMerkleLogOptions NoFsync = new() { FlushToDisk = false };
    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-log-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static byte[][] Entries(int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => Encoding.UTF8.GetBytes($"{{\"event\":{i},\"pad\":\"{new string('x', i % 7)}\"}}"))];

    [Fact]
    public void Reopen_CleanLog_SameEntriesAndRoots()
    {
        string path = Path.Combine(_scratch, "log");
        byte[] root;
        using (var log = DurableMerkleLog.Open(path))
        {
            Assert.Equal(0UL, log.AppendBatch(Entries(0, 5)));
            Assert.Equal(5UL, log.AppendBatch(Entries(5, 3)));
            root = log.GetRoot(8);
        }

        using var reopened = DurableMerkleLog.Open(path);
        Assert.Equal((8UL, 0L), (reopened.Size, reopened.DiscardedTailBytes));
        Assert.Equal(root, reopened.GetRoot(8));
        Assert.Equal(Entries(6, 1)[0], reopened.ReadEntry(6));
        Assert.True(MerkleProof.VerifyInclusion(6, 8, reopened.GetLeafHash(6), reopened.GetInclusionProof(6, 8), root));
    }

    [Fact]
    public void Open_TornLastBatchAtEveryByteOffset_RecoversAcknowledgedEntriesOnly()
    {
        string path = Path.Combine(_scratch, "log");
        byte[][] acknowledged = Entries(0, 4), last = Entries(4, 3);
        long acknowledgedLength;
        byte[] acknowledgedRoot;
        using (var log = DurableMerkleLog.Open(path, NoFsync))
        {
            log.AppendBatch(acknowledged);
            acknowledgedRoot = log.GetRoot(4);
            acknowledgedLength = new FileInfo(path).Length;
            log.AppendBatch(last);
        }

        byte[] full = File.ReadAllBytes(path);
        string torn = Path.Combine(_scratch, "torn");
        for (long cut = acknowledgedLength; cut < full.Length; cut++)
        {
            File.WriteAllBytes(torn, full[..(int)cut]);
            using var log = DurableMerkleLog.Open(torn, NoFsync);

            Assert.True(log.Size >= 4 && log.Size < 7, $"cut {cut}: {log.Size} entries");
            Assert.Equal(acknowledgedRoot, log.GetRoot(4));
            for (ulong i = 0; i < log.Size; i++)
            {
                Assert.Equal(i < 4 ? acknowledged[i] : last[i - 4], log.ReadEntry(i));
            }

            Assert.Equal(cut, new FileInfo(torn).Length + log.DiscardedTailBytes);
            ulong next = log.AppendBatch(Entries(100, 1));
            Assert.Equal(log.Size - 1, next);
            Assert.Equal(Entries(100, 1)[0], log.ReadEntry(next));
        }
    }

    [Fact]
    public void Open_GarbageTail_Discarded()
    {
        string path = Path.Combine(_scratch, "log");
        using (var log = DurableMerkleLog.Open(path, NoFsync))
        {
            log.AppendBatch(Entries(0, 3));
        }

        using (var stream = new FileStream(path, FileMode.Append))
        {
            stream.Write(Encoding.UTF8.GetBytes(new string('z', 100)));
        }

        using var reopened = DurableMerkleLog.Open(path, NoFsync);
        Assert.Equal((3UL, 100L), (reopened.Size, reopened.DiscardedTailBytes));
    }

    [Fact]
    public void ReadEntry_FileChangedAfterOpen_ThrowsInvalidData()
    {
        string path = Path.Combine(_scratch, "log");
        using var log = DurableMerkleLog.Open(path, NoFsync);
        log.AppendBatch(Entries(0, 3));
        using (var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            writer.Position = 6;
            writer.WriteByte((byte)'Q');
        }

        Assert.Throws<InvalidDataException>(() => log.ReadEntry(0));
        Assert.Equal(Entries(1, 1)[0], log.ReadEntry(1));
    }

    [Fact]
    public void Open_CorruptionBeforeTheLastBatch_RefusedAndFileUntouched()
    {
        string path = Path.Combine(_scratch, "log");
        var options = new DurableMerkleLogOptions { FlushToDisk = false, MaxBatchBytes = 200 };
        using (var log = DurableMerkleLog.Open(path, options))
        {
            for (int i = 0; i < 10; i++)
            {
                log.AppendBatch(Entries(i * 2, 2));
            }
        }

        byte[] bytes = File.ReadAllBytes(path);
        bytes[10] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        Assert.Throws<InvalidDataException>(() => DurableMerkleLog.Open(path, options));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void VerifyFile_AnyBitFlippedAnywhere_FoundAndNamed()
    {
        string path = Path.Combine(_scratch, "log");
        Checkpoint checkpoint;
        using (var log = DurableMerkleLog.Open(path, NoFsync))
        {
            log.AppendBatch(Entries(0, 2));
            log.AppendBatch(Entries(2, 2));
            checkpoint = new Checkpoint("example.com/log", log.Size, log.GetRoot(log.Size));
        }

        byte[] clean = File.ReadAllBytes(path);
        LogVerificationResult ok = DurableMerkleLog.VerifyFile(path, checkpoint);
        Assert.True(ok.IsValid, ok.Problem);
        Assert.Equal((4UL, -1L), (ok.ValidEntries, ok.FirstBadOffset));

        string tampered = Path.Combine(_scratch, "tampered");
        for (int bit = 0; bit < clean.Length * 8; bit++)
        {
            byte[] bytes = (byte[])clean.Clone();
            bytes[bit / 8] ^= (byte)(1 << (bit % 8));
            File.WriteAllBytes(tampered, bytes);

            LogVerificationResult result = DurableMerkleLog.VerifyFile(tampered, checkpoint);

            Assert.False(result.IsValid, $"bit {bit} not found");
            Assert.True(result.ValidEntries < 4 && result.FirstBadOffset <= bit / 8, $"bit {bit}: {result}");
        }
    }

    [Fact]
    public void VerifyFile_EntryAndHashRewrittenConsistently_FoundByCheckpoint()
    {
        string path = Path.Combine(_scratch, "log");
        Checkpoint checkpoint;
        using (var log = DurableMerkleLog.Open(path, NoFsync))
        {
            log.AppendBatch(Entries(0, 3));
            checkpoint = new Checkpoint("example.com/log", 3, log.GetRoot(3));
        }

        // A forger rewrites the whole file with other entries, each with a correct record hash.
        File.Delete(path);
        using (var forged = DurableMerkleLog.Open(path, NoFsync))
        {
            forged.AppendBatch(Entries(10, 3));
        }

        Assert.True(DurableMerkleLog.VerifyFile(path).IsValid);
        LogVerificationResult result = DurableMerkleLog.VerifyFile(path, checkpoint);
        Assert.False(result.IsValid);
        Assert.Contains("checkpoint", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AppendBatch_BadArguments_Throw()
    {
        using var log = DurableMerkleLog.Open(Path.Combine(_scratch, "log"), new DurableMerkleLogOptions { FlushToDisk = false, MaxEntryBytes = 10 });

        Assert.Equal("entries", Assert.Throws<ArgumentException>(() => log.AppendBatch([])).ParamName);
        Assert.Equal("entries", Assert.Throws<ArgumentException>(() => log.AppendBatch([new byte[11]])).ParamName);
        Assert.Equal(0UL, log.Size);
    }

    [Fact]
    public void Append_DefaultOptions_EntriesLimitedToWhatATileBundleHolds()
    {
        using var log = DurableMerkleLog.Open(Path.Combine(_scratch, "log"), new DurableMerkleLogOptions { FlushToDisk = false });

        Assert.Equal(0UL, log.Append(new byte[65_535]));
        Assert.Throws<ArgumentException>(() => log.Append(new byte[65_536]));
        Assert.Equal(1UL, log.Size);
    }
}
