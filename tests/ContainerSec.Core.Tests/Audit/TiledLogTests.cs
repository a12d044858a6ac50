using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using ContainerSec.Audit;
using ContainerSec.Cryptography;

namespace ContainerSec.Tests.Audit;

/// <summary>
/// The tlog-tiles publisher and reader on a real directory: the spec's layout examples, tile
/// contents against the spec's MTH formula (computed independently with <see cref="MerkleTree"/>
/// over the sub-range), incremental and immutable writes, resuming, and proofs served from the
/// tiles alone that equal the in-memory tree's and verify against old and new checkpoints.
/// </summary>
public sealed class TiledLogTests : IDisposable
{
    internal const string Origin = "example.com/containersec/audit";
    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-tiledlog-").FullName;
    private readonly NoteSigner _signer = new(Origin, SigningKey.Generate(SignatureAlgorithm.Ed25519));
    private readonly NoteVerifier _verifier;

    public TiledLogTests() => _verifier = _signer.CreateVerifier();

    public void Dispose()
    {
        _verifier.Dispose();
        _signer.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }

    /// <summary>Entry i: a small JSON object whose "ts" is i (seconds), of varying length.</summary>
    internal static byte[] Entry(int i) => Encoding.UTF8.GetBytes($"{{\"i\":{i},\"ts\":{i},\"pad\":\"{new string('x', i % 13)}\"}}");

    internal static List<byte[]> Entries(int count) => [.. Enumerable.Range(0, count).Select(Entry)];

    internal static DateTimeOffset TimestampOf(ReadOnlySpan<byte> entry)
    {
        string text = Encoding.UTF8.GetString(entry);
        int at = text.IndexOf("\"ts\":", StringComparison.Ordinal) + 5;
        return DateTimeOffset.FromUnixTimeSeconds(long.Parse(text[at..text.IndexOf(',', at)], CultureInfo.InvariantCulture));
    }

    internal static Checkpoint PublishEntries(TiledLogPublisher publisher, List<byte[]> entries, int size)
    {
        using var tree = new MerkleTree();
        for (int i = 0; i < size; i++)
        {
            tree.Append(entries[i]);
        }

        return publisher.Publish(tree, entries);
    }

    private TileDirectoryStorage Storage(string name) => new(Path.Combine(_scratch, name), flushToDisk: false);

    [Fact]
    public void Publish_SpecExample70000_ExactlyTheSpecsTiles()
    {
        TileDirectoryStorage storage = Storage("70000");
        using (TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, _signer))
        {
            PublishEntries(publisher, Entries(70_000), 70_000);
        }

        // "273 full level 0 tiles, one partial level 0 tile of width 112, one full level 1 tile,
        // one partial level 1 tile of width 17, and one partial level 2 tile of width 1."
        IReadOnlyList<string> files = storage.List("tile");
        var tiles = files.Select(p => Assert.IsType<TileCoordinate>(TileCoordinate.TryParse(p, out TileCoordinate c) ? c : null)).ToList();
        Assert.Equal(273, tiles.Count(t => !t.IsEntryBundle && t.Level == 0 && !t.IsPartial));
        Assert.Equal([112], tiles.Where(t => !t.IsEntryBundle && t.Level == 0 && t.IsPartial).Select(t => t.Width));
        Assert.Equal(1, tiles.Count(t => t.Level == 1 && !t.IsPartial));
        Assert.Equal([17], tiles.Where(t => t.Level == 1 && t.IsPartial).Select(t => t.Width));
        Assert.Equal([1], tiles.Where(t => t.Level == 2).Select(t => t.Width));
        Assert.Equal(274, tiles.Count(t => t.IsEntryBundle));
        Assert.Contains("tile/entries/273.p/112", files);
        Assert.Contains("tile/0/272", files);
        Assert.Equal(tiles.Count, files.Count);
        Assert.Equal(8192, storage.Read("tile/0/000", 8192)!.Length);
        Assert.Equal(17 * 32, storage.Read("tile/1/001.p/17", 8192)!.Length);
    }

    [Fact]
    public void Publish_Size256_FullLeafTileAndLevelOnePartialOfWidthOne()
    {
        TileDirectoryStorage storage = Storage("256");
        using TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, _signer);
        PublishEntries(publisher, Entries(256), 256);
        Assert.Equal(["tile/0/000", "tile/1/000.p/1", "tile/entries/000"], storage.List("tile"));
    }

    [Fact]
    public void Publish_EmptyLog_CheckpointOfTheEmptyRootAndNoTiles()
    {
        TileDirectoryStorage storage = Storage("empty");
        using (TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, _signer))
        {
            Assert.Equal(0UL, PublishEntries(publisher, [], 0).TreeSize);
        }

        Assert.Empty(storage.List("tile"));
        using TiledLogReader reader = TiledLogReader.Open(storage, Origin, [_verifier]);
        Assert.Equal(MerkleHasher.EmptyRoot, reader.GetRoot(0));
        TiledLogVerificationResult result = TiledLogVerifier.Verify(storage, Origin, [_verifier]);
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(1, result.FilesChecked);
    }

    [Fact]
    public void Publish_TileContents_MatchSpecFormulaAndBundleEncoding()
    {
        const int Size = 600;
        List<byte[]> entries = Entries(Size);
        TileDirectoryStorage storage = Storage("formula");
        using (TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, _signer))
        {
            PublishEntries(publisher, entries, Size);
        }

        // MTH(D[(n·256 + i)·256^l : (n·256 + i + 1)·256^l]) for level 0 (n = 0..2) and level 1 (n = 0).
        byte[] level0 = [.. storage.Read("tile/0/000", 8192)!, .. storage.Read("tile/0/001", 8192)!, .. storage.Read("tile/0/002.p/88", 8192)!];
        byte[] level1 = storage.Read("tile/1/000.p/2", 8192)!;
        for (int i = 0; i < Size; i++)
        {
            Assert.Equal(Mth(entries, i, i + 1), level0.AsSpan(i * 32, 32).ToArray());
        }

        Assert.Equal(Mth(entries, 0, 256), level1[..32]);
        Assert.Equal(Mth(entries, 256, 512), level1[32..]);

        // Entry bundles: big-endian uint16 length ‖ entry, in order.
        byte[] bundle = storage.Read("tile/entries/002.p/88", 1 << 20)!;
        var expected = new List<byte>();
        foreach (byte[] entry in entries.Skip(512))
        {
            expected.Add((byte)(entry.Length >> 8));
            expected.Add((byte)entry.Length);
            expected.AddRange(entry);
        }

        Assert.Equal(expected.ToArray(), bundle);

        // The checkpoint: the tree's root, signed by the log key.
        Assert.Equal(NoteOpenStatus.Verified, Checkpoint.Open(Encoding.UTF8.GetString(storage.Read("checkpoint", 4096)!), [_verifier], Origin, out Checkpoint? checkpoint));
        Assert.Equal(600UL, checkpoint!.TreeSize);
        Assert.Equal(Mth(entries, 0, Size), checkpoint.RootHash);
    }

    [Fact]
    public void Publish_Incremental_WritesOnlyNewTilesAndKeepsFullTilesUntouched()
    {
        List<byte[]> entries = Entries(1100);
        var storage = new RecordingStorage(Storage("incremental"));
        using TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, _signer);
        PublishEntries(publisher, entries, 1000);
        DateTime fullTileTime = File.GetLastWriteTimeUtc(Path.Combine(_scratch, "incremental", "tile", "0", "001"));
        storage.Writes.Clear();

        PublishEntries(publisher, entries, 1030);
        Assert.Equal(["tile/0/003", "tile/entries/003", "tile/0/004.p/6", "tile/entries/004.p/6", "tile/1/000.p/4", "checkpoint"], storage.Writes);
        Assert.Equal(["tile/entries/003.p/232", "tile/0/003.p/232"], storage.Deletes); // partials of a tile that became full
        Assert.Equal(fullTileTime, File.GetLastWriteTimeUtc(Path.Combine(_scratch, "incremental", "tile", "0", "001")));

        storage.Writes.Clear();
        PublishEntries(publisher, entries, 1031);
        Assert.Equal(["tile/0/004.p/7", "tile/entries/004.p/7", "checkpoint"], storage.Writes);
        Assert.Contains("tile/0/004.p/6", storage.Inner.List("tile/0")); // kept: a checkpoint of that size exists

        storage.Writes.Clear();
        Assert.Same(publisher.Checkpoint, PublishEntries(publisher, entries, 1031)); // nothing new, nothing written
        Assert.Empty(storage.Writes);
    }

    [Fact]
    public void Publish_FullTileExistsWithOtherBytes_InvalidDataExceptionAndNoCheckpoint()
    {
        List<byte[]> entries = Entries(300);
        TileDirectoryStorage storage = Storage("immutable");
        using TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, _signer);
        PublishEntries(publisher, entries, 200);
        byte[] checkpoint = storage.Read("checkpoint", 4096)!;
        storage.Write("tile/0/000", new byte[8192]); // a forged full tile planted ahead of publication

        Assert.Throws<InvalidDataException>(() => PublishEntries(publisher, entries, 300));
        Assert.Equal(checkpoint, storage.Read("checkpoint", 4096));
        Assert.Throws<InvalidOperationException>(() => PublishEntries(publisher, entries, 300)); // broken until reopened
    }

    [Fact]
    public void Open_ExistingLog_ResumesAndProducesTheSameFullTilesAndCheckpoint()
    {
        List<byte[]> entries = Entries(2000);
        TileDirectoryStorage once = Storage("once"), steps = Storage("steps");
        using (TiledLogPublisher publisher = TiledLogPublisher.Open(once, Origin, _signer))
        {
            PublishEntries(publisher, entries, 2000);
        }

        foreach (int size in new[] { 1, 255, 256, 257, 700, 1999, 2000 })
        {
            using TiledLogPublisher publisher = TiledLogPublisher.Open(steps, Origin, _signer);
            Assert.Equal(size == 1 ? 0UL : (ulong)size, size == 1 ? publisher.PublishedSize : PublishEntries(publisher, entries, size).TreeSize);
            if (size == 1)
            {
                PublishEntries(publisher, entries, 1);
            }
        }

        Assert.Equal(once.Read("checkpoint", 4096), steps.Read("checkpoint", 4096)); // Ed25519 notes are deterministic
        foreach (string path in once.List("tile"))
        {
            Assert.Equal(once.Read(path, 1 << 20), steps.Read(path, 1 << 20));
        }
    }

    [Fact]
    public void Open_CheckpointOfAnotherKeyOrOrigin_InvalidDataException()
    {
        TileDirectoryStorage storage = Storage("foreign");
        using (TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, _signer))
        {
            PublishEntries(publisher, Entries(10), 10);
        }

        using var other = new NoteSigner(Origin, SigningKey.Generate(SignatureAlgorithm.Ed25519));
        Assert.Throws<InvalidDataException>(() => TiledLogPublisher.Open(storage, Origin, other));
        Assert.Throws<InvalidDataException>(() => TiledLogPublisher.Open(storage, "example.com/other", _signer));
    }

    [Fact]
    public void Publish_SourceDoesNotExtendPublishedLog_InvalidOperationException()
    {
        TileDirectoryStorage storage = Storage("diverged");
        using TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, _signer);
        PublishEntries(publisher, Entries(10), 10);
        List<byte[]> rewritten = Entries(20);
        rewritten[3] = Encoding.UTF8.GetBytes("rewritten history");
        Assert.Throws<InvalidOperationException>(() => PublishEntries(publisher, rewritten, 20));
        Assert.Throws<InvalidOperationException>(() => PublishEntries(publisher, rewritten, 5));
        Assert.Equal(10UL, publisher.PublishedSize);
    }

    [Fact]
    public void Publish_StalePublisherOnSameStorage_RefusesToRollBackOrForkTheCheckpoint()
    {
        TileDirectoryStorage storage = Storage("two-publishers");
        List<byte[]> entries = Entries(500);
        using TiledLogPublisher first = TiledLogPublisher.Open(storage, Origin, _signer);
        using TiledLogPublisher stale = TiledLogPublisher.Open(storage, Origin, _signer); // opened before the first advances
        PublishEntries(first, entries, 300);
        byte[] published = storage.Read("checkpoint", 4096)!;

        // Smaller: would roll the public checkpoint back from 300 to 100.
        InvalidOperationException rollback = Assert.Throws<InvalidOperationException>(() => PublishEntries(stale, entries, 100));
        Assert.Contains("larger", rollback.Message, StringComparison.Ordinal);
        Assert.Equal(published, storage.Read("checkpoint", 4096));

        // Larger but a fork (entry 290 differs; the full tile 0 is shared): inconsistent with the stored checkpoint.
        List<byte[]> fork = Entries(500);
        fork[290] = Encoding.UTF8.GetBytes("{\"i\":290,\"ts\":290,\"pad\":\"forged\"}");
        using TiledLogPublisher staleFork = TiledLogPublisher.Open(Storage("two-publishers-b"), Origin, _signer);
        TileDirectoryStorage shared = Storage("two-publishers-b");
        using TiledLogPublisher honest = TiledLogPublisher.Open(shared, Origin, _signer);
        PublishEntries(honest, entries, 300);
        byte[] honestCheckpoint = shared.Read("checkpoint", 4096)!;
        Assert.Contains("not consistent", Assert.Throws<InvalidOperationException>(() => PublishEntries(staleFork, fork, 400)).Message, StringComparison.Ordinal);
        Assert.Equal(honestCheckpoint, shared.Read("checkpoint", 4096));
        Assert.True(TiledLogVerifier.Verify(shared, Origin, [_verifier]).IsValid); // the stale publisher's partial tiles are beyond the checkpoint

        // A refused publisher is broken until reopened; reopened, it extends the stored checkpoint.
        Assert.Throws<InvalidOperationException>(() => PublishEntries(stale, entries, 500));
        using TiledLogPublisher reopened = TiledLogPublisher.Open(storage, Origin, _signer);
        Assert.Equal(500UL, PublishEntries(reopened, entries, 500).TreeSize);

        // A stale publisher whose log extends the stored checkpoint consistently may publish.
        using TiledLogPublisher behind = TiledLogPublisher.Open(Storage("two-publishers-c"), Origin, _signer);
        using (TiledLogPublisher ahead = TiledLogPublisher.Open(Storage("two-publishers-c"), Origin, _signer))
        {
            PublishEntries(ahead, entries, 300);
        }

        Assert.Equal(500UL, PublishEntries(behind, entries, 500).TreeSize);
        Assert.True(TiledLogVerifier.Verify(Storage("two-publishers-c"), Origin, [_verifier]).IsValid);
    }

    [Fact]
    public void Publish_StoredCheckpointReplacedByAnotherKey_InvalidDataExceptionNothingSigned()
    {
        TileDirectoryStorage storage = Storage("replaced");
        List<byte[]> entries = Entries(20);
        using TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, _signer);
        PublishEntries(publisher, entries, 10);
        using var other = new NoteSigner(Origin, SigningKey.Generate(SignatureAlgorithm.Ed25519));
        using (TiledLogPublisher foreign = TiledLogPublisher.Open(Storage("foreign-source"), Origin, other))
        {
            PublishEntries(foreign, entries, 10);
        }

        byte[] planted = Storage("foreign-source").Read("checkpoint", 4096)!;
        storage.Write("checkpoint", planted);
        Assert.Throws<InvalidDataException>(() => PublishEntries(publisher, entries, 20));
        Assert.Equal(planted, storage.Read("checkpoint", 4096));
    }

    [Fact]
    public void Publish_EntryLongerThan65535_InvalidOperationException()
    {
        using TiledLogPublisher publisher = TiledLogPublisher.Open(Storage("long"), Origin, _signer);
        List<byte[]> entries = [new byte[65_535], new byte[65_536]];
        PublishEntries(publisher, entries, 1);
        Assert.Throws<InvalidOperationException>(() => PublishEntries(publisher, entries, 2));
    }

    [Fact]
    public void Publish_DurableMerkleLog_ReaderServesItsEntriesAndRoots()
    {
        TileDirectoryStorage storage = Storage("durable");
        using var log = DurableMerkleLog.Open(Path.Combine(_scratch, "log"), new DurableMerkleLogOptions { FlushToDisk = false });
        using TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, _signer);
        log.AppendBatch([.. Enumerable.Range(0, 300).Select(Entry)]);
        Checkpoint first = publisher.Publish(log);
        log.AppendBatch([.. Enumerable.Range(300, 213).Select(Entry)]);
        Checkpoint second = publisher.Publish(log);
        Assert.Equal((300UL, 513UL), (first.TreeSize, second.TreeSize));
        Assert.Equal(log.GetRoot(300), first.RootHash);
        Assert.Equal(log.GetRoot(513), second.RootHash);

        using TiledLogReader reader = TiledLogReader.Open(storage, Origin, [_verifier]);
        Assert.Equal(513UL, reader.TreeSize);
        for (ulong i = 0; i < 513; i += 37)
        {
            Assert.Equal(log.ReadEntry(i), reader.ReadEntry(i));
        }

        Assert.Equal(log.GetRoot(300), reader.GetRoot(300));
    }

    [Fact]
    public void Reader_Proofs_EqualTheTreesAndVerifyAgainstOldAndNewCheckpoints()
    {
        List<byte[]> entries = Entries(1500);
        TileDirectoryStorage storage = Storage("proofs");
        Checkpoint old, current;
        using (TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, _signer))
        {
            old = PublishEntries(publisher, entries, 777);
            current = PublishEntries(publisher, entries, 1500);
        }

        using var tree = new MerkleTree();
        entries.ForEach(e => tree.Append(e));
        using TiledLogReader reader = TiledLogReader.Open(storage, Origin, [_verifier]);
        foreach (ulong i in new ulong[] { 0, 1, 255, 256, 511, 512, 776, 777, 1024, 1499 })
        {
            byte[] leaf = tree.GetLeafHash(i);
            Assert.Equal(entries[(int)i], reader.ReadEntry(i));
            Assert.Equal(leaf, reader.GetLeafHash(i));
            Assert.Equal(tree.GetInclusionProof(i, 1500), reader.GetInclusionProof(i, 1500));
            Assert.True(MerkleProof.VerifyInclusion(i, 1500, leaf, reader.GetInclusionProof(i, 1500), current.RootHash));
            if (i < 777)
            {
                Assert.Equal(tree.GetInclusionProof(i, 777), reader.GetInclusionProof(i, 777));
                Assert.True(MerkleProof.VerifyInclusion(i, 777, leaf, reader.GetInclusionProof(i, 777), old.RootHash));
            }
        }

        foreach ((ulong m, ulong n) in new[] { (1UL, 1500UL), (256UL, 1500UL), (777UL, 1500UL), (300UL, 777UL), (1500UL, 1500UL) })
        {
            Assert.Equal(tree.GetConsistencyProof(m, n), reader.GetConsistencyProof(m, n));
        }

        Assert.True(MerkleProof.VerifyConsistency(777, 1500, reader.GetConsistencyProof(777, 1500), old.RootHash, current.RootHash));
        Assert.Equal(old.RootHash, reader.GetRoot(777));
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetInclusionProof(1500, 1500));
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetConsistencyProof(0, 10));
    }

    [Fact]
    public void Reader_TamperedTileOrBundle_InvalidDataExceptionNeverWrongData()
    {
        TileDirectoryStorage storage = Storage("tampered");
        using (TiledLogPublisher publisher = TiledLogPublisher.Open(storage, Origin, _signer))
        {
            PublishEntries(publisher, Entries(600), 600);
        }

        byte[] tile = storage.Read("tile/0/001", 8192)!;
        tile[40] ^= 1; // leaf hash 257
        storage.Write("tile/0/001", tile);
        byte[] bundle = storage.Read("tile/entries/000", 1 << 20)!;
        bundle[^1] ^= 1; // entry 255
        storage.Write("tile/entries/000", bundle);

        using TiledLogReader reader = TiledLogReader.Open(storage, Origin, [_verifier]);
        Assert.Throws<InvalidDataException>(() => reader.ReadEntry(255));
        Assert.Throws<InvalidDataException>(() => reader.ReadEntry(256)); // its proof holds the bad leaf hash 257
        Assert.Equal(Entry(257), reader.ReadEntry(257)); // its own proof does not: the genuine entry still verifies
        Assert.Throws<InvalidDataException>(() => reader.GetInclusionProof(300, 600)); // its path uses the bad tile's root
        Assert.Equal(Entry(599), reader.ReadEntry(599)); // outside the damage
        using var stranger = new NoteSigner(Origin, SigningKey.Generate(SignatureAlgorithm.Ed25519));
        using NoteVerifier strangerKey = stranger.CreateVerifier();
        Assert.Throws<InvalidDataException>(() => TiledLogReader.Open(storage, Origin, [strangerKey]));
    }

    /// <summary>MTH(D[start:end]) computed independently with an in-memory tree over the range.</summary>
    private static byte[] Mth(List<byte[]> entries, int start, int end)
    {
        using var tree = new MerkleTree();
        for (int i = start; i < end; i++)
        {
            tree.Append(entries[i]);
        }

        return tree.GetRoot();
    }

    /// <summary>A storage wrapper that records which resources were written and deleted.</summary>
    internal sealed class RecordingStorage(ITileStorage inner) : ITileStorage
    {
        public ITileStorage Inner => inner;

        public List<string> Writes { get; } = [];

        public List<string> Deletes { get; } = [];

        public byte[]? Read(string path, int maxBytes) => inner.Read(path, maxBytes);

        public void Write(string path, ReadOnlySpan<byte> contents)
        {
            Writes.Add(path);
            inner.Write(path, contents);
        }

        public bool Delete(string path)
        {
            Deletes.Add(path);
            return inner.Delete(path);
        }

        public IReadOnlyList<string> List(string directory) => inner.List(directory);
    }

    internal static ushort LengthPrefix(byte[] bundle) => BinaryPrimitives.ReadUInt16BigEndian(bundle);
}
