using ContainerSec.Audit;
using ContainerSec.Cryptography;
using static ContainerSec.Tests.Audit.TiledLogTests;

namespace ContainerSec.Tests.Audit;

/// <summary>
/// Retention on a tiled log (tlog-tiles pruning): only a prefix of full entry bundles whose entries
/// are all older than the cutoff is deleted; hash tiles stay, so every remaining entry, every
/// pruned entry's hash, and the proofs between old and new checkpoints still verify.
/// </summary>
public sealed class TiledLogRetentionTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("containersec-retention-").FullName;
    private readonly NoteSigner _signer = new(Origin, SigningKey.Generate(SignatureAlgorithm.Ed25519));
    private readonly NoteVerifier _verifier;
    private readonly TileDirectoryStorage _storage;

    public TiledLogRetentionTests()
    {
        _verifier = _signer.CreateVerifier();
        _storage = new TileDirectoryStorage(_scratch, flushToDisk: false);
    }

    public void Dispose()
    {
        _verifier.Dispose();
        _signer.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public void Prune_OldPrefix_RemainingEntriesAndAllProofsVerifyAgainstOldAndNewCheckpoints()
    {
        List<byte[]> entries = Entries(1300);
        using var tree = new MerkleTree();
        entries.ForEach(e => tree.Append(e));
        using TiledLogPublisher publisher = TiledLogPublisher.Open(_storage, Origin, _signer);
        Checkpoint old = PublishEntries(publisher, entries, 700);
        int hashTilesBefore = _storage.List("tile").Count(p => !p.StartsWith("tile/entries", StringComparison.Ordinal));

        // Entry i has time i s: the cutoff 600 s makes bundles 0 and 1 (entries 0..511) wholly old; bundle 2 holds 600.
        TiledLogPruneResult pruned = publisher.PruneEntryBundles(TimestampOf, DateTimeOffset.FromUnixTimeSeconds(600));
        Assert.Equal(new TiledLogPruneResult(512, 2), pruned);
        Checkpoint current = PublishEntries(publisher, entries, 1300); // publishing continues after pruning

        Assert.Null(_storage.Read("tile/entries/000", 1 << 20));
        Assert.Null(_storage.Read("tile/entries/001", 1 << 20));
        Assert.NotNull(_storage.Read("tile/entries/002", 1 << 20));
        Assert.True(_storage.List("tile").Count(p => !p.StartsWith("tile/entries", StringComparison.Ordinal)) >= hashTilesBefore);

        TiledLogVerificationResult verified = TiledLogVerifier.Verify(_storage, Origin, [_verifier], allowPruning: true);
        Assert.True(verified.IsValid, verified.Problem);
        Assert.Equal(512UL, verified.MinimumIndex);

        using TiledLogReader reader = TiledLogReader.Open(_storage, Origin, [_verifier]);
        for (ulong i = 0; i < 1300; i += 7)
        {
            byte[] leaf = tree.GetLeafHash(i);
            Assert.Equal(i >= 512, reader.TryReadEntry(i, out byte[]? entry));
            Assert.Equal(i >= 512 ? entries[(int)i] : null, entry);
            Assert.Equal(leaf, reader.GetLeafHash(i)); // pruned or not, the hash remains and is proved
            Assert.True(MerkleProof.VerifyInclusion(i, 1300, leaf, reader.GetInclusionProof(i, 1300), current.RootHash));
            if (i < 700)
            {
                Assert.True(MerkleProof.VerifyInclusion(i, 700, leaf, reader.GetInclusionProof(i, 700), old.RootHash));
            }
        }

        Assert.True(MerkleProof.VerifyConsistency(700, 1300, reader.GetConsistencyProof(700, 1300), old.RootHash, current.RootHash));
        Assert.True(MerkleProof.VerifyConsistency(100, 1300, reader.GetConsistencyProof(100, 1300), tree.GetRoot(100), current.RootHash));
        Assert.Throws<InvalidOperationException>(() => reader.ReadEntry(5));
    }

    [Fact]
    public void Prune_NewerEntryInEarlierBundle_StopsThere()
    {
        // Entry 300 is stamped far in the future: bundle 1 is kept, and so is bundle 2 although all its entries are old.
        List<byte[]> entries = Entries(1000);
        entries[300] = System.Text.Encoding.UTF8.GetBytes("{\"i\":300,\"ts\":99999,\"pad\":\"\"}");
        using TiledLogPublisher publisher = TiledLogPublisher.Open(_storage, Origin, _signer);
        PublishEntries(publisher, entries, 1000);
        Assert.Equal(new TiledLogPruneResult(256, 1), publisher.PruneEntryBundles(TimestampOf, DateTimeOffset.FromUnixTimeSeconds(900)));
        Assert.NotNull(_storage.Read("tile/entries/002", 1 << 20));
        Assert.Equal(new TiledLogPruneResult(256, 0), publisher.PruneEntryBundles(TimestampOf, DateTimeOffset.FromUnixTimeSeconds(900)));
    }

    [Fact]
    public void Prune_CanonicalAuditEvents_ByStageTimestamp()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        List<byte[]> entries = [.. Enumerable.Range(0, 600).Select(i => AuditEventSerializer.ToCanonicalJson(new AuditEvent
        {
            AuditId = $"a{i}",
            Tenant = "team-a",
            EventType = "authorization",
            Verb = "get",
            RequestReceivedTimestamp = start.AddMinutes(i),
            StageTimestamp = start.AddMinutes(i).AddTicks(10),
        }))];
        Assert.Equal(start.AddMinutes(7).AddTicks(10), TiledLogPublisher.AuditEventTime(entries[7]));
        using TiledLogPublisher publisher = TiledLogPublisher.Open(_storage, Origin, _signer);
        PublishEntries(publisher, entries, 600);
        Assert.Equal(new TiledLogPruneResult(256, 1), publisher.PruneEntryBundles(TiledLogPublisher.AuditEventTime, start.AddMinutes(300)));
        Assert.Throws<InvalidDataException>(() => TiledLogPublisher.AuditEventTime("{\"verb\":\"get\"}"u8));
        Assert.Throws<InvalidDataException>(() => TiledLogPublisher.AuditEventTime("not json"u8));
    }

    [Fact]
    public void Prune_EverythingOld_KeepsThePartialBundle()
    {
        using TiledLogPublisher publisher = TiledLogPublisher.Open(_storage, Origin, _signer);
        PublishEntries(publisher, Entries(600), 600);
        Assert.Equal(new TiledLogPruneResult(512, 2), publisher.PruneEntryBundles(TimestampOf, DateTimeOffset.MaxValue));
        Assert.NotNull(_storage.Read("tile/entries/002.p/88", 1 << 20));
        Assert.True(TiledLogVerifier.Verify(_storage, Origin, [_verifier], allowPruning: true).IsValid);

        // A publisher reopened on the pruned log resumes: it needs only the partial bundle's entries.
        using TiledLogPublisher reopened = TiledLogPublisher.Open(_storage, Origin, _signer);
        Assert.Equal(700UL, PublishEntries(reopened, Entries(700), 700).TreeSize);
        TiledLogVerificationResult result = TiledLogVerifier.Verify(_storage, Origin, [_verifier], allowPruning: true);
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(512UL, result.MinimumIndex);
    }
}
